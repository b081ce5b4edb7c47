/**
 * The write to S3, streamed and atomic: one conditional PutObject for an
 * object that fits in one part, otherwise a multipart upload completed
 * conditionally (see precondition.ts) once every byte arrived, and aborted on
 * any failure. A body that fails before it ends stores nothing.
 *
 * Parts are assembled in a small pool of reused buffers ((queueSize + 1) ×
 * partSize at most, see part-pool.ts). The socket's read buffers are garbage
 * once copied: a young-generation GC after each part (see memory.ts) frees them.
 */
import type { Readable } from 'node:stream';
import { PutObjectCommand, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { MAX_PARTS, partSizeFor, UPLOAD_QUEUE_SIZE } from '../config';
import { graceAfter } from './deadline';
import { toError } from './errors';
import { collectYoungGarbage } from './memory';
import { MultipartUpload, UPLOAD_CHECKSUM } from './multipart';
import { PartPool } from './part-pool';
import { conditionParams, CREATE_ONLY, isPreconditionFailure, StorePrecondition } from './precondition';
import type { HolderProgress } from './progress';
import type { StoredHeaders } from './stored-headers';

// bench/ imports these from here (kept until it imports stored-headers.ts itself).
export { storedHeaders, type StoredHeaders } from './stored-headers';

/** Parts uploaded at the same time: two keep Lambda → S3 ahead of one origin connection, in 15 MiB of parts. */
export const DEFAULT_QUEUE_SIZE = UPLOAD_QUEUE_SIZE;

/** How a store ended: committed, refused by its precondition (nothing written), or failed (nothing written). */
export type StoreOutcome = 'stored' | 'precondition-failed' | 'store-error';

/** The result of a store (never a rejection). */
export interface StoreResult {
  readonly outcome: StoreOutcome;
  /** The failure, for `precondition-failed` and `store-error`. */
  readonly error?: Error;
  /** The stored object's S3 ETag, when S3 returned one. */
  readonly etag?: string;
  /** Milliseconds from the first write request (PutObject or CreateMultipartUpload) to S3's answer to the last. */
  readonly storeMs?: number;
}

/** Where and how an object is stored. */
export interface StoreTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** The exact length, when the origin declared it. */
  readonly contentLength?: number;
  /** Largest body expected (sizes the parts when the length is unknown). */
  readonly maxBytes: number;
  readonly headers: StoredHeaders;
  /** What the commit requires of the key (default `If-None-Match: *`). */
  readonly precondition?: StorePrecondition;
  /** Parts in flight at once (default 2). */
  readonly queueSize?: number;
  /**
   * When this aborts (the function's deadline), every S3 request still running is cancelled and the store
   * fails. The upload is dropped with a request of its own, which may run `abortGraceMs` past the deadline.
   */
  readonly signal?: AbortSignal;
  /** How long the AbortMultipartUpload may run past `signal` (default `ABORT_UPLOAD_TIMEOUT_MS`); it must fit in the time kept back. */
  readonly abortGraceMs?: number;
  /** Milliseconds clock for `storeMs` (default `performance.now`). */
  readonly clock?: () => number;
  /** Counts the origin's bytes as they arrive and each part's as S3 takes it (a lease holder's heartbeat). */
  readonly progress?: HolderProgress;
}

/** One object to store from a stream. */
export interface StoreRequest extends StoreTarget {
  /** The body; when it fails, the store fails and nothing is kept. */
  readonly body: Readable;
}

/**
 * Stores the object read from `req.body`. Resolves once S3 has it (`stored`),
 * refused it by its precondition (`precondition-failed`), or the write failed
 * and any multipart upload was aborted (`store-error`, also what a failed body gives).
 */
export async function storeObject(req: StoreRequest): Promise<StoreResult> {
  const store = new ObjectStore(req);
  try {
    for await (const chunk of req.body) await store.write(chunk as Buffer);
  } catch (err) {
    return store.abort(toError(err));
  }
  return store.end();
}

/**
 * An object being written: `write()` each piece of the body, then `end()`, or
 * `abort()` to store nothing. Pieces are copied into pooled part buffers; a
 * full part is uploaded while the next fills, at most `queueSize` at a time.
 */
export class ObjectStore {
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly pool: PartPool;
  private readonly precondition: StorePrecondition;
  private readonly clock: () => number;
  private firstWriteAt?: number;
  private current?: Buffer;
  private filled = 0;
  private multipart?: MultipartUpload;
  private failure?: Error;
  private aborting?: Promise<StoreResult>;

  constructor(private readonly target: StoreTarget) {
    this.partSize = partSizeFor(target.contentLength ?? target.maxBytes);
    this.queueSize = target.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.pool = new PartPool(this.partSize, this.queueSize + 1);
    this.precondition = target.precondition ?? CREATE_ONLY;
    this.clock = target.clock ?? (() => performance.now());
  }

  /** Whether the store already failed (further writes are dropped; `end()` reports the failure). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /**
   * Copies `chunk` into the parts. Returns a promise only when it must wait
   * for a part buffer (S3's backpressure); never rejects.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    try {
      const offset = this.copy(chunk, 0);
      return offset < chunk.length ? this.writeRest(chunk, offset) : undefined;
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  /** After the last write: one PutObject if no part went yet, otherwise the last part and the conditional completion. */
  async end(): Promise<StoreResult> {
    try {
      this.throwIfFailed();
      const etag = await this.commit();
      return { outcome: 'stored', etag, storeMs: this.storeMs() };
    } catch (err) {
      this.fail(err);
      return this.abort(this.failure!);
    }
  }

  /**
   * Fails the store now: writes are dropped, a write waiting for a part buffer returns, and `end()` stores
   * nothing. Parts already in flight finish (unless `signal` cancelled them); `abort()` then drops the upload.
   */
  interrupt(reason: Error): void {
    this.fail(reason);
  }

  /** Stores nothing: fails the store and drops a started multipart upload (once, however often it is called). */
  abort(reason: Error): Promise<StoreResult> {
    this.fail(reason);
    return (this.aborting ??= this.dropUpload());
  }

  private async dropUpload(): Promise<StoreResult> {
    if (this.multipart) {
      // The abort may outlive the deadline by the grace only: the S3 client's own timeouts and retries would outlast the function.
      const limit = this.target.signal && graceAfter(this.target.signal, this.target.abortGraceMs);
      try {
        await this.multipart.abort(limit?.signal);
      } finally {
        limit?.dispose();
      }
    }
    const error = this.failure!;
    const outcome = isPreconditionFailure(error, this.precondition) ? 'precondition-failed' : 'store-error';
    return { outcome, error, storeMs: this.storeMs() };
  }

  /** Milliseconds since the first write request, if one was sent. */
  private storeMs(): number | undefined {
    return this.firstWriteAt === undefined ? undefined : Math.round(this.clock() - this.firstWriteAt);
  }

  /** Copies from `offset` while there is room; returns where it stopped. */
  private copy(chunk: Buffer, offset: number): number {
    while (offset < chunk.length && this.failure === undefined) {
      if (this.current && this.filled === this.partSize) {
        // Only now is it certain the full buffer is not the last part.
        if ((this.multipart?.pending ?? 0) >= this.queueSize) return offset;
        this.sendPart(this.current, this.filled);
        this.current = undefined;
      }
      if (!this.current) {
        const buffer = this.pool.take();
        if (!buffer) return offset;
        this.current = buffer;
        this.filled = 0;
      }
      const copied = chunk.copy(this.current, this.filled, offset);
      this.filled += copied;
      offset += copied;
    }
    return chunk.length;
  }

  private async writeRest(chunk: Buffer, offset: number): Promise<void> {
    try {
      while (offset < chunk.length && this.failure === undefined) {
        await this.pool.next();
        offset = this.copy(chunk, offset);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  /** Commits the object under the precondition; resolves with its S3 ETag. */
  private async commit(): Promise<string | undefined> {
    if (!this.multipart) {
      const body = this.current ? this.current.subarray(0, this.filled) : Buffer.alloc(0);
      this.firstWriteAt = this.clock();
      const put = new PutObjectCommand({
        ...this.objectParams(), Body: body, ContentLength: body.length, ChecksumAlgorithm: UPLOAD_CHECKSUM, ...conditionParams(this.precondition),
      });
      return (await this.target.s3.send(put, this.sendOptions())).ETag;
    }
    const upload = this.multipart;
    if (this.current && this.filled > 0) {
      while (upload.pending >= this.queueSize) await upload.oneSettled();
      this.throwIfFailed();
      this.sendPart(this.current, this.filled);
    }
    this.current = undefined;
    await upload.allSettled();
    this.throwIfFailed();
    return upload.complete(this.precondition);
  }

  /** Every write to S3 is cancelled when the store's signal aborts. */
  private sendOptions(): { abortSignal?: AbortSignal } | undefined {
    return this.target.signal ? { abortSignal: this.target.signal } : undefined;
  }

  private objectParams(): PutObjectCommandInput {
    const h = this.target.headers;
    return {
      Bucket: this.target.bucket,
      Key: this.target.key,
      ContentType: h.contentType,
      CacheControl: h.cacheControl,
      ContentDisposition: h.contentDisposition,
      ContentEncoding: h.contentEncoding,
      ContentLanguage: h.contentLanguage,
      Expires: h.expires,
      Metadata: Object.keys(h.metadata).length > 0 ? { ...h.metadata } : undefined,
    };
  }

  /** Sends a full buffer (or the last one) as the next part; the buffer returns to the pool once S3 has it. */
  private sendPart(buffer: Buffer, length: number): void {
    if ((this.multipart?.partCount ?? 0) >= MAX_PARTS) throw new Error(`the object needs more than ${MAX_PARTS} parts of ${this.partSize} bytes`);
    // The read buffers copied into this part are garbage now: collect them before the next part's arrive.
    collectYoungGarbage();
    if (!this.multipart) {
      this.firstWriteAt = this.clock();
      const onFailure = (err: unknown): void => this.fail(err);
      this.multipart = new MultipartUpload({ s3: this.target.s3, params: this.objectParams(), sendOptions: this.sendOptions(), onFailure });
    }
    this.multipart.sendPart(buffer.subarray(0, length), () => {
      this.pool.give(buffer);
      if (!this.failed) this.target.progress?.moved(length);
    });
  }

  private fail(err: unknown): void {
    this.failure ??= toError(err);
    this.pool.wake();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
