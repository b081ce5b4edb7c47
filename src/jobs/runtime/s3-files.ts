/**
 * The run's files in S3, read and written as streams: a manifest or a result file is read piece by piece, and an
 * items file or a CSV report of any length is written through the handler's own never-partial store (one PUT, or a
 * multipart upload completed only when every byte was written).
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ObjectStore } from '../../handler/store';

/** Largest file written here: sizes the parts (5 MiB each up to about 48 GiB). */
const MAX_FILE_BYTES = 48 * 1024 * 1024 * 1024;
/** Text is gathered into pieces of this size before it is handed to the store. */
const WRITE_PIECE_BYTES = 256 * 1024;

/** The object's body, piece by piece. */
export async function* readObject(s3: S3Client, bucket: string, key: string): AsyncGenerator<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  for await (const chunk of got.Body as Readable) yield chunk as Buffer;
}

/** The whole object as text (for small files: a manifest.json). */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const piece of readObject(s3, bucket, key)) pieces.push(piece);
  return Buffer.concat(pieces).toString('utf8');
}

/** Each line of the object (`\n`-separated, blank lines skipped). */
export async function* readLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const piece of readObject(s3, bucket, key)) {
    const lines = (rest + decoder.decode(piece, { stream: true })).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') yield line;
  }
  rest += decoder.decode();
  if (rest.trim() !== '') yield rest;
}

/** Every key under `prefix`. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Writes a small text object whole (a summary). */
export async function putText(s3: S3Client, bucket: string, key: string, text: string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType }));
}

/** A text file written as a stream; nothing is stored unless `close()` completes. */
export class TextFileWriter {
  private readonly store: ObjectStore;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes written so far. */
  public bytes = 0;

  constructor(s3: S3Client, bucket: string, private readonly key: string, contentType: string) {
    this.store = new ObjectStore({ s3, bucket, key, maxBytes: MAX_FILE_BYTES, headers: { contentType, metadata: {} } });
  }

  /** Adds `text`; waits only when the store pushes back. */
  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= WRITE_PIECE_BYTES) await this.flush();
  }

  /**
   * Stores the file. A file already there under this name (a retried step wrote it from the same input) is kept:
   * the store never overwrites (`If-None-Match: *`).
   */
  async close(): Promise<void> {
    await this.flush();
    const result = await this.store.end();
    if (result.outcome === 'store-error') throw new Error(`writing ${this.key}: ${result.error?.message}`);
  }

  /** Stores nothing (a started multipart upload is dropped). */
  async abort(reason: Error): Promise<void> {
    this.pending = [];
    await this.store.abort(reason);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const piece = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.bytes += piece.length;
    await this.store.write(piece);
  }
}
