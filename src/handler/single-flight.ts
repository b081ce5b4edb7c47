/**
 * One origin fetch per object across execution environments (DESIGN.md,
 * "Round 2: single-flight"): the first miss of a key takes its lease and
 * fetches, renewing the lease while it works; concurrent misses wait (polling
 * with backoff) and answer from the bucket or with the holder's verdict,
 * without a fetch of their own; a waiter takes over a lease whose holder
 * stopped renewing it; a waiter that waited its longest answers the redirect
 * to itself. A lease table that fails never fails a request: it fetches as
 * it would without one.
 */
import { randomUUID } from 'node:crypto';
import { answerFromBucket, redirect } from './bucket-answer';
import { errorMessage, toError } from './errors';
import type { FetchEnvironment, ViewerSink } from './fetch-store';
import { isTakeover, Lease, nextStep, pollDelay, renewIntervalMs, Verdict, verdictOf } from './lease-rules';
import type { LeaseStore } from './lease-store';
import { HolderProgress } from './progress';
import type { RequestResult, SingleFlightRecord } from './result';
import { badGateway } from './status';

/** The lease table and its timings. */
export interface SingleFlightOptions {
  readonly leases: LeaseStore;
  /** A lease not renewed for this long is stale; the holder renews it every third of it while it makes progress. */
  readonly staleMs: number;
  /** Longest a waiter waits before it answers the redirect to itself. */
  readonly waitMs: number;
  /** Wall clock in epoch milliseconds, shared with other containers (default `Date.now`). */
  readonly now?: () => number;
  /** Resolves after `ms`, or at once when `signal` aborts (default a timer). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A new holder token (default a random UUID). */
  readonly holderId?: () => string;
}

/** The request under single-flight. */
export interface FlightRequest {
  /** The S3 key. */
  readonly key: string;
  readonly viewer: ViewerSink;
  /** Fetches and stores as the holder: the fetch-and-store core, which answers the viewer (and reports to `progress`). */
  readonly fetch: (progress?: HolderProgress) => Promise<RequestResult>;
}

/** Serves `req` under the key's lease. */
export async function singleFlight(env: FetchEnvironment, options: SingleFlightOptions, req: FlightRequest): Promise<RequestResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepFor;
  const started = now();
  const giveUpAt = started + options.waitMs;
  const waitedMs = (): number => Math.max(0, Math.round(now() - started));
  let waited = false;
  let polls = 0;
  let lease: Lease | undefined;
  try {
    // The usual miss is the first: one conditional write takes the lease, and only a request that finds it taken reads.
    const first = (options.holderId ?? randomUUID)();
    if (await options.leases.take(req.key, first, now())) return await hold(env, options, req, first, 'holder');
    lease = await options.leases.read(req.key);
    for (;;) {
      const step = nextStep(lease, now(), options.staleMs, waited);
      if (step.kind === 'take') {
        const holder = (options.holderId ?? randomUUID)();
        if (await options.leases.take(req.key, holder, now(), step.replacing)) {
          return await hold(env, options, req, holder, isTakeover(step.replacing) ? 'took-over' : 'holder', waited ? waitedMs() : undefined);
        }
      } else if (step.kind === 'bucket') {
        const answered = await answerWithObject(env, req);
        if (answered) return { ...answered, singleFlight: record('waiter', waitedMs(), 'stored') };
        // Gone from the bucket since (an owner removed it): this request fetches it again, a new holder after one
        // that was done (no takeover); if another request was first, the loop reads its lease.
        const holder = (options.holderId ?? randomUUID)();
        if (await options.leases.take(req.key, holder, now(), step.lease)) return await hold(env, options, req, holder, 'holder', waited ? waitedMs() : undefined);
      } else if (step.kind === 'verdict') {
        return { ...answerWithVerdict(req, step.verdict, now()), singleFlight: record('waiter', waitedMs(), step.verdict.outcome) };
      } else {
        waited = true;
        if (now() >= giveUpAt || env.deadline.aborted) {
          return { ...redirectLater(req), singleFlight: record('waiter', waitedMs()) };
        }
        await sleep(Math.min(pollDelay(polls++), Math.max(0, giveUpAt - now())), env.deadline);
      }
      lease = await options.leases.read(req.key);
    }
  } catch (err) {
    if (err instanceof HolderFailure) throw err.cause;
    // The lease table failed: fetch as if there were none (a herd then fetches as many times as it did before).
    const result = await req.fetch();
    return { ...result, singleFlight: { role: 'unavailable', waitedMs: waited ? waitedMs() : undefined, error: errorMessage(err) } };
  }
}

/** The holder's work: the fetch, with the lease renewed while it makes progress, then the verdict left for the waiters. */
async function hold(
  env: FetchEnvironment, options: SingleFlightOptions, req: FlightRequest, holder: string, role: 'holder' | 'took-over', waitedMs?: number,
): Promise<RequestResult> {
  const now = options.now ?? Date.now;
  let renewError: string | undefined;
  const progress = new HolderProgress(env.clock);
  // The lease goes stale when its holder is gone (killed, timed out by Lambda, crashed) or stalled: no byte moved for
  // a whole stale age while not waiting for the origin's answer within its timeout. A waiter then takes over.
  const heartbeat = setInterval(() => {
    if (!progress.advanced()) return;
    options.leases.renew(req.key, holder, now()).catch((err: unknown) => (renewError = errorMessage(err)));
  }, renewIntervalMs(options.staleMs));
  let result: RequestResult;
  try {
    result = await req.fetch(progress);
  } catch (err) {
    clearInterval(heartbeat);
    // A bug: the waiters get a 502 now rather than after the lease goes stale.
    const verdict: Verdict = { ...badGateway('internal-error', 'Internal error'), stored: false };
    await options.leases.release(req.key, holder, verdict, now()).catch(() => undefined);
    throw new HolderFailure(toError(err));
  }
  clearInterval(heartbeat);
  let releaseError: string | undefined;
  await options.leases.release(req.key, holder, verdictOf(result, env.config.notFoundTtlSeconds, now()), now())
    .catch((err: unknown) => (releaseError = errorMessage(err)));
  const error = releaseError ?? renewError;
  return { ...result, singleFlight: { role, waitedMs, error } };
}

/** The holder's own failure (a bug), passed through rather than taken for a failure of the lease table. */
class HolderFailure extends Error {
  constructor(public override readonly cause: Error) {
    super(cause.message);
  }
}

/** Answers from the bucket; undefined when the object is not there after all. */
async function answerWithObject(env: FetchEnvironment, req: FlightRequest): Promise<RequestResult | undefined> {
  req.viewer.response.markWaited();
  const answer = await answerFromBucket({
    s3: env.s3, bucket: env.config.bucketName, key: req.key, streamThreshold: env.config.streamThresholdBytes, signal: env.deadline,
  }, req.viewer);
  if (!answer.answered) return undefined;
  return {
    key: req.key,
    outcome: 'waited',
    status: answer.status,
    bytes: 0,
    delivery: answer.redirected ? 'redirected' : undefined,
    aborted: answer.aborted || undefined,
  };
}

/** Answers with the holder's verdict: the same status and cache-control (a reused 404 for the time it has left), without a fetch. */
function answerWithVerdict(req: FlightRequest, verdict: Extract<Verdict, { stored: false }>, now: number): RequestResult {
  req.viewer.response.markWaited();
  const cacheControl = verdict.until === undefined ? verdict.cacheControl : `public, max-age=${Math.max(0, Math.ceil((verdict.until - now) / 1000))}`;
  req.viewer.response.answer({ ...verdict, cacheControl }, { headOnly: req.viewer.headOnly });
  return { key: req.key, outcome: 'waited', status: verdict.status, bytes: 0 };
}

/** The holder is still at work: the viewer asks again (a hit once the store is done), and the function is free. */
function redirectLater(req: FlightRequest): RequestResult {
  req.viewer.response.markWaited();
  redirect(req.viewer, 'Still being fetched; request it again');
  return { key: req.key, outcome: 'waited', status: 302, bytes: 0, delivery: 'redirected' };
}

function record(role: SingleFlightRecord['role'], waitedMs: number, holderOutcome?: SingleFlightRecord['holderOutcome']): SingleFlightRecord {
  return { role, waitedMs, holderOutcome };
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    if (signal.aborted) done();
  });
}
