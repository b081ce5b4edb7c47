/**
 * One measurement: a miss of one fresh key through one design's local stack
 * (or a direct GET from the origin), with the viewer's first and last byte,
 * the moment S3 committed the object, the container's peak RSS, and the
 * SHA-256 of what the viewer got and of what was stored.
 *
 * "Stored" is observed at the S3 stand-in, the same way for every design: the
 * moment it finished answering 200 to the request that commits the object
 * (PutObject, or CompleteMultipartUpload); the strict stand-in makes that
 * commit atomic. No design's own log or clock is trusted.
 */
import { createHash } from 'node:crypto';
import type * as http from 'node:http';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { BenchStack } from './stacks';
import { view, ViewerResult } from './viewer';
import type { InvocationRecord } from '../local/lambda/function-url';
import type { LocalS3 } from '../local/s3/server';

/** How long one measurement may take before it counts as failed (no design needs a minute locally). */
const STEP_TIMEOUT_MS = 240_000;

/** What one measurement found. */
export interface Measurement {
  readonly viewer?: ViewerResult;
  /** Milliseconds from the viewer's request to the commit in S3. */
  readonly storedMs?: number;
  /** Peak RSS of the function's container (it served the warm-up misses and this one, nothing else). */
  readonly peakRssBytes?: number;
  /** Body bytes the function URL streamed to CloudFront (streamed invoke mode only). */
  readonly streamedBytes?: number;
  /** What went wrong: a wrong status, a body or stored object that differs from the origin's, a timeout. */
  readonly problems: readonly string[];
}

/** The object to mirror: where the origin serves it and what its body must hash to. */
export interface BenchObject {
  /** The path, e.g. `/bench/this/16MiB-r1-ab12cd.bin` (the key is the path without its `/`). */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * A miss through `stack`: a fresh container (so its peak RSS belongs to this
 * size), warmed by a few misses of `warmUps` (the JIT, the connections), then
 * `object` requested by the viewer.
 */
export async function measureMiss(stack: BenchStack, object: BenchObject, warmUps: readonly BenchObject[], agent: http.Agent): Promise<Measurement> {
  // Ends every wait this measurement starts, so a step that timed out leaves no listener behind.
  const over = new AbortController();
  try {
    return await measureMissUntil(stack, object, warmUps, agent, over.signal);
  } finally {
    over.abort(new Error('the measurement is over'));
  }
}

async function measureMissUntil(
  stack: BenchStack, object: BenchObject, warmUps: readonly BenchObject[], agent: http.Agent, over: AbortSignal,
): Promise<Measurement> {
  const { mirror } = stack;
  const problems: string[] = [];
  for (const container of mirror.functionUrl.pool.live) await container.stop();
  const bucket = mirror.spec.bucketName;
  const key = object.path.slice(1);

  for (const warmUp of warmUps) {
    const done = invocationOf(stack, warmUp.path, over);
    const got = await view(`${mirror.viewerUrl}${warmUp.path}`, agent);
    const ok = stack.variant === 'bare-upload' ? got.status === 204 : got.status === 200 && got.sha256 === warmUp.sha256;
    if (!ok) problems.push(`the warm-up miss ${warmUp.path} answered ${got.status} with ${got.bytes} bytes`);
    await within(done, 'the warm-up invocation');
    await mirror.s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: warmUp.path.slice(1) }));
  }

  const committed = commitOf(mirror.s3, bucket, key, over);
  const invocation = invocationOf(stack, object.path, over);
  const startedAt = performance.now();
  let viewer: ViewerResult | undefined;
  try {
    viewer = await within(view(`${mirror.viewerUrl}${object.path}`, agent, startedAt), 'the viewer');
    // The bare upload answers 204 once stored: its viewer figures are not the limit's (a direct GET is).
    if (stack.variant !== 'bare-upload') checkViewer(viewer, object, problems);
    else if (viewer.status !== 204) problems.push(`the bare upload answered ${viewer.status}`);
    if (stack.variant === 'bare-upload') viewer = undefined;
  } catch (err) {
    problems.push(`viewer: ${(err as Error).message}`);
  }
  let storedMs: number | undefined;
  try {
    storedMs = (await within(committed, 'the commit in S3')) - startedAt;
  } catch (err) {
    problems.push((err as Error).message);
  }
  let record: InvocationRecord | undefined;
  try {
    record = await within(invocation, 'the end of the invocation');
  } catch (err) {
    problems.push((err as Error).message);
  }
  const rss = await mirror.functionUrl.peakRss();
  const stored = storedMs === undefined ? undefined : await storedSha256(mirror.s3, bucket, key);
  if (stored !== undefined && stored !== object.sha256) problems.push('the stored object differs from the origin\'s');
  await mirror.s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return {
    viewer,
    storedMs,
    peakRssBytes: rss[0]?.peakRssBytes,
    streamedBytes: stack.streamed ? record?.bytes : undefined,
    problems,
  };
}

/** The same object straight from the origin: the viewer's limit. */
export async function measureDirect(originUrl: string, object: BenchObject, agent: http.Agent): Promise<Measurement> {
  const problems: string[] = [];
  let viewer: ViewerResult | undefined;
  try {
    viewer = await within(view(`${originUrl}${object.path}`, agent), 'the viewer');
    checkViewer(viewer, object, problems);
  } catch (err) {
    problems.push(`viewer: ${(err as Error).message}`);
  }
  return { viewer, problems };
}

function checkViewer(viewer: ViewerResult, object: BenchObject, problems: string[]): void {
  if (viewer.status !== 200) problems.push(`the viewer got ${viewer.status}`);
  else if (viewer.bytes !== object.size || viewer.sha256 !== object.sha256) problems.push(`the viewer got ${viewer.bytes} bytes that differ from the origin's`);
}

/** Resolves with `performance.now()` when S3 answered 200 to the request that commits `key`. */
function commitOf(s3: LocalS3, bucket: string, key: string, over: AbortSignal): Promise<number> {
  const committed = s3.served((r) => r.bucket === bucket && r.key === key && r.status === 200 && (
    (r.method === 'PUT' && !/(^|&)partNumber=/.test(r.query)) || (r.method === 'POST' && /(^|&)uploadId=/.test(r.query))
  ), over).then(() => performance.now());
  committed.catch(() => undefined); // a step that failed earlier never awaits it: its rejection on `over` is expected
  return committed;
}

/** Resolves with the function URL's record of the invocation for `path`, once it is over; rejects when `over` aborts first. */
function invocationOf(stack: BenchStack, path: string, over: AbortSignal): Promise<InvocationRecord> {
  const { functionUrl } = stack.mirror;
  const ended = new Promise<InvocationRecord>((resolve, reject) => {
    const listener = (record: InvocationRecord) => {
      if (record.rawPath !== path) return;
      stop();
      resolve(record);
    };
    const abandoned = () => {
      stop();
      reject(over.reason);
    };
    const stop = () => {
      functionUrl.off('invocation', listener);
      over.removeEventListener('abort', abandoned);
    };
    functionUrl.on('invocation', listener);
    over.addEventListener('abort', abandoned, { once: true });
  });
  ended.catch(() => undefined); // a step that failed earlier never awaits it: its rejection on `over` is expected
  return ended;
}

async function storedSha256(s3: LocalS3, bucket: string, key: string): Promise<string> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of out.Body as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** `promise`, or a rejection naming `what` if it takes longer than a measurement may. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
