/**
 * One batch of a job, as Distributed Map hands it to the item function (`{ BatchInput, Items }`): each item read
 * as a key by the mirror's rules and run in the batch's mode, one after the other (the run's concurrency is the
 * number of batches in flight), each logged with the handler's logger, until the invocation's time runs out; the
 * items not started by then are reported `deadline`, so a rerun of the report picks them up.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { MirrorConfig } from '../../config';
import { startDeadline } from '../../handler/deadline';
import { errorMessage } from '../../handler/errors';
import type { FetchEnvironment } from '../../handler/fetch-store';
import { jsonLogger, Logger, LogLine } from '../../handler/log';
import type { OriginTransport } from '../../handler/origin';
import type { RequestResult } from '../../handler/result';
import type { ItemFunctionConfig } from '../config';
import type { ItemResult, ItemSource, JobBatch, JobBatchResult, JobMode } from '../protocol';
import { invalidationPaths } from './invalidation-paths';
import { itemKey } from './item-keys';
import { runKey } from './modes';

/** What the item function is built from. */
export interface ItemDependencies {
  readonly config: MirrorConfig;
  readonly jobs: ItemFunctionConfig;
  readonly s3: S3Client;
  readonly transport?: OriginTransport;
  /** One line per item (default: the handler's JSON line on stdout). */
  readonly logger?: Logger;
  readonly clock?: () => number;
}

/** The part of Lambda's context read here. */
export interface ItemContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** A log line of a job item: the handler's, and the job's mode. */
export interface JobLogLine extends LogLine {
  readonly job: JobMode;
}

const MODES: readonly JobMode[] = ['prewarm', 'coverage', 'refresh'];
const SOURCES: readonly ItemSource[] = ['paths', 'keys', 'inventory', 'report', 'listing'];

/** Runs every item of `batch`; rejects only for a batch that is not one (a bug: Distributed Map reports it failed). */
export async function processBatch(deps: ItemDependencies, batch: JobBatch, context: ItemContext = {}): Promise<JobBatchResult> {
  const { mode, source, stripPrefix } = batch?.BatchInput ?? ({} as JobBatch['BatchInput']);
  if (!MODES.includes(mode) || !SOURCES.includes(source) || !Array.isArray(batch.Items)) {
    throw new Error(`not a job batch: BatchInput ${JSON.stringify(batch?.BatchInput)}, ${Array.isArray(batch?.Items) ? batch.Items.length : 'no'} items`);
  }
  const clock = deps.clock ?? (() => performance.now());
  const logger = deps.logger ?? jsonLogger;
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const deadline = startDeadline(remaining);
  const env: FetchEnvironment = {
    config: deps.config,
    s3: deps.s3,
    endpoint: new URL(deps.config.endpoint),
    transport: deps.transport,
    clock,
    deadline: deadline.signal,
    abortGraceMs: deadline.abortGraceMs,
  };
  const { keyPrefix, variantQueryStrings } = deps.config;
  const rules = { keyPrefix, variantQueryStrings, served: deps.jobs.served, others: deps.jobs.others };
  const results: ItemResult[] = [];
  try {
    for (const item of batch.Items) {
      const started = clock();
      const found = itemKey(item, source, rules, stripPrefix ?? '');
      if (found.kind === 'skipped') continue;
      let result: RequestResult;
      let input: string | undefined;
      if (found.kind === 'rejected') {
        input = found.input;
        result = { path: found.input.slice(0, 256), outcome: 'rejected', status: found.status, bytes: 0, error: found.reason };
      } else if (deadline.signal.aborted) {
        result = { key: found.key.key, outcome: 'deadline', status: 504, bytes: 0, error: 'not started: the batch ran out of time' };
      } else {
        result = await runItem(env, mode, found.key);
      }
      const invalidate = result.outcome === 'updated' && found.kind === 'key' ? invalidationPaths(found.key) : undefined;
      results.push(itemResult(result, input, invalidate));
      const line: JobLogLine = { ...result, requestId: context.awsRequestId, method: mode === 'coverage' ? 'HEAD' : 'GET', totalMs: Math.round(clock() - started), job: mode };
      logger(line);
    }
  } finally {
    deadline.clear();
  }
  return results;
}

/** One key, a bug in it reported as that item's `internal-error` rather than failing the whole batch. */
async function runItem(env: FetchEnvironment, mode: JobMode, key: Parameters<typeof runKey>[2]): Promise<RequestResult> {
  try {
    return await runKey(env, mode, key);
  } catch (err) {
    return { key: key.key, outcome: 'internal-error', status: 500, bytes: 0, error: errorMessage(err) };
  }
}

/** What the result files keep of an item: no timings, and a status only where the origin or the key rules gave one. */
function itemResult(result: RequestResult, input: string | undefined, invalidate: string[] | undefined): ItemResult {
  const status = result.outcome === 'present' || result.outcome === 'missing' ? undefined : result.status;
  return {
    key: result.key,
    input: result.key === undefined ? input : undefined,
    outcome: result.outcome,
    status,
    bytes: result.bytes,
    invalidate,
    error: result.error,
  };
}
