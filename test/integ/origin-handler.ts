/**
 * The integration tests' origin: a Lambda function behind a buffered function URL (which sends Content-Length)
 * serving the catalogue of `content.ts`. The gzip object is sent encoded whatever the request accepts, as origins
 * serving pre-compressed files do.
 */
import { ORIGIN_CACHE_CONTROL, ORIGIN_OBJECTS, VARIANT_PARAMETER, originBody, originEtag, seedOf } from './content';

/** The parts of a function URL event (payload 2.0) the origin reads. */
export interface OriginEvent {
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly requestContext?: { readonly http?: { readonly method?: string } };
}

/** A buffered function URL answer. */
export interface OriginResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** Answers one request from the catalogue; a variant is selected by `x-oss-process`, any other parameter is ignored. */
export async function handler(event: OriginEvent): Promise<OriginResult> {
  const path = event.rawPath ?? '/';
  const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    return { statusCode: 405, headers: { 'allow': 'GET, HEAD', 'cache-control': 'no-store' }, body: '', isBase64Encoded: false };
  }
  const variant = new URLSearchParams(event.rawQueryString ?? '').get(VARIANT_PARAMETER) ?? undefined;
  const body = originBody(path, variant);
  const object = ORIGIN_OBJECTS[path];
  if (!body || !object) {
    return { statusCode: 404, headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' }, body: 'not found\n', isBase64Encoded: false };
  }
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    'cache-control': ORIGIN_CACHE_CONTROL,
    'etag': originEtag(seedOf(path, variant)),
    'last-modified': 'Mon, 02 Nov 2026 00:00:00 GMT',
  };
  if (object.contentEncoding) headers['content-encoding'] = object.contentEncoding;
  return { statusCode: 200, headers, body: method === 'HEAD' ? '' : body.toString('base64'), isBase64Encoded: true };
}
