/**
 * The limit of the store, for the benchmark only (never shipped): a buffered
 * function URL handler that streams the origin body straight into S3 with the
 * library's own store (`storeObject`: the same multipart writer, part size,
 * parts in flight, buffer pool and young-generation GC) and does nothing else
 * (no viewer, no length guard, no idle timeout, no read-ahead, no deadline),
 * then answers 204. So "this / limit" is the cost of the handler's other
 * work, and the limit cannot be slower than the handler for a reason of its
 * own (an earlier hand-written upload loop was, and nobody could say why).
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { config, fetchFromOrigin, s3 } from './lambda-common';
import { storedHeaders, storeObject } from '../src/handler/store';

/** The buffered handler (`index.handler`). */
export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  const fetched = await fetchFromOrigin(event);
  if ('answer' in fetched) return fetched.answer;
  const { key, origin } = fetched;
  const declared = origin.headers['content-length'];
  const result = await storeObject({
    s3,
    bucket: config.bucketName,
    key,
    contentLength: declared === undefined ? undefined : Number(declared),
    maxBytes: config.maxObjectSizeBytes,
    headers: storedHeaders(origin.headers).headers,
    body: origin.body,
  });
  return result.outcome === 'store-error' ? { statusCode: 502, body: `${result.error?.message}\n` } : { statusCode: 204 };
}
