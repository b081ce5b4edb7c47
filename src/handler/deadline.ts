/**
 * The request's own deadline: a request gives up a little before Lambda
 * would stop the function, so that an upload is aborted and the request
 * logged rather than cut off mid-write; and the short grace that dropping
 * the upload may still take after it.
 */
import { toError } from './errors';

/**
 * Time kept back at the end of an invocation (at most a fifth of it): the store stops this long before Lambda
 * would stop the function, so the multipart upload is aborted and the request logged rather than cut off mid-write.
 */
export const DEADLINE_MARGIN_MS = 5_000;

/** How long dropping an upload may run past the deadline, unless the time kept back is shorter. */
export const ABORT_UPLOAD_TIMEOUT_MS = 2_000;

/** Milliseconds from the start of an invocation until its store must give up, given the time it had left. */
export function deadlineAfter(remainingMs: number): number {
  return Math.max(0, remainingMs - Math.min(DEADLINE_MARGIN_MS, Math.floor(remainingMs / 5)));
}

/** The function's time ran out before the store was confirmed. */
export class DeadlineError extends Error {
  constructor() {
    // A PutObject or CompleteMultipartUpload cancelled at the deadline may still have been committed by S3.
    super('the function\'s time (handlerTimeout) ran out before the store was confirmed');
    this.name = 'DeadlineError';
  }
}

/** One request's deadline. */
export interface RequestDeadline {
  /** Aborts with a `DeadlineError` when the request must give up (never, when the time left is unknown). */
  readonly signal: AbortSignal;
  /** How long dropping the upload may take after the deadline (the store's default when undefined). */
  readonly abortGraceMs?: number;
  /** Stops the timer (the request is done). */
  clear(): void;
}

/** Starts the deadline of a request that has `remainingMs` left (Lambda's `getRemainingTimeInMillis`). */
export function startDeadline(remainingMs: number | undefined): RequestDeadline {
  const controller = new AbortController();
  if (remainingMs === undefined) return { signal: controller.signal, clear: () => undefined };
  const stopAfterMs = deadlineAfter(remainingMs);
  const timer = setTimeout(() => controller.abort(new DeadlineError()), stopAfterMs);
  // Half the time kept back may go to dropping the upload after the deadline; the other half to logging.
  const abortGraceMs = Math.min(ABORT_UPLOAD_TIMEOUT_MS, Math.floor((remainingMs - stopAfterMs) / 2));
  return { signal: controller.signal, abortGraceMs, clear: () => clearTimeout(timer) };
}

/** A signal that aborts `graceMs` after `deadline` does (whenever that is), and how to let go of it. */
export interface GraceSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * The limit of a clean-up request that runs past the deadline (an AbortMultipartUpload): the S3 client's own
 * timeouts and retries would outlast the function.
 */
export function graceAfter(deadline: AbortSignal, graceMs: number = ABORT_UPLOAD_TIMEOUT_MS): GraceSignal {
  const limit = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const start = (): void => {
    timer = setTimeout(() => limit.abort(toError(deadline.reason)), graceMs);
  };
  if (deadline.aborted) start();
  else deadline.addEventListener('abort', start, { once: true });
  return {
    signal: limit.signal,
    dispose: () => {
      clearTimeout(timer);
      deadline.removeEventListener('abort', start);
    },
  };
}
