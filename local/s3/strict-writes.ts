/**
 * S3's write semantics for s3rver, where the local stack needs them
 * (`startS3({ strict: true })`): PutObject and CompleteMultipartUpload are
 * atomic (a reader sees the old object or the new one, never a partial one;
 * a body that fails stores nothing) and honour `If-None-Match: *` (412
 * PreconditionFailed when the key exists at commit) and `If-Match: <ETag>`
 * (412 when the key holds another version at commit, 404 NoSuchKey when it
 * holds none), as S3 does. s3rver writes objects in place and ignores both
 * conditions, which under concurrent misses serves half-written objects and
 * lets racing writers overwrite.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

/**
 * Makes `s3rver`'s store write atomically and conditionally: the body goes to
 * a temporary file first, which is linked into place only if `If-None-Match: *`
 * allows it (renamed over the old object otherwise). Multipart completion goes
 * through the same `putObject`.
 */
export function makeWritesStrict(s3rver: { store: FilesystemStore }): void {
  const store = s3rver.store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
    // Not a `._S3rver_object` file: listings never see it.
    const temporary = `${objectPath}.${randomBytes(8).toString('hex')}.tmp`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      await pipeline(source, new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      }), fs.createWriteStream(temporary));
      const digest = md5.digest('hex');
      const { ifNoneMatch, ifMatch } = conditions.getStore() ?? {};
      return await oneAtATime(objectPath, async () => {
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
        await store.putMetadata(object.bucket, object.key, object.metadata, digest);
        return { size, md5: digest };
      });
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  };
}

function preconditionFailed(condition: string): Error {
  return new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
}
