/**
 * The limit of the store, for the benchmark only (never shipped): a buffered
 * function URL handler that streams the origin body straight into S3 and does
 * nothing else (no viewer, no length guard, no idle timeout, no condition),
 * then answers 204. The same multipart approach as the library's store, so
 * the difference is the library's other work: the same origin transport and
 * S3 client, the same part size, the same parts in flight, the same pool of
 * part buffers (one filling while the others upload), and the same young-
 * generation GC after each part.
 */
import {
  CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { config, fetchFromOrigin, s3 } from './lambda-common';
import { partSizeFor } from '../src/config';
import { collectYoungGarbage } from '../src/handler/memory';
import { DEFAULT_QUEUE_SIZE } from '../src/handler/store';

/** The buffered handler (`index.handler`). */
export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  const fetched = await fetchFromOrigin(event);
  if ('answer' in fetched) return fetched.answer;
  const { key, origin } = fetched;
  const partSize = partSizeFor(Number(origin.headers['content-length'] ?? config.maxObjectSizeBytes));
  const params = { Bucket: config.bucketName, Key: key };
  let uploadId: Promise<string> | undefined;
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  const free: Buffer[] = [];
  let partNumber = 1;
  const upload = (buffer: Buffer, length: number) => {
    uploadId ??= s3.send(new CreateMultipartUploadCommand(params)).then((out) => out.UploadId!);
    const number = partNumber++;
    collectYoungGarbage();
    const sent: Promise<void> = uploadId
      .then((UploadId) => s3.send(new UploadPartCommand({ ...params, UploadId, PartNumber: number, Body: buffer.subarray(0, length) })))
      .then((out) => void parts.push({ PartNumber: number, ETag: out.ETag }))
      .finally(() => {
        inFlight.delete(sent);
        free.push(buffer);
      });
    inFlight.add(sent);
  };

  let part: Buffer = Buffer.allocUnsafeSlow(partSize);
  let filled = 0;
  for await (const chunk of origin.body as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < chunk.length;) {
      if (filled === partSize) {
        while (inFlight.size >= DEFAULT_QUEUE_SIZE) await Promise.race(inFlight);
        upload(part, filled);
        part = free.pop() ?? Buffer.allocUnsafeSlow(partSize);
        filled = 0;
      }
      const copied = chunk.copy(part, filled, offset);
      filled += copied;
      offset += copied;
    }
  }
  if (partNumber === 1) {
    await s3.send(new PutObjectCommand({ ...params, Body: part.subarray(0, filled), ContentLength: filled }));
    return { statusCode: 204 };
  }
  if (filled > 0) {
    while (inFlight.size >= DEFAULT_QUEUE_SIZE) await Promise.race(inFlight);
    upload(part, filled);
  }
  await Promise.all(inFlight);
  parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
  await s3.send(new CompleteMultipartUploadCommand({ ...params, UploadId: await uploadId, MultipartUpload: { Parts: parts } }));
  return { statusCode: 204 };
}
