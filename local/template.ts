/**
 * Reads what the local stack runs from a synthesized template and its cloud
 * assembly: every mirror a behaviour of the distribution serves (an origin
 * group of an S3 bucket, then a function URL) with the function behind its
 * function URL (staged asset, handler, environment, timeout, memory), every
 * bucket with its CORS rules, and the distribution's behaviours
 * (template-distribution.ts). What is tested is what deploys.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { LOCAL_PSEUDO_PARAMETERS, ReferenceResolver, resolveString, resolveValue } from './intrinsics';
import type { BucketCorsRule } from './s3/cors';
import { DistributionSpec, readDistribution, referencedLogicalId } from './template-distribution';

export type { BehaviorSpec, DistributionSpec, FunctionAssociationSpec, OriginSpec } from './template-distribution';

/** A CloudFormation template, as JSON. */
export interface CfnTemplate {
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any> }>;
}

/** The Lambda function as the local function URL runs it. */
export interface FunctionSpec {
  /** Logical ID of the `AWS::Lambda::Function`. */
  readonly logicalId: string;
  /** Local name of the function (`AWS_LAMBDA_FUNCTION_NAME`). */
  readonly functionName: string;
  /** Absolute path of the staged asset directory (`cdk.out/asset.<hash>`). */
  readonly assetDir: string;
  /** The `Handler` property, e.g. `index.handler`. */
  readonly handler: string;
  /** The `Runtime` property, e.g. `nodejs24.x`. */
  readonly runtime: string;
  /** `Environment.Variables` with every reference resolved to its local value. */
  readonly environment: Readonly<Record<string, string>>;
  /** `Timeout` in seconds (Lambda's default is 3). */
  readonly timeoutSeconds: number;
  /** `MemorySize` in MB (Lambda's default is 128). */
  readonly memoryMb: number;
  /** `ReservedConcurrentExecutions`, if set. */
  readonly reservedConcurrency?: number;
}

/** The function URL. */
export interface FunctionUrlSpec {
  /** Logical ID of the `AWS::Lambda::Url`. */
  readonly logicalId: string;
  /** `AWS_IAM` or `NONE`. */
  readonly authType: string;
  /** `BUFFERED` (the default) or `RESPONSE_STREAM`. */
  readonly invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  /** The URL ID, the first label of the URL's host name. */
  readonly urlId: string;
  /** The host name the function URL would have in AWS. */
  readonly host: string;
}

/** One mirror: the function behind a function URL, and the bucket it stores into. */
export interface SingleMirrorSpec {
  /** The bucket (resolved from the S3 origin of its origin group, and found in the handler's environment). */
  readonly bucketName: string;
  /** The function behind the function URL. */
  readonly function: FunctionSpec;
  /** The function URL. */
  readonly functionUrl: FunctionUrlSpec;
  /** The path patterns of the behaviours that serve it, in CloudFront's order (`*` for the default behaviour). */
  readonly pathPatterns: readonly string[];
}

/** A bucket of the local S3. */
export interface BucketSpec {
  readonly name: string;
  /** Its `CorsConfiguration.CorsRules` (none for a bucket the template does not define). */
  readonly cors: readonly BucketCorsRule[];
}

/** A DynamoDB table of the template (a mirror's single-flight lease table). */
export interface TableSpec {
  /** Logical ID of the `AWS::DynamoDB::Table`. */
  readonly logicalId: string;
  /** The table name the local DynamoDB creates (and the handler's environment names). */
  readonly tableName: string;
}

/**
 * Everything the local stack reads from the template. Its own `bucketName`,
 * `function`, `functionUrl` and `pathPatterns` are the default mirror's: the
 * default behaviour's, or else the first in CloudFront's order.
 */
export interface MirrorSpec extends SingleMirrorSpec {
  /** Every mirror a behaviour serves, in CloudFront's order of their first behaviour (the default behaviour last). */
  readonly mirrors: readonly SingleMirrorSpec[];
  /** Every bucket of an S3 origin the behaviours reach. */
  readonly buckets: readonly BucketSpec[];
  /** Every DynamoDB table of the template: the mirrors' lease tables (none with `singleFlight: false`). */
  readonly tables: readonly TableSpec[];
  /** The distribution. */
  readonly distribution: DistributionSpec;
}

const REGION = LOCAL_PSEUDO_PARAMETERS['AWS::Region'];
const ACCOUNT = LOCAL_PSEUDO_PARAMETERS['AWS::AccountId'];

/**
 * Reads the mirrors from `template`, whose assets were staged in `assemblyDir`
 * (synthesized with the `aws:cdk:enable-asset-metadata` context so that each
 * function names its asset).
 */
export function readMirrorSpec(template: CfnTemplate, assemblyDir: string): MirrorSpec {
  const resources = template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  // A bucket of the template gets a stable local name; one imported by name keeps it.
  const bucketNames = new Map(ofType('AWS::S3::Bucket').map(([id, r]) => [id, typeof r.Properties?.BucketName === 'string' ? r.Properties.BucketName : localName(id)]));
  const urls = new Map(ofType('AWS::Lambda::Url').map(([id, r]) => {
    const urlId = localUrlId(id);
    return [id, { urlId, host: `${urlId}.lambda-url.${REGION}.on.aws`, functionLogicalId: referencedLogicalId(r.Properties?.TargetFunctionArn) }];
  }));
  const tables = new Map(ofType('AWS::DynamoDB::Table').map(([id, r]) => [id, typeof r.Properties?.TableName === 'string' ? r.Properties.TableName : localName(id)]));
  const functionArn = (logicalId: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${localName(logicalId)}`;
  const resolve: ReferenceResolver = (logicalId, attribute) => {
    const table = tables.get(logicalId);
    if (table !== undefined) {
      if (attribute === undefined) return table;
      if (attribute === 'Arn') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`;
      return undefined;
    }
    const bucket = bucketNames.get(logicalId);
    if (bucket !== undefined) {
      switch (attribute) {
        case undefined: return bucket;
        case 'Arn': return `arn:aws:s3:::${bucket}`;
        case 'DomainName': return `${bucket}.s3.amazonaws.com`;
        case 'RegionalDomainName': return `${bucket}.s3.${REGION}.amazonaws.com`;
        default: return undefined;
      }
    }
    const url = urls.get(logicalId);
    if (url) {
      if (attribute === 'FunctionUrl') return `https://${url.host}/`;
      if (attribute === 'FunctionArn' && url.functionLogicalId) return functionArn(url.functionLogicalId);
      return undefined;
    }
    if (resources[logicalId]?.Type === 'AWS::Lambda::Function') {
      if (attribute === undefined) return localName(logicalId);
      if (attribute === 'Arn') return functionArn(logicalId);
    }
    return undefined;
  };

  const distributions = ofType('AWS::CloudFront::Distribution');
  if (distributions.length !== 1) throw new Error(`expected exactly one AWS::CloudFront::Distribution in the template, found ${distributions.length}`);
  const [distLogicalId, dist] = distributions[0];
  const distribution = readDistribution(distLogicalId, dist.Properties, {
    resources,
    resolve,
    functionUrlOfHost: (host) => [...urls].find(([, url]) => url.host === host)?.[0],
  });

  // A mirror is a function URL that an origin group falls back to from a bucket; the first such behaviour gives its bucket.
  const mirrors = new Map<string, { bucketName: string; pathPatterns: string[] }>();
  for (const behavior of distribution.behaviors) {
    const { primary, fallback } = behavior;
    if (primary.kind !== 's3' || fallback?.kind !== 'function-url') continue;
    const mirror = mirrors.get(fallback.functionUrlLogicalId!) ?? { bucketName: primary.bucketName!, pathPatterns: [] };
    mirror.pathPatterns.push(behavior.pathPattern);
    mirrors.set(fallback.functionUrlLogicalId!, mirror);
  }
  if (mirrors.size === 0) {
    throw new Error(`${distLogicalId}: no behaviour is a mirror (an origin group of an S3 bucket, then a function URL of this template); the local stack has nothing to run`);
  }
  const mirrorSpecs = [...mirrors].map(([urlLogicalId, mirror]): SingleMirrorSpec => {
    const url = resources[urlLogicalId];
    const fnLogicalId = urls.get(urlLogicalId)!.functionLogicalId;
    const fn = fnLogicalId ? resources[fnLogicalId] : undefined;
    if (!fnLogicalId || fn?.Type !== 'AWS::Lambda::Function') {
      throw new Error(`the function URL ${urlLogicalId} must target a function of this template, got ${JSON.stringify(url.Properties?.TargetFunctionArn)}`);
    }
    const functionSpec = readFunction(fnLogicalId, fn, assemblyDir, resolve);
    if (!Object.values(functionSpec.environment).includes(mirror.bucketName)) {
      throw new Error(`the function ${fnLogicalId} is not given the bucket ${mirror.bucketName} of the S3 origin in its environment`);
    }
    return {
      bucketName: mirror.bucketName,
      function: functionSpec,
      functionUrl: {
        logicalId: urlLogicalId,
        authType: String(url.Properties?.AuthType ?? 'NONE'),
        invokeMode: url.Properties?.InvokeMode === 'RESPONSE_STREAM' ? 'RESPONSE_STREAM' : 'BUFFERED',
        urlId: urls.get(urlLogicalId)!.urlId,
        host: urls.get(urlLogicalId)!.host,
      },
      pathPatterns: mirror.pathPatterns,
    };
  });

  const logicalIdOfBucket = new Map([...bucketNames].map(([id, name]) => [name, id]));
  const bucketNamesInUse = new Set(distribution.behaviors.flatMap((b) => [b.primary, b.fallback]).filter((o) => o?.kind === 's3').map((o) => o!.bucketName!));
  const buckets = [...bucketNamesInUse].map((name): BucketSpec => {
    const logicalId = logicalIdOfBucket.get(name);
    const rules = logicalId ? resources[logicalId].Properties?.CorsConfiguration?.CorsRules : undefined;
    return { name, cors: rules === undefined ? [] : bucketCorsRules(resolveValue(rules, resolve, `${logicalId}.CorsConfiguration.CorsRules`)) };
  });
  const defaultMirror = mirrorSpecs.find((m) => m.pathPatterns.includes('*')) ?? mirrorSpecs[0];
  const tableSpecs = [...tables].map(([logicalId, tableName]): TableSpec => ({ logicalId, tableName }));
  return { ...defaultMirror, mirrors: mirrorSpecs, buckets, tables: tableSpecs, distribution };
}

/** The function as Lambda would run it. */
function readFunction(
  logicalId: string,
  fn: { Properties?: Record<string, any>; Metadata?: Record<string, any> },
  assemblyDir: string,
  resolve: ReferenceResolver,
): FunctionSpec {
  const props = fn.Properties ?? {};
  const assetPath = fn.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new Error(`the function ${logicalId} has no aws:asset:path metadata: synthesize with the context 'aws:cdk:enable-asset-metadata': true`);
  }
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries<unknown>(props.Environment?.Variables ?? {})) {
    environment[name] = resolveString(value, resolve, `${logicalId}.Environment.Variables.${name}`);
  }
  return {
    logicalId,
    functionName: localName(logicalId),
    assetDir: path.resolve(assemblyDir, assetPath),
    handler: String(props.Handler ?? 'index.handler'),
    runtime: String(props.Runtime ?? ''),
    environment,
    timeoutSeconds: Number(props.Timeout ?? 3),
    memoryMb: Number(props.MemorySize ?? 128),
    reservedConcurrency: props.ReservedConcurrentExecutions === undefined ? undefined : Number(props.ReservedConcurrentExecutions),
  };
}

/** `CorsConfiguration.CorsRules` (resolved). */
function bucketCorsRules(rules: unknown): BucketCorsRule[] {
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return (Array.isArray(rules) ? rules : []).map((rule: Record<string, unknown>) => ({
    allowedOrigins: list(rule.AllowedOrigins),
    allowedMethods: list(rule.AllowedMethods),
    allowedHeaders: list(rule.AllowedHeaders),
    exposedHeaders: list(rule.ExposedHeaders),
    maxAgeSeconds: rule.MaxAge === undefined ? undefined : Number(rule.MaxAge),
  }));
}

/** A stable, valid local bucket/function name for a logical ID. */
export function localName(logicalId: string): string {
  return `local-${logicalId.toLowerCase().replace(/[^a-z0-9-]/g, '')}`.slice(0, 63);
}

/** A stable 32-character function URL ID for a logical ID, like AWS's: readable, and unique (the hash) however long the IDs. */
function localUrlId(logicalId: string): string {
  const readable = logicalId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 24);
  return `${readable}${createHash('sha256').update(logicalId).digest('hex')}`.slice(0, 32);
}
