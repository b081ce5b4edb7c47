/**
 * The integration tests' origin: a Lambda function behind a buffered function URL (which sends Content-Length)
 * serving the catalogue of `content.ts`. The gzip object is sent encoded whatever the request accepts, as origins
 * serving pre-compressed files do. A request for a counted object is recorded (one marker object per request in the
 * bucket `ORIGIN_REQUESTS_BUCKET` names) before it is answered, so once a viewer has its answer, the request the
 * origin got for it is listed: S3 lists what was written before, so the count is exact, never eventual.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ORIGIN_CACHE_CONTROL, ORIGIN_OBJECTS, VARIANT_PARAMETER, originBody, originEtag, originRequestPrefix, seedOf } from './content';

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

/** Records one request for a counted object at `key`. */
export type RecordRequest = (key: string) => Promise<void>;

/** Writes each record as an empty object in `bucket`. */
export function s3Recorder(s3: S3Client, bucket: string): RecordRequest {
  return async (key) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(0), ContentLength: 0 }));
  };
}

let lambdaRecorder: RecordRequest | undefined;

/** The Lambda entry: records counted requests in `ORIGIN_REQUESTS_BUCKET` when it is set. */
export async function handler(event: OriginEvent): Promise<OriginResult> {
  const bucket = process.env.ORIGIN_REQUESTS_BUCKET;
  if (bucket && !lambdaRecorder) lambdaRecorder = s3Recorder(new S3Client({}), bucket);
  return answer(event, lambdaRecorder);
}

/** Answers one request from the catalogue; a variant is selected by `x-oss-process`, any other parameter is ignored. */
export async function answer(event: OriginEvent, record?: RecordRequest): Promise<OriginResult> {
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
  // Before the answer: whoever gets it can count this request.
  if (object.counted && record) await record(`${originRequestPrefix(path)}${new Date().toISOString()}-${randomUUID()}`);
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    'cache-control': ORIGIN_CACHE_CONTROL,
    'etag': originEtag(seedOf(path, variant)),
    'last-modified': 'Mon, 02 Nov 2026 00:00:00 GMT',
  };
  if (object.contentEncoding) headers['content-encoding'] = object.contentEncoding;
  return { statusCode: 200, headers, body: method === 'HEAD' ? '' : body.toString('base64'), isBase64Encoded: true };
}
