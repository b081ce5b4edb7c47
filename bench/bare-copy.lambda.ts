/**
 * The jobs benchmark's bare loop, for the benchmark only (never shipped): takes the same batches as the jobs' item
 * function, in the same kind of container, and copies each key with nothing else: GET from the origin (the
 * library's transport), the whole body, one unconditional PutObject. No key rules, no HeadObject, no verdict, no
 * conditional or never-partial store, no log line; so "jobs / bare loop" is the cost of the rules.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { config, s3 } from './lambda-common';
import { nodeTransport } from '../src/handler/origin';
import type { JobBatch, LineItem } from '../src/jobs/protocol';

const endpoint = config.endpoint.replace(/\/$/, '');

/** The handler (`index.handler`): answers no item results (the benchmark checks the bucket itself). */
export async function handler(batch: JobBatch): Promise<never[]> {
  for (const item of batch.Items as LineItem[]) {
    const origin = await nodeTransport(new URL(`${endpoint}/${item.text}`), { 'accept-encoding': 'identity' }, config.originResponseTimeoutMs);
    const chunks: Buffer[] = [];
    for await (const chunk of origin.body) chunks.push(chunk as Buffer);
    if (origin.status !== 200) throw new Error(`${item.text}: the origin answered ${origin.status}`);
    await s3.send(new PutObjectCommand({ Bucket: config.bucketName, Key: `${config.keyPrefix}${item.text}`, Body: Buffer.concat(chunks) }));
  }
  return [];
}
