/**
 * What a CloudFront cache behaviour passes on to its origins: the viewer
 * headers, query strings and cookies named by its cache policy and origin
 * request policy (both apply, as on CloudFront), read from the template.
 */

/** Which names of a list (headers, query strings, cookies) are passed on. */
export type NameRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'all' }
  | { readonly kind: 'only'; readonly names: ReadonlySet<string> }
  | { readonly kind: 'allExcept'; readonly names: ReadonlySet<string> };

/** Everything a behaviour forwards to its origins. */
export interface ForwardingRules {
  /** Viewer headers (lower-case names). */
  readonly headers: NameRule;
  /** Query-string parameters (case-sensitive names). */
  readonly queryStrings: NameRule;
  /** Cookies (case-sensitive names). */
  readonly cookies: NameRule;
  /** The cache policy normalises `accept-encoding` to these encodings and forwards it. */
  readonly acceptEncoding: { readonly gzip: boolean; readonly brotli: boolean };
}

/** Whether `name` passes `rule`. */
export function allows(rule: NameRule, name: string): boolean {
  switch (rule.kind) {
    case 'none': return false;
    case 'all': return true;
    case 'only': return rule.names.has(name);
    case 'allExcept': return !rule.names.has(name);
  }
}

/** What passes either rule (a cache policy's and an origin request policy's lists both reach the origin). */
export function union(a: NameRule, b: NameRule): NameRule {
  if (a.kind === 'all' || b.kind === 'all') return { kind: 'all' };
  if (a.kind === 'none') return b;
  if (b.kind === 'none') return a;
  if (a.kind === 'only' && b.kind === 'only') return { kind: 'only', names: new Set([...a.names, ...b.names]) };
  if (a.kind === 'allExcept' && b.kind === 'allExcept') return { kind: 'allExcept', names: new Set([...a.names].filter((n) => b.names.has(n))) };
  const except = a.kind === 'allExcept' ? a : (b as Extract<NameRule, { kind: 'allExcept' }>);
  const only = a.kind === 'only' ? a : (b as Extract<NameRule, { kind: 'only' }>);
  return { kind: 'allExcept', names: new Set([...except.names].filter((n) => !only.names.has(n))) };
}

type PolicyParts = Partial<Pick<ForwardingRules, 'headers' | 'queryStrings' | 'cookies' | 'acceptEncoding'>>;

const NONE: NameRule = { kind: 'none' };
const ALL: NameRule = { kind: 'all' };
const only = (...names: string[]): NameRule => ({ kind: 'only', names: new Set(names) });

/** The AWS managed cache policies the local stack models (by ID). */
const MANAGED_CACHE_POLICIES: Record<string, PolicyParts & { name: string }> = {
  '658327ea-f89d-4fab-a63d-7e88639e58f6': { name: 'CachingOptimized', headers: NONE, queryStrings: NONE, cookies: NONE, acceptEncoding: { gzip: true, brotli: true } },
  'b2884449-e4de-46a7-ac36-70bc7f1ddd6d': { name: 'CachingOptimizedForUncompressedObjects', headers: NONE, queryStrings: NONE, cookies: NONE },
  '4135ea2d-6df8-44a3-9df3-4b5a84be39ad': { name: 'CachingDisabled', headers: NONE, queryStrings: NONE, cookies: NONE },
};

/** The AWS managed origin request policies the local stack models (by ID). */
const MANAGED_ORIGIN_REQUEST_POLICIES: Record<string, PolicyParts & { name: string }> = {
  '216adef6-5c7f-47e4-b989-5492eafa07d3': { name: 'AllViewer', headers: ALL, queryStrings: ALL, cookies: ALL },
  'b689b0a8-53d0-40ab-baf2-68738e2966ac': { name: 'AllViewerExceptHostHeader', headers: { kind: 'allExcept', names: new Set(['host']) }, queryStrings: ALL, cookies: ALL },
  '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf': { name: 'CORS-S3Origin', headers: only('origin', 'access-control-request-headers', 'access-control-request-method') },
  '59781a5b-3903-41f3-afcb-af62929ccde1': { name: 'CORS-CustomOrigin', headers: only('origin') },
  'acba4595-bd28-49b8-b9fe-13317c0390fa': { name: 'UserAgentRefererHeaders', headers: only('user-agent', 'referer') },
};

/** The template's view of a policy: a `{Ref}` to a policy resource, or a managed policy ID. */
export type PolicyLookup = (reference: unknown) => Record<string, any> | string | undefined;

/**
 * The forwarding rules of a cache behaviour (`DefaultCacheBehavior` or an item
 * of `CacheBehaviors`). `lookup` returns the policy resource's properties for a
 * `{Ref}`, or the ID string for a managed policy.
 */
export function forwardingRules(behavior: Record<string, any>, lookup: PolicyLookup): ForwardingRules {
  const parts: PolicyParts[] = [];
  if (behavior.CachePolicyId !== undefined) parts.push(cachePolicyParts(lookup(behavior.CachePolicyId)));
  else if (behavior.ForwardedValues !== undefined) parts.push(legacyParts(behavior.ForwardedValues));
  if (behavior.OriginRequestPolicyId !== undefined) parts.push(originRequestPolicyParts(lookup(behavior.OriginRequestPolicyId)));
  return {
    headers: parts.reduce<NameRule>((rule, part) => union(rule, part.headers ?? NONE), NONE),
    queryStrings: parts.reduce<NameRule>((rule, part) => union(rule, part.queryStrings ?? NONE), NONE),
    cookies: parts.reduce<NameRule>((rule, part) => union(rule, part.cookies ?? NONE), NONE),
    acceptEncoding: {
      gzip: parts.some((part) => part.acceptEncoding?.gzip),
      brotli: parts.some((part) => part.acceptEncoding?.brotli),
    },
  };
}

function cachePolicyParts(policy: Record<string, any> | string | undefined): PolicyParts {
  if (typeof policy === 'string') return managed(MANAGED_CACHE_POLICIES, policy, 'cache');
  const config = policy?.CachePolicyConfig?.ParametersInCacheKeyAndForwardedToOrigin;
  if (!config) throw new Error(`cache policy without ParametersInCacheKeyAndForwardedToOrigin: ${JSON.stringify(policy)}`);
  return {
    headers: nameRule(config.HeadersConfig?.HeaderBehavior, config.HeadersConfig?.Headers, true),
    queryStrings: nameRule(config.QueryStringsConfig?.QueryStringBehavior, config.QueryStringsConfig?.QueryStrings, false),
    cookies: nameRule(config.CookiesConfig?.CookieBehavior, config.CookiesConfig?.Cookies, false),
    acceptEncoding: { gzip: config.EnableAcceptEncodingGzip === true, brotli: config.EnableAcceptEncodingBrotli === true },
  };
}

function originRequestPolicyParts(policy: Record<string, any> | string | undefined): PolicyParts {
  if (typeof policy === 'string') return managed(MANAGED_ORIGIN_REQUEST_POLICIES, policy, 'origin request');
  const config = policy?.OriginRequestPolicyConfig;
  if (!config) throw new Error(`origin request policy without OriginRequestPolicyConfig: ${JSON.stringify(policy)}`);
  return {
    headers: nameRule(config.HeadersConfig?.HeaderBehavior, config.HeadersConfig?.Headers, true),
    queryStrings: nameRule(config.QueryStringsConfig?.QueryStringBehavior, config.QueryStringsConfig?.QueryStrings, false),
    cookies: nameRule(config.CookiesConfig?.CookieBehavior, config.CookiesConfig?.Cookies, false),
  };
}

function legacyParts(forwarded: Record<string, any>): PolicyParts {
  const headers: string[] = forwarded.Headers ?? [];
  const cookies = forwarded.Cookies ?? { Forward: 'none' };
  return {
    headers: headers.includes('*') ? ALL : only(...headers.map((h) => h.toLowerCase())),
    queryStrings: forwarded.QueryString ? ALL : NONE,
    cookies: nameRule(cookies.Forward === 'whitelist' ? 'whitelist' : cookies.Forward, cookies.WhitelistedNames, false),
  };
}

function managed(table: Record<string, PolicyParts & { name: string }>, id: string, kind: string): PolicyParts {
  const policy = table[id];
  if (!policy) {
    const known = Object.values(table).map((p) => p.name).join(', ');
    throw new Error(`the managed ${kind} policy ${id} is not modelled by the local stack (known: ${known})`);
  }
  return policy;
}

function nameRule(behavior: string | undefined, names: string[] | undefined, lowerCase: boolean): NameRule {
  const list = new Set((names ?? []).map((n) => (lowerCase ? n.toLowerCase() : n)));
  switch (behavior) {
    case undefined:
    case 'none':
      return NONE;
    case 'whitelist':
      return { kind: 'only', names: list };
    // CloudFront-* headers are never sent by viewers; the allow-listed ones are not synthesised locally.
    case 'allViewerAndWhitelistCloudFront':
    case 'allViewer':
    case 'all':
      return ALL;
    case 'allExcept':
      return { kind: 'allExcept', names: list };
    default:
      throw new Error(`unknown policy behaviour "${behavior}"`);
  }
}
