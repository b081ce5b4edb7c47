/**
 * The manual setup this library replaces, reimplemented for the benchmark
 * only (never shipped): a buffered function URL handler that, on a miss,
 * reads the whole origin body into memory, PutObjects it, and answers 302 to
 * the same path, so the viewer asks again and gets the object from S3.
 *
 * Written as a competent engineer of that setup would: the same origin
 * transport and S3 client as this library's handler, and the body read into
 * one buffer pre-sized from Content-Length (no `Buffer.concat` doubling),
 * falling back to concatenated chunks when the origin sends no length. This
 * is the kindest version of the design for its memory and its speed.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { config, fetchFromOrigin, s3 } from './lambda-common';

/** The buffered handler (`index.handler`). */
export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  const fetched = await fetchFromOrigin(event);
  if ('answer' in fetched) return fetched.answer;
  const { key, origin } = fetched;
  const body = await readBody(origin.body, origin.headers['content-length']);
  const contentType = origin.headers['content-type'];
  await s3.send(new PutObjectCommand({
    Bucket: config.bucketName,
    Key: key,
    Body: body,
    ContentLength: body.length,
    ContentType: typeof contentType === 'string' ? contentType : undefined,
  }));
  return { statusCode: 302, headers: { 'location': event.rawPath, 'cache-control': 'no-store' }, body: '' };
}

/** The whole body in one buffer: pre-sized from Content-Length when there is one. */
async function readBody(body: AsyncIterable<Buffer>, contentLength: string | string[] | undefined): Promise<Buffer> {
  const declared = typeof contentLength === 'string' && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
  if (declared === undefined) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  const buffer = Buffer.allocUnsafe(declared);
  let filled = 0;
  for await (const chunk of body) {
    if (filled + chunk.length > declared) throw new Error(`the origin sent more than the ${declared} bytes it declared`);
    filled += chunk.copy(buffer, filled);
  }
  if (filled !== declared) throw new Error(`the origin sent ${filled} of the ${declared} bytes it declared`);
  return buffer;
}
