/**
 * The body's way from the origin into S3 and, when there is a viewer, to the
 * viewer: the read-ahead that learns whether an object of unknown length is
 * small, the stream-or-store decision, and the delivery of each chunk (the
 * viewer's writes never wait; only S3 holds the origin back). A body that
 * fails, or time that runs out, aborts the store: nothing partial is kept.
 */
import { pipeline } from 'node:stream';
import { toError } from './errors';
import { LengthGuard } from './length-guard';
import type { OriginResponse } from './origin';
import { objectHeaders, ViewerResponse } from './respond';
import { ObjectStore, StoreResult, StoreTarget } from './store';
import { DEFAULT_CONTENT_TYPE } from './stored-headers';

/** The viewer of a transfer, when there is one. */
export interface TransferViewer {
  readonly response: ViewerResponse;
  /** HEAD: the viewer gets headers only, so nothing is streamed. */
  readonly headOnly: boolean;
}

/** One object to move. */
export interface TransferRequest {
  /** The origin's 200. */
  readonly origin: OriginResponse;
  /** The origin's Content-Length, if declared. */
  readonly declared?: number;
  /** Where the object is stored (its `signal` is the request's deadline). */
  readonly store: Omit<StoreTarget, 'contentLength' | 'signal'> & { readonly signal: AbortSignal };
  /** Largest object streamed to the viewer; a larger one is stored first. */
  readonly streamThreshold: number;
  readonly viewer?: TransferViewer;
}

/** How the transfer ended. */
export interface Transferred {
  /** Body bytes received from the origin. */
  readonly bytes: number;
  /** Whether the body went to the viewer as it arrived. */
  readonly streamed: boolean;
  /** Whether the origin sent the body encoded (never streamed; see `isEncoded`). */
  readonly encoded: boolean;
  /** How the store ended, when the whole body arrived in time. */
  readonly store?: StoreResult;
  /** Why the body never arrived whole (origin failure, wrong length, or the deadline): nothing was stored. */
  readonly failure?: Error;
}

/** Moves the origin's body into S3, streaming it to the viewer when it is small enough to be worth it. */
export async function transfer(req: TransferRequest): Promise<Transferred> {
  const { origin, viewer, declared } = req;
  const deadline = req.store.signal;
  const guard = new LengthGuard({ declaredLength: declared, maxBytes: req.store.maxBytes });
  // pipeline() destroys the origin body when the guard is destroyed, and fails the guard when the body fails.
  pipeline(origin.body, guard, () => undefined);
  const source = guard[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let store: ObjectStore | undefined;
  let bytes = 0;
  const progress = req.store.progress;
  // Stop before Lambda does: an upload cut off by the platform is neither completed nor aborted, and not logged.
  const expired = (): Error => toError(deadline.reason);
  const onDeadline = (): void => {
    guard.destroy(expired());
    store?.interrupt(expired());
  };
  deadline.addEventListener('abort', onDeadline, { once: true });
  const stopDeadline = (): void => deadline.removeEventListener('abort', onDeadline);
  if (deadline.aborted) onDeadline();

  // An encoded body is never streamed through the function URL, which does not pass it as sent (see `isEncoded`).
  const encoded = isEncoded(origin.headers['content-encoding']);
  const mayStream = viewer !== undefined && !viewer.headOnly && !encoded;
  let streaming = false;
  try {
    // Unknown length: read ahead up to the threshold to learn whether the object is small.
    const head: Buffer[] = [];
    let length = declared;
    if (length === undefined && mayStream) {
      while (bytes <= req.streamThreshold) {
        const next = await source.next();
        if (next.done) {
          length = bytes;
          break;
        }
        head.push(next.value);
        bytes += next.value.length;
        progress?.moved(next.value.length);
      }
    }
    streaming = mayStream && length !== undefined && length <= req.streamThreshold;
    const writer = (store = new ObjectStore({ ...req.store, contentLength: length }));

    const contentType = req.store.headers.contentType ?? DEFAULT_CONTENT_TYPE;
    if (streaming) viewer!.response.begin(200, objectHeaders(origin.headers, contentType, length!));
    const deliver = (chunk: Buffer): Promise<void> | undefined => {
      if (streaming) viewer!.response.write(chunk);
      // Only S3 holds the origin back: the viewer's writes never wait.
      return writer.write(chunk);
    };
    // Let go of each read-ahead chunk once delivered: the store has copied it, and the viewer's stream holds its own.
    for (let chunk = head.shift(); chunk; chunk = head.shift()) await deliver(chunk);
    for (let next = await source.next(); !next.done; next = await source.next()) {
      bytes += next.value.length;
      progress?.moved(next.value.length);
      // A large object is only worth fetching while it can still be stored.
      if (!streaming && writer.failed) break;
      const wait = deliver(next.value);
      if (wait) await wait;
    }
    if (deadline.aborted) throw expired();

    // The viewer has every byte, checked against Content-Length: a failed store must not break its answer.
    if (streaming) viewer!.response.end();
    // Only now, after the guard checked the length, may the store complete.
    const result = await writer.end();
    stopDeadline();
    if (result.outcome === 'store-error') {
      guard.destroy();
      // Not streamed: time running out is the request's failure, not the store's.
      if (!streaming && deadline.aborted) throw expired();
    }
    return { bytes, streamed: streaming, encoded, store: result };
  } catch (err) {
    // The origin failed (connection, timeout, wrong length) or time ran out before the end: the store is aborted, nothing is kept.
    stopDeadline();
    const failure = toError(err);
    guard.destroy();
    if (store) await store.abort(failure);
    return { bytes, streamed: streaming, encoded, failure };
  }
}

/**
 * Whether the origin sent the body encoded (gzip, br, ...). Such a body is stored as received and the
 * viewer is redirected to it, as for a large object: a function URL in streaming mode decodes an encoded
 * body on its way out and drops its Content-Encoding, so the viewer would not get what was stored (the
 * Content-Length sent would not match either). S3 serves the stored object with its Content-Encoding.
 */
export function isEncoded(value: string | string[] | undefined): boolean {
  const codings = (Array.isArray(value) ? value.join(',') : value ?? '').split(',').map((coding) => coding.trim().toLowerCase());
  return codings.some((coding) => coding !== '' && coding !== 'identity');
}
