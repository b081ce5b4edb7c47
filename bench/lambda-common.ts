/**
 * What the benchmark's two buffered handlers (the original design, the bare
 * upload) share with each other and with the library's handler: the
 * configuration from the environment, the S3 client with the same settings,
 * the same origin transport, and the simplest key (the decoded path).
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { fromEnvironment } from '../src/config';
import { nodeTransport, RawOriginResponse } from '../src/handler/origin';
import { createS3Client } from '../src/handler/s3-client';

export const config = fromEnvironment(process.env);
export const s3 = createS3Client();
const endpoint = config.endpoint.replace(/\/$/, '');

/** The origin's 200 for the event's path, and the key to store it under; or the answer to give instead. */
export async function fetchFromOrigin(event: LambdaFunctionURLEvent):
Promise<{ readonly key: string; readonly origin: RawOriginResponse } | { readonly answer: LambdaFunctionURLResult }> {
  const rawPath = event.rawPath;
  const key = `${config.keyPrefix}${decodeURIComponent(rawPath.slice(1))}`;
  const origin = await nodeTransport(new URL(`${endpoint}${rawPath}`), { 'accept-encoding': 'identity' }, config.originResponseTimeoutMs);
  if (origin.status !== 200) {
    origin.body.resume();
    return { answer: { statusCode: origin.status === 404 ? 404 : 502, body: `origin answered ${origin.status}\n` } };
  }
  return { key, origin };
}
