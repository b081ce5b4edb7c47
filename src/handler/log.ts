/**
 * The handler's log: one JSON line per request on stdout, which Lambda sends
 * to CloudWatch Logs (queryable with Logs Insights).
 */

/** How a request ended. */
export type Outcome =
  /** The object was fetched and stored. */
  | 'stored'
  /** The conditional write found the object already there (412/409); the viewer was still answered. */
  | 'exists'
  /** The origin answered 404 or 410. */
  | 'not-found'
  /** The path names no storable key, or would leave the endpoint (400/414). */
  | 'rejected'
  /** The origin answered another 4xx, passed on uncached. */
  | 'origin-client-error'
  /** 5xx, connection error, truncated body, unexpected status, refused redirect. */
  | 'origin-error'
  /** The origin was too slow (connect, headers or body idle timeout). */
  | 'timeout'
  /** The function's own time ran out before the store was confirmed; the upload was aborted (a commit S3 had already received may still land). */
  | 'deadline'
  /** The object is larger than `maxObjectSize`. */
  | 'too-large'
  /** S3 refused or failed the write; nothing was stored. */
  | 'store-error'
  /** A method other than GET, HEAD or OPTIONS. */
  | 'method-not-allowed'
  /** An OPTIONS request. */
  | 'options'
  /** A bug in the handler. */
  | 'internal-error';

/** One log line. */
export interface LogLine {
  readonly requestId?: string;
  readonly method: string;
  /** The S3 key (absent when the path was rejected). */
  readonly key?: string;
  /** The raw path, when no key could be derived from it (cut to 256 characters). */
  readonly path?: string;
  readonly outcome: Outcome;
  /** Status the viewer got (the prelude's status when the body was then aborted). */
  readonly status: number;
  /** Whether a response already streaming was aborted. */
  readonly aborted?: boolean;
  /** The origin's final status code. */
  readonly originStatus?: number;
  /** Redirects followed at the origin. */
  readonly redirects?: number;
  /** Body bytes received from the origin. */
  readonly bytes: number;
  /** Milliseconds until the origin's final response headers. */
  readonly originMs?: number;
  /** Milliseconds for the whole request, store included. */
  readonly totalMs: number;
  /** Origin headers not copied to S3 because S3 cannot store their values. */
  readonly droppedHeaders?: readonly string[];
  /** What went wrong, in one line. */
  readonly error?: string;
}

/** Where log lines go. */
export type Logger = (line: LogLine) => void;

/** Writes `line` as one JSON line on stdout. */
export const jsonLogger: Logger = (line) => {
  console.log(JSON.stringify(line));
};
