/**
 * S3's write semantics for s3rver: PutObject, UploadPart and
 * CompleteMultipartUpload are atomic (a reader sees the old object or the new
 * one, never a partial one; a body that fails, or fails its checksum, stores
 * nothing) and, where the local stack needs it (`startS3({ strict: true })`),
 * honour `If-None-Match: *` (412 PreconditionFailed when the key exists at
 * commit) and `If-Match: <ETag>` (412 when the key holds another version at
 * commit, 404 NoSuchKey when it holds none), as S3 does. s3rver writes objects
 * in place and ignores both conditions, which under concurrent misses serves
 * half-written objects and lets racing writers overwrite.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checksumStages } from './checksums';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error');

/** The conditions of the request being served, for the store to check at commit. */
const conditions = new AsyncLocalStorage<{ readonly ifNoneMatch?: string; readonly ifMatch?: string }>();

/** Runs `serve` (s3rver's handler for `req`) with `req`'s conditions visible to the store. */
export function withRequestConditions<T>(req: IncomingMessage, serve: () => T): T {
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  return conditions.run({ ifNoneMatch: header('if-none-match'), ifMatch: header('if-match') }, serve);
}

/** Commits of one key, one at a time: the check of its condition, the swap and its metadata are one step. */
const commits = new Map<string, Promise<unknown>>();

function oneAtATime<T>(objectPath: string, commit: () => Promise<T>): Promise<T> {
  const previous = commits.get(objectPath) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(commit);
  commits.set(objectPath, next);
  const settled = (): void => {
    if (commits.get(objectPath) === next) commits.delete(objectPath);
  };
  next.then(settled, settled);
  return next;
}

/** The stored version's MD5 (s3rver's ETag without quotes), or undefined when there is no object. */
function storedMd5(objectPath: string): string | undefined {
  if (!fs.existsSync(objectPath)) return undefined;
  try {
    return fs.readFileSync(`${objectPath}.md5`, 'utf8');
  } catch {
    return createHash('md5').update(fs.readFileSync(objectPath)).digest('hex');
  }
}

/** What s3rver hands its store to write. */
interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

/** The part of s3rver's FilesystemStore this module replaces or uses. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }>;
}

/**
 * Makes `s3rver`'s store write atomically: a body (through the checksum stages, see checksums.ts) goes to a
 * temporary file first, which is renamed into place only once every byte arrived and checked. With `conditional`,
 * `If-None-Match: *` is honoured: the file is linked into place only if the key does not exist. Multipart completion
 * goes through the same `putObject`.
 */
export function makeWritesAtomic(s3rver: { store: FilesystemStore }, options: { readonly conditional: boolean }): void {
  const store = s3rver.store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    const { ifNoneMatch, ifMatch } = (options.conditional ? conditions.getStore() : undefined) ?? {};
    return writeAtomically(objectPath, object.content, (temporary, digest) => oneAtATime(objectPath, async () => {
      if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*') {
        // link() fails if the key exists: the check and the commit are one step.
        try {
          fs.linkSync(temporary, objectPath);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw preconditionFailed('If-None-Match');
          throw err;
        }
      } else {
        if (ifMatch !== undefined) {
          const current = storedMd5(objectPath);
          if (current === undefined) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: object.key });
          const wanted = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, '').replace(/"/g, ''));
          if (!wanted.includes('*') && !wanted.includes(current)) throw preconditionFailed('If-Match');
        }
        fs.renameSync(temporary, objectPath);
      }
      await store.putMetadata(object.bucket, object.key, object.metadata, digest.md5);
    }));
  };
  // s3rver's own pipes the body without passing its errors on: a failed checksum would crash the process.
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const partPath = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    return writeAtomically(partPath, content, async (temporary, digest) => {
      fs.renameSync(temporary, partPath);
      await fs.promises.writeFile(`${partPath}.md5`, digest.md5);
    });
  };
}

/** What was written: its size and MD5 (s3rver's ETag). */
interface Written {
  readonly size: number;
  readonly md5: string;
}

/**
 * Writes `content` (checked on the way) to a temporary file beside `target`, then `commit`s it; the file is gone
 * either way. Resolves with what was written once the commit is done.
 */
async function writeAtomically(
  target: string, content: Buffer | Readable, commit: (temporary: string, written: Written) => Promise<void>,
): Promise<Written> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  // Not a `._S3rver_object` file: listings never see it.
  const temporary = `${target}.${randomBytes(8).toString('hex')}.tmp`;
  const md5 = createHash('md5');
  let size = 0;
  try {
    const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline([source, ...checksumStages(), count, fs.createWriteStream(temporary)]).catch((err: Error) => {
      throw err.name === 'AwsChunkedError' ? new S3Error('IncompleteBody', err.message) : err;
    });
    const written = { size, md5: md5.digest('hex') };
    await commit(temporary, written);
    return written;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function preconditionFailed(condition: string): Error {
  return new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
}
