/**
 * The rules of the handler's configuration, shared by synth-time validation
 * (the construct) and run-time parsing (the handler, `fromEnvironment`). Each
 * returns a problem ("must …, got …") or undefined. `src/config.ts` re-exports
 * them, so both sides import one module and no rule is written twice.
 *
 * This module is bundled into the handler: it must not import aws-cdk-lib.
 */

/** Most variant parameters a distribution may name. */
export const MAX_VARIANT_QUERY_STRINGS = 10;
/** A UTF-16 surrogate without its pair: it has no UTF-8 (so no percent-encoding) at all. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `endpoint` is not an absolute http(s) URL without credentials, query or fragment. */
export function endpointProblem(endpoint: string): string | undefined {
  const expected = 'must be an absolute http(s) URL without credentials, query or fragment';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `${expected}, got "${endpoint}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${expected}, got "${endpoint}" (scheme ${url.protocol})`;
  if (url.username || url.password) return `${expected}, got a URL with credentials (pass secrets with originHeaders instead)`;
  if (url.search || endpoint.includes('?')) return `${expected}, got "${endpoint}" (query)`;
  if (url.hash || endpoint.includes('#')) return `${expected}, got "${endpoint}" (fragment)`;
  if (!url.hostname) return `${expected}, got "${endpoint}" (no host)`;
  return undefined;
}

/** Why `keyPrefix` cannot prefix stored keys (it must also work as the S3 origin's path and in the IAM policy). */
export function keyPrefixProblem(keyPrefix: string): string | undefined {
  if (keyPrefix === '') return undefined;
  // Other characters are looked up under another key through the S3 origin path ("+", "%", spaces …) or
  // widen the IAM resource ("*", "?", "${…}").
  const valid = /^([A-Za-z0-9._~-]+\/)+$/.test(keyPrefix) && !keyPrefix.split('/').some((segment) => segment === '.' || segment === '..');
  if (!valid) {
    return 'must be empty or a path like "mirror/" or "sites/old/": segments of letters, digits, ".", "_", "-" or "~" ' +
      `(not "." or ".."), each ending with "/", got ${JSON.stringify(keyPrefix)}`;
  }
  if (keyPrefix.length > 512) return `must be at most 512 bytes, got ${keyPrefix.length}`;
  return undefined;
}

const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Why `name` is not a valid HTTP header name (RFC 9110 token). */
export function headerNameProblem(name: string): string | undefined {
  return TOKEN_CHARS.test(name) ? undefined : `header name must be an HTTP token (letters, digits, "-" …), got ${JSON.stringify(name)}`;
}

/** Why `value` cannot be sent as the value of header `name`: control characters (CR, LF, NUL …) or non-ASCII. */
export function headerValueProblem(name: string, value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return `header "${name}" must not contain CR, LF or other control characters`;
  if (/[^\t\u0020-\u007e]/.test(value)) return `header "${name}" must be ASCII (encode other characters, for example as base64)`;
  return undefined;
}

/** Viewer headers that are never passed on to the origin: the viewer's credentials, and AWS's own. */
function isForbiddenForwardHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'cookie' || lower.startsWith('x-amz-');
}

// Headers of the connection or of a request body: the handler's GET has neither.
const CONNECTION_HEADERS = new Set([
  'connection', 'content-length', 'content-type', 'expect', 'keep-alive', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);
// Headers that let the origin answer with part of the object or none of it (206, 304, 412): nothing to store.
const PARTIAL_ANSWER_HEADERS = new Set(['range', 'if-range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']);

/**
 * Why header `name` cannot be on the handler's request to the origin, forwarded or static: the handler sets it
 * itself, or it would stop the origin from sending the whole object. Undefined when it can.
 */
export function originRequestHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower === 'host') return 'must not include "host": the handler always sends the endpoint\'s host';
  if (lower === 'accept-encoding') {
    return 'must not include "accept-encoding": the handler always asks the origin for identity (CloudFront compresses at the edge)';
  }
  if (CONNECTION_HEADERS.has(lower)) return `must not include "${lower}": it describes a connection or a request body, which the handler sets itself`;
  if (PARTIAL_ANSWER_HEADERS.has(lower)) {
    return `must not include "${lower}": the origin could then answer with part of the object or none of it (206, 304, 412), which cannot be stored`;
  }
  return undefined;
}

/** Why viewer header `name` cannot be forwarded to the origin. */
export function forwardHeaderProblem(name: string): string | undefined {
  const invalid = headerNameProblem(name);
  if (invalid) return invalid;
  if (isForbiddenForwardHeader(name)) {
    return `must not include "${name}": authorization, cookie and x-amz-* are never forwarded (use originHeaders for a static secret)`;
  }
  return originRequestHeaderProblem(name);
}

/** Why `name` cannot be a static origin header. */
export function originHeaderNameProblem(name: string): string | undefined {
  return headerNameProblem(name) ?? originRequestHeaderProblem(name);
}

/** Problems with a list of variant query-string parameter names. */
export function variantQueryStringsProblems(names: readonly string[]): string[] {
  const problems: string[] = [];
  if (names.length > MAX_VARIANT_QUERY_STRINGS) {
    problems.push(`must name at most ${MAX_VARIANT_QUERY_STRINGS} parameters, got ${names.length}`);
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') problems.push('must not contain an empty parameter name');
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u0020\u007f&=#%?]/.test(name)) problems.push(`parameter name must not contain spaces, control characters, "&", "=", "#", "%" or "?", got ${JSON.stringify(name)}`);
    if (LONE_SURROGATE.test(name)) problems.push(`parameter name must be valid Unicode (no lone surrogate), got ${JSON.stringify(name)}`);
    if (seen.has(name)) problems.push(`must not name "${name}" twice`);
    seen.add(name);
  }
  return problems;
}
