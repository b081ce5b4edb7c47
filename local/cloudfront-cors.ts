/**
 * The CORS part of a behaviour's response headers policy, as CloudFront
 * applies it to an answer from an origin. A request whose `Origin` the policy
 * allows gets `Access-Control-Allow-Origin` (`*` when the policy allows any
 * origin, else that origin), `Access-Control-Allow-Credentials` when allowed and
 * `Access-Control-Expose-Headers` when set; a preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) also gets the allowed methods and headers and
 * the max age. A request without an allowed Origin gets nothing added. With
 * `originOverride` the policy's headers replace the origin's; without, a header
 * the origin sent is kept. CloudFront does not answer a preflight itself: the
 * origin does (S3 from the bucket's CORS rules), and these headers go on its answer.
 * Not modelled: `Vary`, and the policy's other sections (refused when the template is read).
 */
import type * as http from 'node:http';

/** `ResponseHeadersPolicyConfig.CorsConfig` of a response headers policy. */
export interface CorsPolicySpec {
  /** `*`, origins such as `https://app.example`, or origins with a `*` wildcard. */
  readonly allowOrigins: readonly string[];
  /** Methods, or `ALL`. */
  readonly allowMethods: readonly string[];
  /** Header names, or `*`. */
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAgeSeconds?: number;
  /** The policy's headers replace those the origin sent. */
  readonly originOverride: boolean;
}

/** What `ALL` stands for in `AccessControlAllowMethods`. */
const ALL_METHODS = ['GET', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** Reads `CorsConfig` (every value already resolved). */
export function corsPolicySpec(config: Record<string, any>): CorsPolicySpec {
  const items = (list: unknown): string[] => {
    const values = (list as { Items?: unknown[] } | undefined)?.Items;
    return Array.isArray(values) ? values.map(String) : [];
  };
  return {
    allowOrigins: items(config.AccessControlAllowOrigins),
    allowMethods: items(config.AccessControlAllowMethods),
    allowHeaders: items(config.AccessControlAllowHeaders),
    exposeHeaders: items(config.AccessControlExposeHeaders),
    allowCredentials: config.AccessControlAllowCredentials === true || config.AccessControlAllowCredentials === 'true',
    maxAgeSeconds: config.AccessControlMaxAgeSec === undefined ? undefined : Number(config.AccessControlMaxAgeSec),
    originOverride: config.OriginOverride === true || config.OriginOverride === 'true',
  };
}

/** The viewer request, as far as CORS goes. */
export interface CorsRequest {
  readonly method: string;
  /** The viewer's headers by lower-case name. */
  readonly headers: ReadonlyMap<string, string>;
}

/** `headers` (an origin's answer) with the policy's CORS headers for `request` applied. */
export function withCorsHeaders(
  policy: CorsPolicySpec | undefined, request: CorsRequest, headers: http.OutgoingHttpHeaders,
): http.OutgoingHttpHeaders {
  const origin = request.headers.get('origin');
  if (!policy || origin === undefined || !allowsOrigin(policy, origin)) return headers;
  const added: Record<string, string> = {
    'access-control-allow-origin': policy.allowOrigins.includes('*') ? '*' : origin,
  };
  if (policy.allowCredentials) added['access-control-allow-credentials'] = 'true';
  if (policy.exposeHeaders.length > 0) added['access-control-expose-headers'] = policy.exposeHeaders.join(', ');
  if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
    const methods = policy.allowMethods.includes('ALL') ? ALL_METHODS : policy.allowMethods;
    if (methods.length > 0) added['access-control-allow-methods'] = methods.join(', ');
    if (policy.allowHeaders.length > 0) added['access-control-allow-headers'] = policy.allowHeaders.join(', ');
    if (policy.maxAgeSeconds !== undefined) added['access-control-max-age'] = String(policy.maxAgeSeconds);
  }
  const out = { ...headers };
  for (const [name, value] of Object.entries(added)) {
    if (policy.originOverride || out[name] === undefined) out[name] = value;
  }
  return out;
}

/** Whether the policy allows `origin`: `*`, the same origin, or a pattern whose `*` stands for any run of characters. */
function allowsOrigin(policy: CorsPolicySpec, origin: string): boolean {
  return policy.allowOrigins.some((allowed) => {
    if (allowed === '*' || allowed === origin) return true;
    if (!allowed.includes('*')) return false;
    const body = allowed.split('*').map((part) => part.replace(/[\\^$.|?+()[\]{}/]/g, '\\$&')).join('.*');
    return new RegExp(`^${body}$`, 's').test(origin);
  });
}
