/**
 * The rules of single-flight, as pure functions (DESIGN.md, "Round 2:
 * single-flight", after nginx's `proxy_cache_lock`): given the key's lease as
 * read, what a request does next (take it, wait, answer from the bucket or
 * with the holder's verdict); what verdict a holder leaves; how often a waiter
 * looks again.
 */
import type { RequestResult } from './result';
import { Answer, badGateway, deadlineExpired, gatewayTimeout, rejected, tooLarge, verdictForOriginStatus } from './status';

/** What a holder left when it was done: the object is in the bucket, or the answer it got instead. */
export type Verdict =
  | { readonly stored: true }
  | (Answer & {
    readonly stored: false;
    /** Epoch milliseconds until which a request that did not wait may still answer with it (a cacheable 404 or 410). */
    readonly until?: number;
  });

/** A key's lease, as read from the table. */
export interface Lease {
  /** Who holds it (a token the holding request drew). */
  readonly holder: string;
  /** Epoch milliseconds of the holder's last renewal, by its clock. */
  readonly renewedAt: number;
  /** Bumped by every write: taking a lease over is conditional on the version read. */
  readonly version: number;
  /** Set once the holder is done. */
  readonly verdict?: Verdict;
}

/** What a request does next. */
export type Step =
  /** Take the lease: there is none, or `replacing` may be replaced (its holder is gone, or done with nothing to reuse). */
  | { readonly kind: 'take'; readonly replacing?: Lease }
  /** Another request holds a live lease: wait for it. */
  | { readonly kind: 'wait'; readonly lease: Lease }
  /** The holder stored the object: answer from the bucket. */
  | { readonly kind: 'bucket'; readonly lease: Lease }
  /** The holder got an answer that is not an object: give the same one. */
  | { readonly kind: 'verdict'; readonly verdict: Extract<Verdict, { stored: false }> };

/**
 * The next step for a request that read `lease` at `now`. `waited`: this request saw the lease held before (it is
 * part of the herd the holder fetched for), so any verdict is its answer; a request that arrives after the verdict
 * only reuses a cacheable one, and fetches again otherwise (a 502 is not worth keeping).
 */
export function nextStep(lease: Lease | undefined, now: number, staleMs: number, waited: boolean): Step {
  if (!lease) return { kind: 'take' };
  const verdict = lease.verdict;
  if (verdict?.stored) return { kind: 'bucket', lease };
  if (verdict) return waited || (verdict.until !== undefined && now < verdict.until) ? { kind: 'verdict', verdict } : { kind: 'take', replacing: lease };
  // A lease its holder stopped renewing: the holder is gone (killed, timed out, crashed); one waiter takes over.
  if (now - lease.renewedAt >= staleMs) return { kind: 'take', replacing: lease };
  return { kind: 'wait', lease };
}

/** Whether taking `replacing` is a takeover of a holder that never finished (rather than a new fetch after one that did). */
export function isTakeover(replacing: Lease | undefined): boolean {
  return replacing !== undefined && replacing.verdict === undefined;
}

/** The verdict a holder leaves for its result; a 404 or 410 with a TTL may be reused by newcomers until it expires. */
export function verdictOf(result: RequestResult, notFoundTtlSeconds: number, now: number): Verdict {
  switch (result.outcome) {
    case 'stored':
    case 'exists':
      return { stored: true };
    case 'not-found':
    case 'origin-client-error': {
      const verdict = verdictForOriginStatus(result.status, notFoundTtlSeconds);
      if (verdict.mirror) return badGatewayVerdict(result);
      const until = verdict.outcome === 'not-found' && notFoundTtlSeconds > 0 ? now + notFoundTtlSeconds * 1000 : undefined;
      return { ...answerOf(verdict), until };
    }
    case 'rejected':
      // The key makes no origin URL (400, or 414): the waiters, on the same key, get the same answer.
      return answerOf(rejected(result.status === 414 ? 414 : 400, result.error ?? 'Bad Request'));
    case 'timeout':
      return answerOf(gatewayTimeout('The origin did not answer in time'));
    case 'deadline':
      return answerOf(deadlineExpired());
    case 'too-large':
      return answerOf(tooLarge());
    default:
      return badGatewayVerdict(result);
  }
}

/** 502 no-store for any other failure (the origin's, the store's, a bug): a waiter never gets a 200 without an object. */
function badGatewayVerdict(result: RequestResult): Verdict {
  const message = result.outcome === 'store-error' ? 'The object could not be stored' : 'The origin failed for this object';
  return answerOf(badGateway(result.outcome, message));
}

/** The answer's fields alone, as a verdict that stored nothing. */
function answerOf({ status, cacheControl, outcome, message }: Answer): Extract<Verdict, { stored: false }> {
  return { stored: false, status, cacheControl, outcome, message };
}

/** How often a holder that makes progress renews its lease: three times per stale age, so one late renewal costs nothing. */
export function renewIntervalMs(staleMs: number): number {
  return Math.max(1, Math.floor(staleMs / 3));
}

/** First pause of a waiter; each next one doubles, up to `MAX_POLL_MS`. */
export const FIRST_POLL_MS = 25;

/** Longest pause between two looks at the lease. */
export const MAX_POLL_MS = 250;

/** The pause before a waiter's `attempt`-th look again (0-based). */
export function pollDelay(attempt: number): number {
  return Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** Math.min(attempt, 10));
}
