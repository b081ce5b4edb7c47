/**
 * The rules of query-string variants, written once and used on both sides: the CloudFront Function
 * (bundled from `viewer-request.ts`) folds the listed parameters into the request URI, and the handler
 * reads them back from the key S3 looked up.
 *
 * - The separator between an object's key and its variant is `?` (`%3F` in a URI). While variants are on,
 *   the function refuses any request path that holds it, so every key with a `?` is a variant key.
 * - Listed names match case-sensitively (like OSS and most origins); unlisted parameters are dropped.
 * - Names and values are decoded once as a query string is (`+` is a space, then `%XX` as UTF-8), then
 *   re-encoded with one strict encoder, so every spelling of the same value gives the same key. The encoder
 *   leaves `A-Z a-z 0-9 - . _ ~ ! * ( ) $ , / : @` (and `=` in values) as they are: the query stays readable, and
 *   a URL parser takes it as built.
 * - A listed parameter given twice is refused (no guess at which value the origin would use).
 * - The canonical query is `name=value` pairs sorted by encoded name, joined with `&`; an empty value is `name=`.
 * - The variant key is `<plain key>?<canonical query>`; its URI is the plain URI + `%3F` + the canonical
 *   query percent-encoded once more (S3 decodes a URI path exactly once). As a path's, its `/`-separated
 *   segments may not be `.` or `..` (so a value such as `a/../b` is refused).
 *
 * Pure and dependency-free: it runs in CloudFront Functions' JavaScript runtime 2.0 (ES 5.1 plus let, const,
 * arrow functions and template literals), so no for-of, destructuring, spread, classes, Map or Set here.
 */

/** Between an object's key and its variant's canonical query. */
export const VARIANT_SEPARATOR = '?';

/** A listed parameter and its value, percent-encoded as the viewer sent them. */
export interface QueryPair {
  /** The parameter name, still encoded. */
  readonly name: string;
  /** The value, still encoded (empty for a parameter without `=`). */
  readonly value: string;
}

/** A canonical query ('' when no listed parameter was given), or why the parameters cannot make one. */
export type CanonicalQuery =
  | { readonly ok: true; readonly query: string }
  | { readonly ok: false; readonly reason: string };

// `?` is never in a URI path as sent, and only `%3F`/`%3f` decode to it.
const SEPARATOR_IN_URI = /\?|%3f/i;
// What the strict encoder leaves readable beyond encodeURIComponent's set: `$ , / : @` (and `=` inside values).
const NAME_KEPT = /%(24|2C|2F|3A|40)/g;
const VALUE_KEPT = /%(24|2C|2F|3A|3D|40)/g;
// A URL parser percent-encodes `'` in the query of an http(s) URL, so the canonical form does it first.
const APOSTROPHE = /'/g;
// encodeURIComponent leaves these sub-delimiters as they are; a URI path segment gets them encoded too.
const URI_SUB_DELIMS = /[!'()*]/g;

/** Whether a request URI already holds the separator (in any encoding), so it could collide with a variant. */
export function uriHoldsSeparator(uri: string): boolean {
  return SEPARATOR_IN_URI.test(uri);
}

/**
 * The canonical query of the listed parameters among `pairs`: each decoded once, re-encoded strictly, sorted
 * by encoded name. Unlisted parameters (and names that do not decode) are ignored.
 */
export function canonicalQuery(pairs: readonly QueryPair[], listed: readonly string[]): CanonicalQuery {
  const names: string[] = [];
  const parts: { name: string; text: string }[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const name = decodeQueryComponent(pairs[i].name);
    if (name === undefined || listed.indexOf(name) < 0) continue;
    if (names.indexOf(name) >= 0) return { ok: false, reason: `the query parameter "${name}" must be given at most once` };
    names.push(name);
    const value = decodeQueryComponent(pairs[i].value);
    if (value === undefined) return { ok: false, reason: `the value of "${name}" is not valid percent-encoded UTF-8` };
    const encodedName = encodeQueryName(name);
    parts.push({ name: encodedName, text: `${encodedName}=${encodeQueryValue(value)}` });
  }
  parts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const query = parts.map((part) => part.text).join('&');
  // `/` stays readable in the key, so the query must not make a "." or ".." segment of it (as a path may not).
  const segments = query.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (segments[i] === '.' || segments[i] === '..') return { ok: false, reason: 'the variant would put a "." or ".." segment in the key' };
  }
  return { ok: true, query: query };
}

/** The URI S3 decodes to `<key of uri>?<query>`; `uri` itself when `query` is empty. */
export function variantUri(uri: string, query: string): string {
  return query === '' ? uri : uri + encodeUriComponentStrictly(VARIANT_SEPARATOR + query);
}

/** `query` itself when it is exactly the canonical query the function writes for some listed parameters, or why not. */
export function checkVariantQuery(query: string, listed: readonly string[]): CanonicalQuery {
  const pairs: QueryPair[] = [];
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq < 1) return { ok: false, reason: 'the variant query is not canonical' };
    const pair = { name: parts[i].slice(0, eq), value: parts[i].slice(eq + 1) };
    const name = decodeQueryComponent(pair.name);
    if (name === undefined || listed.indexOf(name) < 0) return { ok: false, reason: 'the variant query names a parameter that is not listed' };
    pairs.push(pair);
  }
  const canonical = canonicalQuery(pairs, listed);
  if (!canonical.ok) return canonical;
  if (canonical.query !== query) return { ok: false, reason: 'the variant query is not canonical' };
  return canonical;
}

/** A query-string name or value decoded as browsers and servers do (`+` is a space), or undefined when it is not valid UTF-8. */
export function decodeQueryComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (error) {
    return undefined;
  }
}

/** A parameter name, percent-encoded strictly (everything but letters, digits and `-._~!*()$,/:@`). */
export function encodeQueryName(name: string): string {
  return encodeURIComponent(name).replace(NAME_KEPT, keepEscaped).replace(APOSTROPHE, '%27');
}

/** A parameter value, percent-encoded strictly (as a name, `=` also kept). */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(VALUE_KEPT, keepEscaped).replace(APOSTROPHE, '%27');
}

/** `text` percent-encoded as one URI path segment: only letters, digits and `-._~` are left as they are. */
export function encodeUriComponentStrictly(text: string): string {
  return encodeURIComponent(text).replace(URI_SUB_DELIMS, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function keepEscaped(_escape: string, hex: string): string {
  return String.fromCharCode(parseInt(hex, 16));
}
