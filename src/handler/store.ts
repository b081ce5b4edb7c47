/**
 * The write to S3, streamed and atomic: one conditional PutObject for an
 * object that fits in one part, otherwise a multipart upload completed
 * conditionally (`If-None-Match: *`) once every byte arrived, and aborted on
 * any failure. A body that fails before it ends stores nothing.
 *
 * Parts are assembled in a small pool of reused buffers ((queueSize + 1) ×
 * partSize at most). `@aws-sdk/lib-storage` allocates and copies a fresh
 * buffer per part; that garbage is only collected every ~64 MiB of external
 * memory, which alone broke the flat-memory target (`npx projen bench`). The
 * socket's read buffers are garbage too once copied: a young-generation GC
 * after each part (see memory.ts) frees them.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  PutObjectCommandInput,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { MAX_PARTS, partSizeFor, UPLOAD_QUEUE_SIZE } from '../config';
import { toError } from './errors';
import { collectYoungGarbage } from './memory';

/** Parts uploaded at the same time: two keep Lambda → S3 ahead of one origin connection, in 15 MiB of parts. */
export const DEFAULT_QUEUE_SIZE = UPLOAD_QUEUE_SIZE;

/** How a store ended. */
export type StoreOutcome = 'stored' | 'exists' | 'store-error';

/** The result of a store (never a rejection). */
export interface StoreResult {
  readonly outcome: StoreOutcome;
  /** The failure, for `exists` and `store-error`. */
  readonly error?: Error;
}

/** The origin's representation headers, as S3 keeps them. */
export interface StoredHeaders {
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  readonly expires?: Date;
  /** User metadata (`x-amz-meta-*`): the origin's ETag and Last-Modified. */
  readonly metadata: Readonly<Record<string, string>>;
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
  /** Parts in flight at once (default 2). */
  readonly queueSize?: number;
  /**
   * When this aborts (the function's deadline), every S3 request still running is cancelled and the store
   * fails. The upload is dropped with a request of its own, which may run `abortGraceMs` past the deadline.
   */
  readonly signal?: AbortSignal;
  /** How long the AbortMultipartUpload may run past `signal` (default `ABORT_UPLOAD_TIMEOUT_MS`); it must fit in the time kept back. */
  readonly abortGraceMs?: number;
}

/** Default of `StoreTarget.abortGraceMs`. */
export const ABORT_UPLOAD_TIMEOUT_MS = 2_000;

/** One object to store from a stream. */
export interface StoreRequest extends StoreTarget {
  /** The body; when it fails, the store fails and nothing is kept. */
  readonly body: Readable;
}

/**
 * Stores the object read from `req.body`. Resolves once S3 has it (`stored`),
 * found it already there (`exists`), or the write failed and any multipart
 * upload was aborted (`store-error`, also what a failed body gives).
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
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private readonly waiting: Array<() => void> = [];
  private current?: Buffer;
  private filled = 0;
  private uploadId?: Promise<string>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly parts: CompletedPart[] = [];
  private nextPartNumber = 1;
  private failure?: Error;
  private aborting?: Promise<StoreResult>;

  constructor(private readonly target: StoreTarget) {
    this.partSize = partSizeFor(target.contentLength ?? target.maxBytes);
    this.queueSize = target.queueSize ?? DEFAULT_QUEUE_SIZE;
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
      await this.finish();
      return { outcome: 'stored' };
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
    for (const wake of this.waiting.splice(0)) wake();
    if (this.uploadId) {
      // S3 keeps parts that land after an abort: wait for those in flight first. (A part the deadline cancelled
      // is no longer waited for; if its bytes had all gone, S3 may still keep it: the bucket's lifecycle rule
      // for incomplete uploads is what removes such parts.)
      await Promise.allSettled(this.inFlight);
      const uploadId = await this.uploadId.catch(() => undefined);
      if (uploadId !== undefined) {
        const abort = new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: uploadId });
        const limit = this.abortLimit();
        try {
          await this.target.s3.send(abort, limit ? { abortSignal: limit.signal } : undefined).catch(() => undefined);
        } finally {
          limit?.dispose();
        }
      }
    }
    const error = this.failure!;
    return { outcome: isAlreadyThere(error) ? 'exists' : 'store-error', error };
  }

  /**
   * A signal that ends the AbortMultipartUpload `abortGraceMs` after the deadline (whenever the deadline comes):
   * the S3 client's own timeouts and retries would outlast the function.
   */
  private abortLimit(): { readonly signal: AbortSignal; dispose(): void } | undefined {
    const deadline = this.target.signal;
    if (!deadline) return undefined;
    const limit = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const start = (): void => {
      timer = setTimeout(() => limit.abort(toError(deadline.reason)), this.target.abortGraceMs ?? ABORT_UPLOAD_TIMEOUT_MS);
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

  /** Copies from `offset` while there is room; returns where it stopped. */
  private copy(chunk: Buffer, offset: number): number {
    while (offset < chunk.length && this.failure === undefined) {
      if (this.current && this.filled === this.partSize) {
        // Only now is it certain the full buffer is not the last part.
        if (this.inFlight.size >= this.queueSize) return offset;
        this.uploadPart(this.current, this.filled);
        this.current = undefined;
      }
      if (!this.current) {
        const buffer = this.takeBuffer();
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
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        offset = this.copy(chunk, offset);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private async finish(): Promise<void> {
    const params = this.objectParams();
    if (!this.uploadId) {
      const body = this.current ? this.current.subarray(0, this.filled) : Buffer.alloc(0);
      await this.target.s3.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length, IfNoneMatch: '*' }), this.sendOptions());
      return;
    }
    if (this.current && this.filled > 0) {
      while (this.inFlight.size >= this.queueSize) await Promise.race(this.inFlight);
      this.throwIfFailed();
      this.uploadPart(this.current, this.filled);
    }
    this.current = undefined;
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.target.s3.send(new CompleteMultipartUploadCommand({
      Bucket: params.Bucket,
      Key: params.Key,
      UploadId: await this.uploadId,
      MultipartUpload: { Parts: parts },
      IfNoneMatch: '*',
    }), this.sendOptions());
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

  private uploadPart(buffer: Buffer, length: number): void {
    const partNumber = this.nextPartNumber++;
    if (partNumber > MAX_PARTS) throw new Error(`the object needs more than ${MAX_PARTS} parts of ${this.partSize} bytes`);
    // The read buffers copied into this part are garbage now: collect them before the next part's arrive.
    collectYoungGarbage();
    const uploadId = (this.uploadId ??= this.createUpload());
    const upload = uploadId
      .then((UploadId) => this.target.s3.send(new UploadPartCommand({
        Bucket: this.target.bucket, Key: this.target.key, UploadId, PartNumber: partNumber, Body: buffer.subarray(0, length),
      }), this.sendOptions()))
      .then((out) => {
        this.parts.push({
          PartNumber: partNumber,
          ETag: out.ETag,
          ChecksumCRC32: out.ChecksumCRC32,
          ChecksumCRC32C: out.ChecksumCRC32C,
          ChecksumCRC64NVME: out.ChecksumCRC64NVME,
          ChecksumSHA1: out.ChecksumSHA1,
          ChecksumSHA256: out.ChecksumSHA256,
        });
      })
      .catch((err) => this.fail(err))
      .finally(() => {
        this.inFlight.delete(upload);
        // The part is in S3 (or failed): its buffer can take the next one.
        this.free.push(buffer);
        for (const wake of this.waiting.splice(0)) wake();
      });
    this.inFlight.add(upload);
  }

  private async createUpload(): Promise<string> {
    // As lib-storage does: with the SDK's default checksums on, parts carry a CRC32 that S3 checks at completion.
    const checksums = await this.target.s3.config.requestChecksumCalculation();
    const out = await this.target.s3.send(new CreateMultipartUploadCommand({
      ...this.objectParams(),
      ChecksumAlgorithm: checksums === 'WHEN_SUPPORTED' ? 'CRC32' : undefined,
    }), this.sendOptions());
    if (!out.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    return out.UploadId;
  }

  /** A free part buffer, a new one while the pool is not full (queueSize in flight + one filling), or none. */
  private takeBuffer(): Buffer | undefined {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    if (this.allocated > this.queueSize) return undefined;
    this.allocated++;
    // Untouched pages of a part not filled yet cost no memory.
    return Buffer.allocUnsafeSlow(this.partSize);
  }

  private fail(err: unknown): void {
    this.failure ??= toError(err);
    for (const wake of this.waiting.splice(0)) wake();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Whether S3 refused the conditional write because the key is taken (412) or being written (409). */
export function isAlreadyThere(err: unknown): boolean {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  return e?.$metadata?.httpStatusCode === 412 || e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict';
}

const VISIBLE_ASCII = /^[\x20-\x7e\t]*$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';
/** RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must also accept. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** The instant an HTTP date names, in any of its three forms; undefined when `text` is none of them. */
export function parseHttpDate(text: string, now: Date = new Date()): Date | undefined {
  let day: string, month: string, year: number, time: string[];
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    [, day, month] = match;
    year = Number(match[3]);
    time = match.slice(4, 7);
  } else if ((match = RFC_850_DATE.exec(text))) {
    [, day, month] = match;
    // A two-digit year more than 50 years ahead is the most recent past year with those digits.
    const century = Math.floor(now.getUTCFullYear() / 100) * 100;
    year = century + Number(match[3]);
    if (year > now.getUTCFullYear() + 50) year -= 100;
    time = match.slice(4, 7);
  } else if ((match = ASCTIME_DATE.exec(text))) {
    month = match[1];
    day = match[2];
    time = match.slice(3, 6);
    year = Number(match[6]);
  } else {
    return undefined;
  }
  const [hours, minutes, seconds] = time.map(Number);
  const date = new Date(Date.UTC(year, MONTHS.indexOf(month), Number(day), hours, minutes, seconds));
  // 31 Feb, 25:00 and the like are no date.
  if (date.getUTCDate() !== Number(day) || hours > 23 || minutes > 59 || seconds > 60) return undefined;
  return date;
}

/**
 * The S3 headers for the origin's response headers. Values S3 cannot take
 * (non-ASCII) are left out and named in `dropped`.
 */
export function storedHeaders(
  origin: Readonly<Record<string, string | string[] | undefined>>,
): { readonly headers: StoredHeaders; readonly dropped: string[] } {
  const dropped: string[] = [];
  const pick = (name: string): string | undefined => {
    const raw = origin[name];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value === undefined) return undefined;
    if (!VISIBLE_ASCII.test(value)) {
      dropped.push(name);
      return undefined;
    }
    return value;
  };
  const expiresText = pick('expires');
  // RFC 9111 §5.3: an Expires that is not an HTTP date (often "0" or "-1") means already expired.
  const expires = expiresText === undefined ? undefined : parseHttpDate(expiresText) ?? new Date(0);
  const metadata: Record<string, string> = {};
  const etag = pick('etag');
  if (etag !== undefined) metadata['origin-etag'] = etag;
  const lastModified = pick('last-modified');
  if (lastModified !== undefined) metadata['origin-last-modified'] = lastModified;
  return {
    headers: {
      contentType: pick('content-type') ?? DEFAULT_CONTENT_TYPE,
      cacheControl: pick('cache-control'),
      contentDisposition: pick('content-disposition'),
      contentEncoding: pick('content-encoding'),
      contentLanguage: pick('content-language'),
      expires,
      metadata,
    },
    dropped,
  };
}

/** Content type of an object the origin sent without one (S3 would otherwise say `binary/octet-stream`). */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
