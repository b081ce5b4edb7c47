/**
 * Reads the distribution of a synthesized template for the local CloudFront:
 * every cache behaviour in the order CloudFront tries them (`CacheBehaviors` as
 * listed, the default behaviour last), each with its origin group (or origin),
 * what its policies forward, its CloudFront Functions and its CORS. An origin
 * is the bucket of an S3 origin, a function URL of the template, or another
 * host the local stack does not run (its behaviour is answered 502).
 */
import { corsPolicySpec, CorsPolicySpec } from './cloudfront-cors';
import { ForwardingRules, forwardingRules, PolicyLookup } from './cloudfront-policies';
import { ReferenceResolver, resolveString, resolveValue } from './intrinsics';

/** One origin of the distribution. */
export interface OriginSpec {
  /** The origin's `Id`. */
  readonly id: string;
  /** Which local stand-in serves it: S3, a function URL, or none (`other`). */
  readonly kind: 's3' | 'function-url' | 'other';
  /** `DomainName`, resolved (or as written, when it cannot be). */
  readonly domainName: string;
  /** `OriginPath`: prefixed to every request path (empty, or starting with `/`). */
  readonly originPath: string;
  /** How long CloudFront waits for response bytes (`OriginReadTimeout`, default 30 s). */
  readonly readTimeoutSeconds: number;
  /** Whether CloudFront signs its requests to this origin (origin access control). */
  readonly signed: boolean;
  /** The bucket of an S3 origin. */
  readonly bucketName?: string;
  /** The logical ID of the `AWS::Lambda::Url` of a function URL origin. */
  readonly functionUrlLogicalId?: string;
}

/** A CloudFront Function associated with a behaviour. */
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

/** One cache behaviour and what it needs. */
export interface BehaviorSpec {
  /** `PathPattern` as written (`*` for the default behaviour). */
  readonly pathPattern: string;
  /** `AllowedMethods`. */
  readonly allowedMethods: readonly string[];
  /** The primary origin (the only one, without an origin group). */
  readonly primary: OriginSpec;
  /** The fallback origin of the origin group. */
  readonly fallback?: OriginSpec;
  /** `FailoverCriteria.StatusCodes` of the origin group. */
  readonly failoverStatusCodes: readonly number[];
  /** What the behaviour forwards to its origins (nothing is read for a behaviour the local stack does not serve). */
  readonly forwarding: ForwardingRules;
  /** `Compress` (not modelled locally, shown in the banner). */
  readonly compress: boolean;
  /** The CloudFront Functions of the behaviour, with their code. */
  readonly functionAssociations: readonly FunctionAssociationSpec[];
  /** The CORS settings of its response headers policy, if it has them. */
  readonly cors?: CorsPolicySpec;
}

/** The distribution, as the local CloudFront runs it. */
export interface DistributionSpec {
  /** Logical ID of the `AWS::CloudFront::Distribution`. */
  readonly logicalId: string;
  /** `DefaultRootObject`, or undefined when unset (then `/` goes to the origin as `/`). */
  readonly defaultRootObject?: string;
  /** The behaviours in the order CloudFront tries them: `CacheBehaviors` as listed, then the default behaviour (`*`). */
  readonly behaviors: readonly BehaviorSpec[];
}

/** How origins and policies are found in the template. */
export interface DistributionContext {
  readonly resources: Readonly<Record<string, { Type: string; Properties?: Record<string, any> }>>;
  readonly resolve: ReferenceResolver;
  /** The logical ID of the function URL whose host name is `host`, if one of the template has it. */
  readonly functionUrlOfHost: (host: string) => string | undefined;
}

const NOTHING: ForwardingRules = {
  headers: { kind: 'none' }, queryStrings: { kind: 'none' }, cookies: { kind: 'none' }, acceptEncoding: { gzip: false, brotli: false },
};

/** Reads the distribution `logicalId` (its `Properties`). */
export function readDistribution(logicalId: string, properties: Record<string, any> | undefined, context: DistributionContext): DistributionSpec {
  const config = properties?.DistributionConfig ?? {};
  const where = `${logicalId}.DistributionConfig`;
  const origins = new Map<string, Record<string, any>>((config.Origins ?? []).map((o: Record<string, any>) => [String(o.Id), o]));
  const groups = new Map<string, Record<string, any>>((config.OriginGroups?.Items ?? []).map((g: Record<string, any>) => [String(g.Id), g]));

  const originSpec = (id: string, behaviorWhere: string): OriginSpec => {
    const origin = origins.get(id);
    if (!origin) throw new Error(`${behaviorWhere} targets the unknown origin ${id}`);
    const base = {
      id,
      originPath: origin.OriginPath === undefined ? '' : resolveString(origin.OriginPath, context.resolve, `${where}.Origins[${id}].OriginPath`),
      readTimeoutSeconds: Number(origin.CustomOriginConfig?.OriginReadTimeout ?? 30),
      signed: origin.OriginAccessControlId !== undefined,
    };
    let domainName: string;
    try {
      domainName = resolveString(origin.DomainName, context.resolve, `${where}.Origins[${id}].DomainName`);
    } catch {
      // A host from elsewhere (an import, a parameter): not one the local stack runs.
      return { ...base, kind: 'other', domainName: JSON.stringify(origin.DomainName) };
    }
    const s3 = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(domainName);
    if (s3 && origin.S3OriginConfig !== undefined) return { ...base, kind: 's3', domainName, bucketName: s3[1] };
    const functionUrlLogicalId = context.functionUrlOfHost(domainName);
    if (functionUrlLogicalId) return { ...base, kind: 'function-url', domainName, functionUrlLogicalId };
    return { ...base, kind: 'other', domainName };
  };

  const lookup: PolicyLookup = (reference) => {
    const id = referencedLogicalId(reference);
    if (id) return context.resources[id]?.Properties;
    return typeof reference === 'string' ? reference : undefined;
  };

  const behavior = (raw: Record<string, any>, pathPattern: string, behaviorWhere: string): BehaviorSpec => {
    const group = groups.get(String(raw.TargetOriginId));
    const memberIds: string[] = group ? group.Members.Items.map((m: Record<string, any>) => String(m.OriginId)) : [String(raw.TargetOriginId)];
    const [primary, fallback] = memberIds.map((id) => originSpec(id, behaviorWhere));
    const common = {
      pathPattern,
      allowedMethods: resolveValue(raw.AllowedMethods ?? ['GET', 'HEAD'], context.resolve, `${behaviorWhere}.AllowedMethods`) as string[],
      primary,
      fallback,
      failoverStatusCodes: (group?.FailoverCriteria?.StatusCodes?.Items ?? []).map(Number),
      compress: raw.Compress === true,
    };
    // Answered 502 locally: what it would forward, run or add is never used, and need not be modelled.
    if (primary.kind === 'other') return { ...common, forwarding: NOTHING, functionAssociations: [] };
    return {
      ...common,
      forwarding: forwardingRules(raw, lookup),
      functionAssociations: (raw.FunctionAssociations ?? []).map((a: Record<string, any>) => functionAssociation(a, context)),
      cors: responseHeadersCors(raw.ResponseHeadersPolicyId, lookup, context.resolve, behaviorWhere),
    };
  };

  const behaviors = (config.CacheBehaviors ?? []).map((raw: Record<string, any>, i: number) => {
    const pathPattern = resolveString(raw.PathPattern, context.resolve, `${where}.CacheBehaviors[${i}].PathPattern`);
    return behavior(raw, pathPattern, `${where}.CacheBehaviors[${i}] (${pathPattern})`);
  });
  behaviors.push(behavior(config.DefaultCacheBehavior ?? {}, '*', `${where}.DefaultCacheBehavior`));
  return {
    logicalId,
    defaultRootObject: typeof config.DefaultRootObject === 'string' && config.DefaultRootObject !== '' ? config.DefaultRootObject : undefined,
    behaviors,
  };
}

function functionAssociation(association: Record<string, any>, context: DistributionContext): FunctionAssociationSpec {
  const functionLogicalId = referencedLogicalId(association.FunctionARN);
  const fnProps = functionLogicalId ? context.resources[functionLogicalId]?.Properties : undefined;
  return {
    eventType: String(association.EventType),
    functionLogicalId,
    code: typeof fnProps?.FunctionCode === 'string' ? fnProps.FunctionCode : undefined,
    runtime: fnProps?.FunctionConfig?.Runtime,
  };
}

/** The CORS of a behaviour's response headers policy; a policy the local CloudFront would apply only in part is refused. */
function responseHeadersCors(reference: unknown, lookup: PolicyLookup, resolve: ReferenceResolver, where: string): CorsPolicySpec | undefined {
  if (reference === undefined) return undefined;
  const policy = lookup(reference);
  if (typeof policy === 'string' || policy === undefined) {
    throw new Error(`${where}: the response headers policy ${JSON.stringify(reference)} is not in the template; ` +
      'the local CloudFront models the CORS of a policy the template defines, not a managed one');
  }
  const config = policy.ResponseHeadersPolicyConfig ?? {};
  const unmodelled = Object.keys(config).filter((section) => !['Name', 'Comment', 'CorsConfig'].includes(section));
  if (unmodelled.length > 0) {
    // Serving without them would answer differently from the deployed distribution, silently.
    throw new Error(`${where}: the response headers policy has ${unmodelled.join(', ')}, which the local CloudFront does not model (only CorsConfig)`);
  }
  if (config.CorsConfig === undefined) return undefined;
  return corsPolicySpec(resolveValue(config.CorsConfig, resolve, `${where}.ResponseHeadersPolicy.CorsConfig`) as Record<string, any>);
}

/** The logical ID behind `{Ref: X}` or `{Fn::GetAtt: [X, …]}`, if `value` is one. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}
