/**
 * What one request did, in DESIGN.md's one vocabulary of outcomes: the record
 * its log line is written from, with everything a metric needs (outcome,
 * viewer status, bytes from the origin, origin latency, time to store, and
 * whether the object was streamed or redirected).
 */

/** How a request ended. */
export type Outcome =
  /** The object was fetched and stored. */
  | 'stored'
  /** The conditional write found the object already there (412/409); the viewer was still answered. */
  | 'exists'
  /** Single-flight: another request held the key; this one answered from S3 or with the holder's verdict, no fetch. */
  | 'waited'
  /** Prewarm, coverage: already in the bucket; no origin request. */
  | 'present'
  /** Coverage (and refresh of a listed key): not in the bucket. */
  | 'missing'
  /** Refresh: the origin answered 304 to the stored copy's validators. */
  | 'unchanged'
  /** Refresh: new bytes stored over exactly the version that was checked (`If-Match`). */
  | 'updated'
  /** Refresh: the object changed in S3 since it was checked (`If-Match` failed); nothing stored. */
  | 'conflict'
  /** Refresh: the origin answered 404 or 410 for a stored object (reported, never deleted). */
  | 'gone'
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

/** How the viewer got a stored object: the body as it arrived, or a redirect to the bucket once stored. */
export type Delivery = 'streamed' | 'redirected';

/** A viewer request's part in single-flight (DESIGN.md, "Round 2: single-flight"). */
export interface SingleFlightRecord {
  /**
   * `holder`: took the key's lease and fetched (also after a holder that was done, with a verdict it could not use or
   * an object since removed); `took-over`: took over a lease whose holder was gone or stalled, and fetched; `waiter`:
   * answered without a fetch; `unavailable`: the lease table failed, so it fetched without a lease.
   */
  readonly role: 'holder' | 'took-over' | 'waiter' | 'unavailable';
  /** Milliseconds spent waiting for another request's lease. */
  readonly waitedMs?: number;
  /** A waiter's: the holder's outcome it answered with (`stored` when it answered from the bucket). */
  readonly holderOutcome?: Outcome;
  /** What went wrong with the lease table, in one line. */
  readonly error?: string;
}

/** What one request (or one job item) did. */
export interface RequestResult {
  /** The S3 key (absent when the path was rejected). */
  readonly key?: string;
  /** The raw path, when no key could be derived from it (cut to 256 characters). */
  readonly path?: string;
  readonly outcome: Outcome;
  /** Status the viewer got (the prelude's status when the body was then aborted); without a viewer, the status it would have got. */
  readonly status: number;
  /** Whether a response already streaming was aborted. */
  readonly aborted?: boolean;
  /** The origin's final status code. */
  readonly originStatus?: number;
  /** Redirects followed at the origin. */
  readonly redirects?: number;
  /** Body bytes received from the origin. */
  readonly bytes: number;
  /** Milliseconds until the origin's final response headers (its first-byte latency). */
  readonly originMs?: number;
  /** Milliseconds from the first write to S3 (PutObject or CreateMultipartUpload) to S3's confirmation or refusal. */
  readonly storeMs?: number;
  /** How the viewer got the object, when it got it from this request. */
  readonly delivery?: Delivery;
  /** Origin headers not copied to S3 because S3 cannot store their values. */
  readonly droppedHeaders?: readonly string[];
  /** What went wrong, in one line. */
  readonly error?: string;
  /** Its part in single-flight, when the mirror has a lease table. */
  readonly singleFlight?: SingleFlightRecord;
}
