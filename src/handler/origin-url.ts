/**
 * Where an object is fetched from: the endpoint plus the key's segments,
 * re-encoded, and proof that the result still points at the endpoint's scheme,
 * host and port (no path, however hostile, steers the function elsewhere). Pure.
 */

/** An origin URL, or why none could be built. */
export type OriginUrlResult =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly reason: string };

/**
 * Percent-encodes one path segment so it can only be read back as that one
 * segment: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is escaped, so `/`,
 * `\`, `?`, `#`, `%`, `@` and `:` never act as URL syntax.
 */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment);
}

/**
 * The URL of `originPath` (the key's path re-encoded by `keyFromRawPath`,
 * without `keyPrefix`) at `endpoint`: the endpoint's path without its trailing
 * `/`, then `/` and `originPath`. `query`, if given, must already be encoded;
 * none is sent by default.
 */
export function originUrl(endpoint: string | URL, originPath: string, query?: string): OriginUrlResult {
  const base = new URL(endpoint);
  const basePath = base.pathname.replace(/\/+$/, '');
  const encodedPath = `${basePath}/${originPath}`;
  const search = query ? `?${query}` : '';
  let url: URL;
  try {
    url = new URL(`${base.protocol}//${base.host}${encodedPath}${search}`);
  } catch {
    return { ok: false, reason: 'the origin URL does not parse' };
  }
  if (!isSameOrigin(url, base)) return { ok: false, reason: `the origin URL leaves ${base.origin}` };
  // Any normalisation by the parser (dot segments, backslashes) means the URL is not the one built.
  if (url.pathname !== encodedPath || url.search !== search || url.username || url.password || url.hash) {
    return { ok: false, reason: 'the origin URL would not be fetched as built' };
  }
  return { ok: true, url };
}

/** Whether `url` has the scheme, host and port of `endpoint` (default ports compare equal). */
export function isSameOrigin(url: URL, endpoint: URL): boolean {
  return url.protocol === endpoint.protocol && url.hostname === endpoint.hostname && url.port === endpoint.port;
}
