/**
 * Error helpers that hold across realms: errors thrown by Node.js itself are
 * not `instanceof Error` inside a vm context (as under Jest), only error-like.
 */

/** `err` as an Error: itself when it looks like one, else wrapped. */
export function toError(err: unknown): Error {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return err as Error;
  return new Error(String(err));
}

/** `name: message` of `err`, for a log line. */
export function errorMessage(err: unknown): string {
  const error = toError(err);
  return `${error.name}: ${error.message}`;
}
