/**
 * The whole mirror on 127.0.0.1, from a synthesized template: S3 (s3rver)
 * with the template's buckets and their CORS rules, DynamoDB (dynalite) with
 * its lease tables, one function URL per
 * mirror running its staged asset with its handler and environment, and
 * CloudFront in front of them, routing each behaviour to its origins.
 */
import { EventEmitter } from 'node:events';
import { CloudFrontRecord, LocalCloudFront, OriginTarget } from './cloudfront';
import { LocalDynamoDb, startDynamoDb } from './dynamodb/server';
import { InvocationRecord, LocalFunctionUrl, LocalFunctionUrlOptions } from './lambda/function-url';
import { joinInOrder } from './request-join';
import { LocalS3, s3KeyOfPath, startS3 } from './s3/server';
import { MirrorSpec, SingleMirrorSpec } from './template';

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
  /** Changes to every mirror's function as the template defines it. */
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
  /** The DynamoDB of the lease tables, when a mirror has single-flight. */
  readonly dynamodb?: LocalDynamoDb;
  /** The default mirror's function URL (`spec.functionUrl`). */
  readonly functionUrl: LocalFunctionUrl;
  /** Every mirror's function URL, in the order of `spec.mirrors`. */
  readonly functionUrls: readonly LocalFunctionUrl[];
  readonly cloudFront: LocalCloudFront;
  /** Stops everything (containers killed, servers closed). */
  close(): Promise<void>;
}

/** Starts S3, a function URL per mirror and CloudFront for `spec`; emits `request` (MirrorRequestRecord) per viewer request. */
export async function startLocalMirror(options: LocalMirrorOptions): Promise<LocalMirror> {
  const { spec } = options;
  const cors = Object.fromEntries(spec.buckets.map((bucket) => [bucket.name, bucket.cors]));
  // Strict: atomic, conditional writes, as S3 does (s3rver alone writes in place and ignores If-None-Match).
  const s3 = await startS3({ buckets: spec.buckets.map((bucket) => bucket.name), cors, directory: options.s3Directory, strict: true });
  const functionUrls: LocalFunctionUrl[] = [];
  let dynamodb: LocalDynamoDb | undefined;
  const closeAll = async () => {
    await Promise.all(functionUrls.map((functionUrl) => functionUrl.close()));
    await dynamodb?.stop();
    await s3.stop();
  };
  try {
    if (spec.tables.length > 0) {
      dynamodb = await startDynamoDb();
      for (const table of spec.tables) await dynamodb.createLeaseTable(table.tableName);
    }
    const localEnvironment = {
      ...s3.env,
      ...(dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint } : {}),
      // Its warning about this machine's Node.js (Lambda runs the template's runtime) is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    for (const mirror of spec.mirrors) functionUrls.push(await startFunctionUrl(mirror, localEnvironment, options.function));
    const origins = originTargets(spec, s3, functionUrls);
    const cloudFront = await LocalCloudFront.start({ distribution: spec.distribution, port: options.port ?? 0, origins });
    return joinRecords(Object.assign(new EventEmitter(), {
      viewerUrl: cloudFront.url,
      spec,
      s3,
      dynamodb,
      functionUrl: functionUrls[spec.mirrors.findIndex((mirror) => mirror.functionUrl.logicalId === spec.functionUrl.logicalId)],
      functionUrls,
      cloudFront,
      close: async () => {
        await cloudFront.close();
        await closeAll();
      },
    }));
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Where each origin of the distribution listens locally: a bucket on the S3 stand-in, a mirror's function URL; no other. */
function originTargets(spec: MirrorSpec, s3: LocalS3, functionUrls: readonly LocalFunctionUrl[]): Record<string, OriginTarget> {
  const targets: Record<string, OriginTarget> = {};
  for (const origin of spec.distribution.behaviors.flatMap((behavior) => [behavior.primary, behavior.fallback])) {
    if (origin?.kind === 's3') targets[origin.id] = { url: s3.endpoint, pathPrefix: `/${origin.bucketName}` };
    const i = spec.mirrors.findIndex((mirror) => origin?.kind === 'function-url' && mirror.functionUrl.logicalId === origin.functionUrlLogicalId);
    if (origin && i >= 0) targets[origin.id] = { url: functionUrls[i].url, hostHeader: spec.mirrors[i].functionUrl.host };
  }
  return targets;
}

/** The function URL of one mirror, running its function as the template defines it (with `overrides`). */
function startFunctionUrl(
  mirror: SingleMirrorSpec, localEnvironment: Record<string, string>, overrides: FunctionOverrides | undefined,
): Promise<LocalFunctionUrl> {
  const fn = mirror.function;
  return LocalFunctionUrl.start({
    codeDir: fn.assetDir,
    handler: fn.handler,
    functionName: fn.functionName,
    runtime: fn.runtime,
    memoryMb: fn.memoryMb,
    timeoutSeconds: fn.timeoutSeconds,
    invokeMode: mirror.functionUrl.invokeMode,
    authType: mirror.functionUrl.authType,
    urlId: mirror.functionUrl.urlId,
    maxContainers: fn.reservedConcurrency ?? 4,
    whenBusy: fn.reservedConcurrency === undefined ? 'queue' : 'throttle',
    ...overrides,
    environment: { ...fn.environment, ...overrides?.environment },
    // Local only: the SDK talks to the S3 and DynamoDB stand-ins with dummy credentials (and its production checksum settings).
    localEnvironment,
  });
}

/** Emits one `request` per viewer request, in the order they finished, with the invocation made for it (if any). */
function joinRecords(mirror: LocalMirror): LocalMirror {
  const graceMs = (Math.max(...mirror.spec.mirrors.map((m) => m.function.timeoutSeconds)) + 5) * 1000;
  // Every mirror's invocations, for the join by x-amz-cf-id.
  const invocations = new EventEmitter();
  for (const functionUrl of mirror.functionUrls) functionUrl.on('invocation', (record: InvocationRecord) => invocations.emit('invocation', record));
  const behaviors = new Map(mirror.spec.distribution.behaviors.map((behavior) => [behavior.pathPattern, behavior]));
  joinInOrder<CloudFrontRecord, InvocationRecord>({ cloudFront: mirror.cloudFront, functionUrl: invocations }, graceMs, (cloudFront, invocation) => {
    const log = handlerLog(invocation);
    const primaryPath = behaviors.get(cloudFront.pathPattern ?? '')?.primary.originPath ?? '';
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
