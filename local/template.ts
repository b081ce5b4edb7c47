/**
 * Reads what the local stack runs from a synthesized template and its cloud
 * assembly: the function behind the function URL (its staged asset, handler,
 * environment, timeout, memory), the function URL, and the distribution's
 * default behaviour (origin group, failover codes, root object, origin paths,
 * methods, forwarded headers and query strings). What is tested is what deploys.
 */
import * as path from 'node:path';
import { ForwardingRules, forwardingRules } from './cloudfront-policies';
import { LOCAL_PSEUDO_PARAMETERS, ReferenceResolver, resolveString, resolveValue } from './intrinsics';

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

/** One origin of the distribution. */
export interface OriginSpec {
  /** The origin's `Id`. */
  readonly id: string;
  /** Which local stand-in serves it. */
  readonly kind: 's3' | 'function-url';
  /** `OriginPath`: prefixed to every request path (empty, or starting with `/`). */
  readonly originPath: string;
  /** How long CloudFront waits for response bytes (`OriginReadTimeout`, default 30 s). */
  readonly readTimeoutSeconds: number;
  /** Whether CloudFront signs its requests to this origin (origin access control). */
  readonly signed: boolean;
}

/** The distribution's default behaviour and what it needs. */
export interface DistributionSpec {
  /** Logical ID of the `AWS::CloudFront::Distribution`. */
  readonly logicalId: string;
  /** `DefaultRootObject`, or undefined when unset (then `/` goes to the origin as `/`). */
  readonly defaultRootObject?: string;
  /** `AllowedMethods` of the default behaviour. */
  readonly allowedMethods: readonly string[];
  /** The primary origin (the only one, without an origin group). */
  readonly primary: OriginSpec;
  /** The fallback origin of the origin group. */
  readonly fallback?: OriginSpec;
  /** `FailoverCriteria.StatusCodes` of the origin group. */
  readonly failoverStatusCodes: readonly number[];
  /** What the default behaviour forwards to its origins. */
  readonly forwarding: ForwardingRules;
  /** `Compress` of the default behaviour (not modelled locally, shown in the banner). */
  readonly compress: boolean;
  /** The CloudFront Functions of the default behaviour, with their code. */
  readonly functionAssociations: readonly FunctionAssociationSpec[];
}

/** A CloudFront Function associated with the default behaviour. */
export interface FunctionAssociationSpec {
  /** `viewer-request` or `viewer-response`. */
  readonly eventType: string;
  /** Logical ID of the `AWS::CloudFront::Function`, when it is in this template. */
  readonly functionLogicalId?: string;
  /** Its `FunctionCode`, when it is in this template. */
  readonly code?: string;
  /** Its `FunctionConfig.Runtime` (e.g. `cloudfront-js-2.0`). */
  readonly runtime?: string;
}

/** The single-flight lease table, when the mirror has one. */
export interface LeaseTableSpec {
  /** Logical ID of the `AWS::DynamoDB::Table`. */
  readonly logicalId: string;
  /** The table name the local DynamoDB creates (and the handler's environment names). */
  readonly tableName: string;
}

/** Everything the local stack reads from the template. */
export interface MirrorSpec {
  /** The bucket name the local S3 creates (resolved from the S3 origin and the handler's environment). */
  readonly bucketName: string;
  /** The lease table (none with `singleFlight: false`). */
  readonly leaseTable?: LeaseTableSpec;
  /** The function behind the function URL. */
  readonly function: FunctionSpec;
  /** The function URL. */
  readonly functionUrl: FunctionUrlSpec;
  /** The distribution. */
  readonly distribution: DistributionSpec;
}

const REGION = LOCAL_PSEUDO_PARAMETERS['AWS::Region'];
const ACCOUNT = LOCAL_PSEUDO_PARAMETERS['AWS::AccountId'];

/**
 * Reads the mirror from `template`, whose assets were staged in `assemblyDir`
 * (synthesized with the `aws:cdk:enable-asset-metadata` context so the
 * function names its asset).
 */
export function readMirrorSpec(template: CfnTemplate, assemblyDir: string): MirrorSpec {
  const resources = template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const single = (type: string) => {
    const found = ofType(type);
    if (found.length !== 1) throw new Error(`expected exactly one ${type} in the template, found ${found.length}`);
    return found[0];
  };

  const [urlLogicalId, url] = single('AWS::Lambda::Url');
  const fnLogicalId = referencedLogicalId(url.Properties?.TargetFunctionArn);
  const fn = fnLogicalId ? resources[fnLogicalId] : undefined;
  if (!fnLogicalId || fn?.Type !== 'AWS::Lambda::Function') {
    throw new Error(`the function URL ${urlLogicalId} must target a function of this template, got ${JSON.stringify(url.Properties?.TargetFunctionArn)}`);
  }
  const urlId = localUrlId(urlLogicalId);
  const urlHost = `${urlId}.lambda-url.${REGION}.on.aws`;
  const functionName = localName(fnLogicalId);

  // A bucket of the template gets a stable local name; one imported by name keeps it.
  const bucketNames = new Map(ofType('AWS::S3::Bucket').map(([id, r]) => [id, typeof r.Properties?.BucketName === 'string' ? r.Properties.BucketName : localName(id)]));
  const tables = ofType('AWS::DynamoDB::Table');
  if (tables.length > 1) throw new Error(`expected at most one AWS::DynamoDB::Table (the lease table) in the template, found ${tables.length}`);
  const leaseTable = tables.length === 1
    ? { logicalId: tables[0][0], tableName: String(tables[0][1].Properties?.TableName ?? localName(tables[0][0])) }
    : undefined;
  const resolve: ReferenceResolver = (logicalId, attribute) => {
    if (logicalId === leaseTable?.logicalId) {
      if (attribute === undefined) return leaseTable.tableName;
      if (attribute === 'Arn') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${leaseTable.tableName}`;
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
    if (logicalId === urlLogicalId) {
      if (attribute === 'FunctionUrl') return `https://${urlHost}/`;
      if (attribute === 'FunctionArn') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`;
      return undefined;
    }
    if (logicalId === fnLogicalId) {
      if (attribute === undefined) return functionName;
      if (attribute === 'Arn') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`;
      return undefined;
    }
    return undefined;
  };

  const props = fn.Properties ?? {};
  const assetPath = fn.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new Error(`the function ${fnLogicalId} has no aws:asset:path metadata: synthesize with the context 'aws:cdk:enable-asset-metadata': true`);
  }
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries<unknown>(props.Environment?.Variables ?? {})) {
    environment[name] = resolveString(value, resolve, `${fnLogicalId}.Environment.Variables.${name}`);
  }
  const functionSpec: FunctionSpec = {
    logicalId: fnLogicalId,
    functionName,
    assetDir: path.resolve(assemblyDir, assetPath),
    handler: String(props.Handler ?? 'index.handler'),
    runtime: String(props.Runtime ?? ''),
    environment,
    timeoutSeconds: Number(props.Timeout ?? 3),
    memoryMb: Number(props.MemorySize ?? 128),
    reservedConcurrency: props.ReservedConcurrentExecutions === undefined ? undefined : Number(props.ReservedConcurrentExecutions),
  };
  const functionUrl: FunctionUrlSpec = {
    logicalId: urlLogicalId,
    authType: String(url.Properties?.AuthType ?? 'NONE'),
    invokeMode: url.Properties?.InvokeMode === 'RESPONSE_STREAM' ? 'RESPONSE_STREAM' : 'BUFFERED',
    urlId,
    host: urlHost,
  };

  const [distLogicalId, dist] = single('AWS::CloudFront::Distribution');
  const config = dist.Properties?.DistributionConfig ?? {};
  const behavior = config.DefaultCacheBehavior ?? {};
  const where = `${distLogicalId}.DistributionConfig`;
  const origins = new Map<string, Record<string, any>>((config.Origins ?? []).map((o: Record<string, any>) => [String(o.Id), o]));
  const group = (config.OriginGroups?.Items ?? []).find((g: Record<string, any>) => g.Id === behavior.TargetOriginId);
  const memberIds: string[] = group ? group.Members.Items.map((m: Record<string, any>) => String(m.OriginId)) : [String(behavior.TargetOriginId)];

  let bucketName: string | undefined;
  const originSpec = (id: string): OriginSpec => {
    const origin = origins.get(id);
    if (!origin) throw new Error(`${where}: the default behaviour targets the unknown origin ${id}`);
    const domain = resolveString(origin.DomainName, resolve, `${where}.Origins[${id}].DomainName`);
    const originPath = origin.OriginPath === undefined ? '' : resolveString(origin.OriginPath, resolve, `${where}.Origins[${id}].OriginPath`);
    const readTimeoutSeconds = Number(origin.CustomOriginConfig?.OriginReadTimeout ?? 30);
    const signed = origin.OriginAccessControlId !== undefined;
    const s3 = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(domain);
    if (s3 && origin.S3OriginConfig !== undefined) {
      if (bucketName !== undefined && bucketName !== s3[1]) throw new Error(`${where}: two buckets (${bucketName}, ${s3[1]}) are not supported locally`);
      bucketName = s3[1];
      return { id, kind: 's3', originPath, readTimeoutSeconds, signed };
    }
    if (domain === urlHost) return { id, kind: 'function-url', originPath, readTimeoutSeconds, signed };
    throw new Error(`${where}: origin ${id} (${domain}) is neither the bucket nor the function URL; the local stack cannot serve it`);
  };
  const [primary, fallback] = memberIds.map(originSpec);

  const lookup = (reference: unknown) => {
    const id = referencedLogicalId(reference);
    if (id) return resources[id]?.Properties;
    return typeof reference === 'string' ? reference : undefined;
  };
  const distribution: DistributionSpec = {
    logicalId: distLogicalId,
    defaultRootObject: typeof config.DefaultRootObject === 'string' && config.DefaultRootObject !== '' ? config.DefaultRootObject : undefined,
    allowedMethods: (resolveValue(behavior.AllowedMethods ?? ['GET', 'HEAD'], resolve, `${where}.DefaultCacheBehavior.AllowedMethods`) as string[]),
    primary,
    fallback,
    failoverStatusCodes: (group?.FailoverCriteria?.StatusCodes?.Items ?? []).map(Number),
    forwarding: forwardingRules(behavior, lookup),
    compress: behavior.Compress === true,
    functionAssociations: (behavior.FunctionAssociations ?? []).map((a: Record<string, any>): FunctionAssociationSpec => {
      const functionLogicalId = referencedLogicalId(a.FunctionARN);
      const fnProps = functionLogicalId ? resources[functionLogicalId]?.Properties : undefined;
      return {
        eventType: String(a.EventType),
        functionLogicalId,
        code: typeof fnProps?.FunctionCode === 'string' ? fnProps.FunctionCode : undefined,
        runtime: fnProps?.FunctionConfig?.Runtime,
      };
    }),
  };

  const envBucket = Object.values(environment).find((value) => value === bucketName);
  if (bucketName === undefined) throw new Error(`${where}: no S3 origin in the default behaviour`);
  if (envBucket === undefined) throw new Error(`the function ${fnLogicalId} is not given the bucket ${bucketName} of the S3 origin in its environment`);
  return { bucketName, leaseTable, function: functionSpec, functionUrl, distribution };
}

/** The logical ID behind `{Ref: X}` or `{Fn::GetAtt: [X, …]}`, if `value` is one. */
function referencedLogicalId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** A stable, valid local bucket/function name for a logical ID. */
function localName(logicalId: string): string {
  return `local-${logicalId.toLowerCase().replace(/[^a-z0-9-]/g, '')}`.slice(0, 63);
}

/** A stable 32-character function URL ID for a logical ID, like AWS's. */
function localUrlId(logicalId: string): string {
  return `${logicalId.toLowerCase().replace(/[^a-z0-9]/g, '')}${'0'.repeat(32)}`.slice(0, 32);
}
