/**
 * What the local CloudFront reads from a viewer request and sends on to an
 * origin: the target split into path and query, the viewer's headers, the
 * query parameters a policy forwards, the normalised Accept-Encoding, and the
 * shape of an origin access control signature.
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { allows } from './cloudfront-policies';

/** The request as CloudFront passes it on: path, raw query, viewer headers (lower-case names, repeats joined). */
export interface ViewerRequest {
  readonly path: string;
  readonly query?: string;
  readonly headers: ReadonlyMap<string, string>;
}

/** A response a viewer-request function generated. */
export interface GeneratedResponse {
  readonly status: number;
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: string;
}

/** The viewer's headers by lower-case name, repeated ones joined as CloudFront joins them. */
export function viewerHeaders(req: http.IncomingMessage): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? req.rawHeaders[i + 1] : `${previous}${name === 'cookie' ? '; ' : ', '}${req.rawHeaders[i + 1]}`);
  }
  return headers;
}

/** Whether the viewer's request carries a body (a length above 0, or chunked). */
export function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/** Path and query of a request target; absolute-form keeps only its path. Undefined if it is neither. */
export function splitTarget(target: string): { path: string; query?: string } | undefined {
  let rest = target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute) rest = target.slice(absolute[0].length) || '/';
  if (!rest.startsWith('/')) return undefined;
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/** The query string with only the parameters `rule` forwards (undefined when none remains). */
export function filterQuery(query: string | undefined, rule: Parameters<typeof allows>[0]): string | undefined {
  if (query === undefined || rule.kind === 'none') return undefined;
  if (rule.kind === 'all') return query;
  const kept = query.split('&').filter((part) => {
    const name = part.split('=')[0];
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // An undecodable name is compared as sent.
    }
    return part !== '' && allows(rule, decoded);
  });
  return kept.length > 0 ? kept.join('&') : undefined;
}

/** CloudFront's normalised Accept-Encoding when the cache policy enables compression. */
export function normalisedAcceptEncoding(value: string, enabled: { gzip: boolean; brotli: boolean }): string | undefined {
  const offered = new Set(value.toLowerCase().split(',').map((v) => v.split(';')[0].trim()));
  const encodings = [];
  if (enabled.brotli && offered.has('br')) encodings.push('br');
  if ((enabled.gzip || enabled.brotli) && offered.has('gzip')) encodings.push('gzip');
  return encodings.length > 0 ? encodings.join(',') : undefined;
}

/** The shape of an origin access control signature (the local function URL checks the scheme only). */
export function fakeSigV4(host: string): http.OutgoingHttpHeaders {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return {
    'x-amz-date': now,
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-security-token': 'local-cloudfront-session',
    'authorization': `AWS4-HMAC-SHA256 Credential=ASIALOCAL/${now.slice(0, 8)}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${randomBytes(32).toString('hex')}`,
    'host': host,
  };
}
