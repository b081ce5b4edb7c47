/**
 * The whole mirror on 127.0.0.1, from a synthesized template: S3 (s3rver)
 * with the template's bucket, DynamoDB (dynalite) with its lease table, the
 * function URL running the staged asset with the template's handler and
 * environment, and CloudFront in front of both.
 */
import { EventEmitter } from 'node:events';
import { CloudFrontRecord, LocalCloudFront } from './cloudfront';
import { LocalDynamoDb, startDynamoDb } from './dynamodb/server';
import { InvocationRecord, LocalFunctionUrl, LocalFunctionUrlOptions } from './lambda/function-url';
import { joinInOrder } from './request-join';
import { LocalS3, s3KeyOfPath, startS3 } from './s3/server';
import { MirrorSpec } from './template';

/** What may differ from the template (the benchmark runs other handlers; tests turn the cap off); `environment` is merged. */
export type FunctionOverrides = Partial<Pick<LocalFunctionUrlOptions,
'codeDir' | 'handler' | 'environment' | 'maxContainers' | 'whenBusy' | 'bandwidthCap' | 'invokeMode' | 'timeoutSeconds' | 'memoryMb'
>>;

/** How to start the local mirror. */
export interface LocalMirrorOptions {
  /** The mirror read from the synthesized template. */
  readonly spec: MirrorSpec;
  /** Keep the bucket's data in this directory (kept on close); default a temporary one. */
  readonly s3Directory?: string;
  /** The viewer port. @default 0 (any free port) */
  readonly port?: number;
  /** Changes to the function as the template defines it. */
  readonly function?: FunctionOverrides;
}

/** One viewer request, with what the function did for it (if it was called). */
export interface MirrorRequestRecord {
  readonly cloudFront: CloudFrontRecord;
  readonly invocation?: InvocationRecord;
  /** The handler's JSON log line for the request, if it wrote one. */
  readonly handlerLog?: Record<string, unknown>;
  /** The S3 key: the one the handler stored under (a miss), or the one S3 looked up (an answer from the bucket). */
  readonly key?: string;
}

/** The running mirror. */
export interface LocalMirror extends EventEmitter {
  /** Where viewers go: the CloudFront stand-in. */
  readonly viewerUrl: string;
  readonly spec: MirrorSpec;
  readonly s3: LocalS3;
  /** The lease table's DynamoDB, when the mirror has single-flight. */
  readonly dynamodb?: LocalDynamoDb;
  readonly functionUrl: LocalFunctionUrl;
  readonly cloudFront: LocalCloudFront;
  /** Stops everything (containers killed, servers closed). */
  close(): Promise<void>;
}

/** Starts S3, the function URL and CloudFront for `spec`; emits `request` (MirrorRequestRecord) per viewer request. */
export async function startLocalMirror(options: LocalMirrorOptions): Promise<LocalMirror> {
  const { spec } = options;
  const fn = spec.function;
  // Strict: atomic, conditional writes, as S3 does (s3rver alone writes in place and ignores If-None-Match).
  const s3 = await startS3({ buckets: [spec.bucketName], directory: options.s3Directory, strict: true });
  let functionUrl: LocalFunctionUrl | undefined;
  let dynamodb: LocalDynamoDb | undefined;
  try {
    if (spec.leaseTable) {
      dynamodb = await startDynamoDb();
      await dynamodb.createLeaseTable(spec.leaseTable.tableName);
    }
    functionUrl = await LocalFunctionUrl.start({
      codeDir: fn.assetDir,
      handler: fn.handler,
      functionName: fn.functionName,
      runtime: fn.runtime,
      memoryMb: fn.memoryMb,
      timeoutSeconds: fn.timeoutSeconds,
      invokeMode: spec.functionUrl.invokeMode,
      authType: spec.functionUrl.authType,
      urlId: spec.functionUrl.urlId,
      maxContainers: fn.reservedConcurrency ?? 4,
      whenBusy: fn.reservedConcurrency === undefined ? 'queue' : 'throttle',
      ...options.function,
      environment: { ...fn.environment, ...options.function?.environment },
      // Local only: the SDK talks to the S3 stand-in with dummy credentials (and its production checksum settings);
      // its warning about this machine's Node.js (Lambda runs the template's runtime) is noise here.
      localEnvironment: {
        ...s3.env,
        ...(dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint } : {}),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    const cloudFront = await LocalCloudFront.start({
      distribution: spec.distribution,
      port: options.port ?? 0,
      origins: {
        's3': { url: s3.endpoint, pathPrefix: `/${spec.bucketName}` },
        'function-url': { url: functionUrl.url, hostHeader: spec.functionUrl.host },
      },
    });
    return joinRecords(Object.assign(new EventEmitter(), {
      viewerUrl: cloudFront.url,
      spec,
      s3,
      dynamodb,
      functionUrl,
      cloudFront,
      close: async () => {
        await cloudFront.close();
        await functionUrl!.close();
        await dynamodb?.stop();
        await s3.stop();
      },
    }));
  } catch (err) {
    await functionUrl?.close();
    await dynamodb?.stop();
    await s3.stop();
    throw err;
  }
}

/** Emits one `request` per viewer request, in the order they finished, with the invocation made for it (if any). */
function joinRecords(mirror: LocalMirror): LocalMirror {
  const graceMs = (mirror.spec.function.timeoutSeconds + 5) * 1000;
  const primaryPath = mirror.spec.distribution.primary.originPath;
  joinInOrder<CloudFrontRecord, InvocationRecord>(mirror, graceMs, (cloudFront, invocation) => {
    const log = handlerLog(invocation);
    // The key the handler stored (or refused); for an answer from the bucket, the key S3 looked up.
    const key = typeof log?.key === 'string' ? log.key : cloudFront.servedBy === 's3' ? s3KeyOfPath(`${primaryPath}${cloudFront.path}`) : undefined;
    mirror.emit('request', { cloudFront, invocation, handlerLog: log, key } satisfies MirrorRequestRecord);
  });
  return mirror;
}

/** The handler's log line: the last JSON object with an `outcome` it wrote during the invocation. */
function handlerLog(invocation: InvocationRecord | undefined): Record<string, unknown> | undefined {
  for (const line of [...(invocation?.logs ?? [])].reverse()) {
    try {
      const parsed = JSON.parse(line.slice(line.indexOf('{')));
      if (parsed && typeof parsed === 'object' && 'outcome' in parsed) return parsed;
    } catch {
      // Not a JSON log line.
    }
  }
  return undefined;
}
