/**
 * What the viewer gets for each origin answer and failure: DESIGN.md's status
 * table, as data. Pure.
 */
import { DeadlineError } from './deadline';
import { BodyLengthError } from './length-guard';
import { isTimeoutError } from './origin';
import type { Outcome } from './result';

/** Cache-Control of answers that must never be cached. */
export const NO_STORE = 'no-store';

/** An answer that carries no object. */
export interface Answer {
  /** Status code for the viewer. */
  readonly status: number;
  /** Cache-Control for the viewer. */
  readonly cacheControl: string;
  /** How the request ended, for the log. */
  readonly outcome: Outcome;
  /** A short text body. */
  readonly message: string;
}

/** What to do with the origin's final (not followed) status: mirror the object, or answer without it. */
export type OriginVerdict = { readonly mirror: true } | ({ readonly mirror: false } & Answer);

/**
 * The verdict for an origin status code. `revalidating`: the request carried the stored copy's validators
 * (`if-none-match` / `if-modified-since`), so a 304 says it is unchanged; otherwise a 304 is unexpected.
 */
export function verdictForOriginStatus(status: number, notFoundTtlSeconds: number, revalidating: boolean = false): OriginVerdict {
  if (status === 200) return { mirror: true };
  if (status === 304 && revalidating) return { mirror: false, status, cacheControl: NO_STORE, outcome: 'unchanged', message: 'Not Modified' };
  if (status === 404 || status === 410) {
    return {
      mirror: false,
      status,
      cacheControl: `public, max-age=${notFoundTtlSeconds}`,
      outcome: 'not-found',
      message: status === 404 ? 'Not Found' : 'Gone',
    };
  }
  if (status >= 400 && status < 500) {
    return { mirror: false, status, cacheControl: NO_STORE, outcome: 'origin-client-error', message: `The origin answered ${status}` };
  }
  // Other 2xx (206, 204 …), 3xx that were not followed, 5xx and anything unknown.
  return badGateway('origin-error', `The origin answered ${status}`);
}

/** 502 for a failure of the origin (connection error, truncated body, 5xx …), of the store, or an object too large. */
export function badGateway(outcome: Outcome, message: string): Answer & { readonly mirror: false } {
  return { mirror: false, status: 502, cacheControl: NO_STORE, outcome, message };
}

/** 504 for an origin that did not answer in time. */
export function gatewayTimeout(message: string): Answer {
  return { status: 504, cacheControl: NO_STORE, outcome: 'timeout', message };
}

/** 400 or 414 for a path that names no storable key, or that would leave the endpoint. */
export function rejected(status: 400 | 414, message: string): Answer {
  return { status, cacheControl: NO_STORE, outcome: 'rejected', message };
}

/** 504 when the function's own time ran out. */
export function deadlineExpired(): Answer {
  return { status: 504, cacheControl: NO_STORE, outcome: 'deadline', message: 'The object could not be stored in the time this function has' };
}

/** 502 for an object over `maxObjectSize`. */
export function tooLarge(): Answer {
  return badGateway('too-large', 'The object is larger than this mirror takes');
}

/** The answer when the origin request failed before its response headers. */
export function fetchFailure(err: unknown): Answer {
  if (err instanceof DeadlineError) return deadlineExpired();
  return isTimeoutError(err) ? gatewayTimeout('The origin did not answer in time') : badGateway('origin-error', 'The origin could not be reached');
}

/** The answer for an origin body that failed (or time that ran out) before the object was whole. */
export function bodyFailure(err: unknown): Answer {
  if (err instanceof DeadlineError) return deadlineExpired();
  if (err instanceof BodyLengthError) {
    return err.problem === 'too-large' ? tooLarge() : badGateway('origin-error', 'The origin sent an incomplete object');
  }
  return isTimeoutError(err) ? gatewayTimeout('The origin stopped sending the object') : badGateway('origin-error', 'The origin failed while sending the object');
}
