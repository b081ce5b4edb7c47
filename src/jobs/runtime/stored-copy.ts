/**
 * What the mirror bucket holds for a key, read without the origin: whether it is there, its S3 ETag (the version a
 * refresh may replace, with `If-Match`), the origin's validators kept in its metadata, and (for a copy stored without
 * validators) the digest of its bytes.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { OriginValidators } from '../../handler/fetch-store';

/** A stored object's version and validators. */
export interface StoredCopy {
  /** The S3 ETag, quotes included, as `If-Match` takes it. */
  readonly etag: string;
  readonly size: number;
  /** The origin's ETag and Last-Modified when it was stored (none when the origin sent neither). */
  readonly validators?: OriginValidators;
}

/** A stored object's bytes, summed up. */
export interface StoredDigest {
  readonly sha256: string;
  readonly size: number;
}

/** The stored copy of `key`, or undefined when the bucket has none (HeadObject 404: the role may list the bucket). */
export async function headStored(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<StoredCopy | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const etag = head.Metadata?.['origin-etag'];
    const lastModified = head.Metadata?.['origin-last-modified'];
    const validators = etag || lastModified ? { etag, lastModified } : undefined;
    return { etag: head.ETag ?? '', size: head.ContentLength ?? 0, validators };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The digest of exactly the version `etag`, or `changed` when the key holds another version (or none) by now. */
export async function storedDigest(s3: S3Client, bucket: string, key: string, etag: string, signal?: AbortSignal): Promise<StoredDigest | 'changed'> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }), { abortSignal: signal });
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of got.Body as Readable) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), size };
  } catch (err) {
    if (isNotFound(err) || statusOf(err) === 412) return 'changed';
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return statusOf(err) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
