/**
 * A job run on this machine, step by step as the state machine runs it: the bundled run function prepares the
 * items; the bundled item function runs them in batches of the shape Distributed Map sends (`{ BatchInput, Items }`),
 * `concurrency` batches at once; their answers are written as the result writer writes them (JSONL, FLATTEN, and a
 * manifest.json); the run function then summarises and finishes, writing the same summary and CSV. Reads S3 Inventory
 * manifests not at all (Distributed Map's own reader): paths, keys, report, or the bucket's listing.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Invocation, LocalFunction } from './local-function';
import type { JobsSpec } from './spec';
import type { Outcome } from '../../src/handler/result';
import type { ItemResult, JobBatch, JobMode, JobSummary, ManifestFormat } from '../../src/jobs/protocol';
import type { PreparedRun } from '../../src/jobs/runtime/prepare';
import type { LocalS3 } from '../s3/server';

/** What to run. */
export interface LocalJobOptions {
  readonly spec: JobsSpec;
  /** The S3 stand-in holding the mirror's bucket and the reports bucket. */
  readonly s3: LocalS3;
  readonly mode: JobMode;
  /** The manifest file on this machine; none: the bucket's listing (refresh only). */
  readonly manifestFile?: string;
  readonly format?: Exclude<ManifestFormat, 'inventory'>;
  /** Batches at once (the state machine's maxConcurrency). */
  readonly concurrency: number;
  readonly batchSize: number;
  /** The execution's name (default: a new UUID). */
  readonly runName?: string;
  /** Where summary.json and failures.csv are copied to, in a folder named after the run. */
  readonly outputDir?: string;
  /** Called after each batch. */
  readonly onProgress?: (progress: JobProgress) => void;
  /** Called with each log line the functions write. */
  readonly onLog?: (line: string) => void;
}

/** How far a run is. */
export interface JobProgress {
  readonly done: number;
  /** Items in all, when known (a manifest's lines; a listing's keys). */
  readonly total: number;
  readonly outcomes: Readonly<Partial<Record<Outcome, number>>>;
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** How a run ended. */
export interface LocalJobResult {
  readonly summary: JobSummary;
  /** The summary and the CSV, copied out of the S3 stand-in. */
  readonly files?: { readonly summary: string; readonly failures: string };
}

/** Runs a job over the local stand-ins. */
export async function runLocalJob(options: LocalJobOptions): Promise<LocalJobResult> {
  const { spec, s3 } = options;
  const run = options.runName ?? randomUUID();
  const localEnvironment = { ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const runFunction = await LocalFunction.create(spec.run, { maxContainers: 1, localEnvironment });
  const itemFunction = await LocalFunction.create(spec.item, { maxContainers: options.concurrency, localEnvironment });
  try {
    const call = async (fn: LocalFunction, event: unknown): Promise<any> => {
      const answer = await fn.invoke(event);
      for (const line of answer.logs) options.onLog?.(line);
      if (!answer.ok) throw new Error(`${answer.errorType}: ${answer.errorMessage}`);
      return answer.payload;
    };
    const manifest = await uploadManifest(options, run);
    const prepared: PreparedRun = await call(runFunction, { step: 'prepare', input: { mode: options.mode, manifest }, run, startedAt: new Date().toISOString() });
    const items = prepared.reader === 'listing' ? await listing(options) : await jsonl(s3, prepared);
    const results = await runBatches(options, prepared, items, itemFunction);
    await writeResults(s3, spec.reportsBucket, prepared, results);
    const summary = await call(runFunction, { step: 'summarise', state: { run: prepared } });
    const finished: JobSummary = await call(runFunction, { step: 'finish', summary, folder: prepared.folder });
    const files = options.outputDir === undefined
      ? undefined
      : await copyReports(s3, spec.reportsBucket, prepared, path.join(options.outputDir, run));
    return { summary: finished, files };
  } finally {
    await Promise.all([runFunction.close(), itemFunction.close()]);
  }
}

/** Puts the manifest file where the jobs read manifests (the reports bucket, the default manifest bucket). */
async function uploadManifest(options: LocalJobOptions, run: string): Promise<{ key: string; format: string } | undefined> {
  if (options.manifestFile === undefined) return undefined;
  const key = `${options.spec.reportsPrefix}manifests/${run}/${path.basename(options.manifestFile)}`;
  await options.s3.client.send(new PutObjectCommand({ Bucket: options.spec.reportsBucket, Key: key, Body: fs.readFileSync(options.manifestFile) }));
  return { key, format: options.format ?? 'keys' };
}

/** The items Distributed Map's JSONL reader would read. */
async function jsonl(s3: LocalS3, prepared: PreparedRun): Promise<unknown[]> {
  if (prepared.reader !== 'lines') throw new Error(`the local run reads no ${prepared.reader} (Distributed Map's own reader)`);
  const file = await s3.getObject(prepared.items!.bucket, prepared.items!.key);
  return file!.body.toString('utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

/** The items Distributed Map's ListObjectsV2 reader would read: every object under the mirror's prefix. */
async function listing(options: LocalJobOptions): Promise<unknown[]> {
  const items: unknown[] = [];
  let token: string | undefined;
  do {
    const { mirrorBucket, keyPrefix } = options.spec;
    const list = new ListObjectsV2Command({ Bucket: mirrorBucket, Prefix: keyPrefix || undefined, ContinuationToken: token });
    const page = await options.s3.client.send(list);
    for (const o of page.Contents ?? []) {
      items.push({ Etag: o.ETag, Key: o.Key, LastModified: o.LastModified?.toISOString(), Size: o.Size, StorageClass: o.StorageClass });
    }
    token = page.NextContinuationToken;
  } while (token);
  return items;
}

/** A batch's answer as the result writer keeps it: the item results, or the failed execution's record. */
type BatchOutcome = { readonly results: readonly ItemResult[] } | { readonly failed: Record<string, unknown> };

/** Runs every batch, `concurrency` at once, in the order of the items. */
async function runBatches(options: LocalJobOptions, prepared: PreparedRun, items: readonly unknown[], fn: LocalFunction): Promise<BatchOutcome[]> {
  const batches: JobBatch[] = [];
  for (let at = 0; at < items.length; at += options.batchSize) {
    batches.push({
      BatchInput: { mode: prepared.mode, source: prepared.source, stripPrefix: prepared.stripPrefix },
      Items: items.slice(at, at + options.batchSize) as JobBatch['Items'],
    });
  }
  const started = performance.now();
  const outcomes: Partial<Record<Outcome, number>> = {};
  let done = 0;
  let bytes = 0;
  const answers: BatchOutcome[] = new Array(batches.length);
  let next = 0;
  const worker = async (warm: () => void): Promise<void> => {
    for (let index = next++; index < batches.length; index = next++) {
      const answer: Invocation = await fn.invoke(batches[index]);
      warm();
      for (const line of answer.logs) options.onLog?.(line);
      if (answer.ok) {
        const results = answer.payload as ItemResult[];
        answers[index] = { results };
        for (const r of results) {
          outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
          bytes += r.bytes;
        }
      } else {
        answers[index] = { failed: { Status: 'FAILED', Error: answer.errorType, Cause: answer.errorMessage, Input: JSON.stringify(batches[index]) } };
      }
      done += batches[index].Items.length;
      options.onProgress?.({ done, total: items.length, outcomes, bytes, elapsedMs: performance.now() - started });
    }
  };
  // Containers start one after another, each once the one before answered: fifty Node.js processes starting at once
  // on a small machine would miss Lambda's 10 s init limit, which Lambda's own fleet never does.
  const workers: Array<Promise<void>> = [];
  const launch = (): void => {
    if (workers.length < Math.min(options.concurrency, batches.length)) workers.push(worker(once(launch)));
  };
  launch();
  for (let i = 0; i < workers.length; i++) await workers[i];
  return answers;
}

/** `fn`, called at most once. */
function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (!called) {
      called = true;
      fn();
    }
  };
}

/** The result files and manifest.json, as the result writer (JSONL, FLATTEN) writes them under the run's prefix. */
async function writeResults(s3: LocalS3, bucket: string, prepared: PreparedRun, answers: readonly BatchOutcome[]): Promise<void> {
  const folder = `${prepared.resultsPrefix}/${randomUUID()}`;
  const succeeded = answers.flatMap((a) => ('results' in a ? a.results.map((r) => JSON.stringify(r)) : []));
  const failed = answers.flatMap((a) => ('failed' in a ? [JSON.stringify(a.failed)] : []));
  const files: Record<string, Array<{ Key: string; Size: number }>> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const [status, lines] of [['SUCCEEDED', succeeded], ['FAILED', failed]] as const) {
    if (lines.length === 0) continue;
    const body = `${lines.join('\n')}\n`;
    const key = `${folder}/${status}_0.json`;
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifest = { DestinationBucket: bucket, MapRunArn: `arn:aws:states:local:123456789012:mapRun:local/${prepared.run}`, ResultFiles: files };
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${folder}/manifest.json`, Body: JSON.stringify(manifest) }));
}

/** Copies summary.json and failures.csv out of the S3 stand-in into `directory`. */
async function copyReports(s3: LocalS3, bucket: string, prepared: PreparedRun, directory: string): Promise<{ summary: string; failures: string }> {
  fs.mkdirSync(directory, { recursive: true });
  const copy = async (name: string): Promise<string> => {
    const object = await s3.getObject(bucket, `${prepared.folder}${name}`);
    const file = path.join(directory, name);
    fs.writeFileSync(file, object?.body ?? '');
    return file;
  };
  return { summary: await copy('summary.json'), failures: await copy('failures.csv') };
}
