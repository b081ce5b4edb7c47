/**
 * A local S3 for tests and the local stack: s3rver on 127.0.0.1, a free port
 * and a temporary directory, with every request it served recorded.
 *
 * ```ts
 * const s3 = await startS3({ buckets: ['mirror'] });
 * Object.assign(process.env, s3.env); // the SDK now talks to it
 * await s3.listKeys('mirror');
 * await s3.stop(); // closes the server and removes the directory
 * ```
 *
 * What it does as S3 does, unlike s3rver alone: writes are atomic, and honour
 * `If-None-Match` and `If-Match` with `strict` (strict-writes.ts); an `aws-chunked` body is
 * decoded and every upload checksum checked (checksums.ts), so the SDK runs with
 * its production checksum settings. Quirks left: no AbortMultipartUpload (it
 * answers 405), and keys with empty segments kept as files without them
 * (GetObject still finds them; `requests` shows the exact key sent).
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { ChecksumReport, withRequestChecksums } from './checksums';
import { BucketCorsRule, configureBucketCors, corsConfigurationXml, preflightAsS3 } from './cors';
import { makeWritesAtomic, withRequestConditions } from './strict-writes';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

/** A request s3rver served. */
export interface S3Request {
  readonly method: string;
  /** Bucket from the path (path-style). */
  readonly bucket: string;
  /** The object key, decoded exactly once from the request path (empty for bucket requests). */
  readonly key: string;
  /** The raw query string ('' if none), e.g. `uploads` or `partNumber=1&uploadId=…`. */
  readonly query: string;
  /** Status s3rver answered. */
  readonly status: number;
  /** The checksum the request named (`x-amz-checksum-*`, header or aws-chunked trailer) and whether it matched. */
  readonly checksum: ChecksumReport;
}

/** A stored object, read back. */
export interface S3Object {
  readonly body: Buffer;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  readonly expires?: string;
  readonly metadata: Record<string, string>;
}

/** Requests `LocalS3.stall` never answers. */
export interface StalledRequests {
  /** Resolves when a client closes the connection of a stalled request. */
  readonly abandoned: Promise<void>;
  /** Stops stalling (later requests are served) and closes the connections of stalled ones still open. */
  end(): void;
}

/** A running local S3. */
export interface LocalS3 {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** Environment for any AWS SDK process that should use this S3 (endpoint, dummy credentials, region). */
  readonly env: Readonly<Record<string, string>>;
  /** A client for the test itself. */
  readonly client: S3Client;
  /** Every request served, in order of completion. */
  readonly requests: S3Request[];
  /**
   * Resolves with the first served request that matches (at once if one already did).
   * Aborting `signal` stops the wait: the promise rejects and nothing is kept for it.
   */
  served(match: (request: S3Request) => boolean, signal?: AbortSignal): Promise<S3Request>;
  /**
   * Never answers a request that matches from now on (until `end()`): its body is read and dropped, s3rver
   * never sees it, and the client can only give up. As an S3 request that hangs.
   */
  stall(match: (request: Described) => boolean): StalledRequests;
  /** Every key in `bucket`. */
  listKeys(bucket: string): Promise<string[]>;
  /** The object, or undefined when there is none. */
  getObject(bucket: string, key: string): Promise<S3Object | undefined>;
  /** Closes the server and deletes its directory. */
  stop(): Promise<void>;
}

/** A request as it arrives: what `stall` matches. */
export type Described = Omit<S3Request, 'status' | 'checksum'>;

/**
 * Starts s3rver with `buckets` created. With `directory` (the local run), the
 * data lives there and is kept on stop; otherwise in a temporary directory
 * that stop() removes. Writes are atomic and checksums checked; with `strict`
 * (the local stack), writes also honour `If-None-Match: *` and `If-Match` as
 * S3's do (see strict-writes.ts). `cors` gives a bucket its CORS rules (see
 * cors.ts); a bucket without has none.
 */
export async function startS3(options: {
  readonly buckets: readonly string[];
  readonly directory?: string;
  readonly strict?: boolean;
  readonly cors?: Readonly<Record<string, readonly BucketCorsRule[]>>;
}): Promise<LocalS3> {
  const keep = options.directory !== undefined;
  if (keep) fs.mkdirSync(options.directory!, { recursive: true });
  const directory = keep ? options.directory! : fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const s3rver = new S3rver({
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => {
      const rules = options.cors?.[name];
      return { name, configs: rules && rules.length > 0 ? [corsConfigurationXml(rules)] : [] };
    }),
  });
  await s3rver.configureBuckets();
  for (const name of options.buckets) await configureBucketCors(s3rver.store, name, options.cors?.[name]);
  const requests: S3Request[] = [];
  const waiters = new Set<{ match: (request: S3Request) => boolean; resolve: (request: S3Request) => void }>();
  makeWritesAtomic(s3rver, { conditional: options.strict === true });
  const app = s3rver.callback();
  interface Stall {
    readonly open: Set<http.ServerResponse>;
    match(request: Described): boolean;
    abandon(): void;
  }
  const stalls = new Set<Stall>();
  const server = http.createServer((req, res) => {
    const described = describe(req.method ?? '', req.url ?? '/');
    const stall = [...stalls].find((h) => h.match(described));
    if (stall) {
      stall.open.add(res);
      // Reading on is how a closed connection is noticed.
      req.resume();
      res.on('close', () => {
        stall.open.delete(res);
        stall.abandon();
      });
      return;
    }
    serve(req, res, described);
  });
  const serve = (req: http.IncomingMessage, res: http.ServerResponse, described: Described): void => {
    const checksum: ChecksumReport = {};
    res.on('finish', () => {
      const served = { ...described, status: res.statusCode, checksum };
      requests.push(served);
      for (const waiter of [...waiters].filter((w) => w.match(served))) {
        waiters.delete(waiter);
        waiter.resolve(served);
      }
    });
    preflightAsS3(req, res, options.cors?.[described.bucket]);
    req.url = routableUrl(req.url ?? '/');
    withRequestChecksums(req, res, checksum, () => (options.strict ? withRequestConditions(req, () => app(req, res)) : app(req, res)));
  };
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });

  return {
    endpoint,
    env,
    client,
    requests,
    served: (match, signal) => {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve };
        waiters.add(waiter);
        signal?.addEventListener('abort', () => {
          waiters.delete(waiter);
          reject(signal.reason);
        }, { once: true });
      });
    },
    stall: (match) => {
      let abandon!: () => void;
      const abandoned = new Promise<void>((resolve) => (abandon = resolve));
      const stall: Stall = { match, abandon, open: new Set<http.ServerResponse>() };
      stalls.add(stall);
      return {
        abandoned,
        end: () => {
          stalls.delete(stall);
          for (const res of stall.open) res.destroy();
        },
      };
    },
    listKeys: async (bucket) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
    getObject: async (bucket, key) => {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return {
          body: Buffer.from(await out.Body!.transformToByteArray()),
          contentType: out.ContentType,
          contentEncoding: out.ContentEncoding,
          contentDisposition: out.ContentDisposition,
          contentLanguage: out.ContentLanguage,
          cacheControl: out.CacheControl,
          expires: out.ExpiresString,
          metadata: out.Metadata ?? {},
        };
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    stop: async () => {
      client.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      if (!keep) fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

function splitTarget(target: string): { bucketPart: string; keyPart?: string; query?: string } {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const slash = rawPath.indexOf('/', 1);
  return {
    bucketPart: slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash),
    keyPart: slash < 0 ? undefined : rawPath.slice(slash + 1),
    query: q < 0 ? undefined : target.slice(q + 1),
  };
}

function describe(method: string, target: string): Described {
  const { bucketPart, keyPart, query } = splitTarget(target);
  return { method, bucket: safeDecode(bucketPart), key: keyPart === undefined ? '' : safeDecode(spaceForPlus(keyPart)), query: query ?? '' };
}

/** S3 reads a raw `+` in a request path as a space (a client that means `+` sends `%2B`, as the SDK does); s3rver would not. */
function spaceForPlus(keyPart: string): string {
  return keyPart.replace(/\+/g, '%20');
}

/** The key S3 looks up for a request path below the bucket (`/a+b%2B` is `a b+`). */
export function s3KeyOfPath(rawPath: string): string {
  return safeDecode(spaceForPlus(rawPath.replace(/^\//, '')));
}

/** Decodes percent-encoding; a malformed path (the local CloudFront passes hostile ones on raw) is kept as sent. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * What s3rver must be asked for S3's answer: a raw `+` becomes a space; and,
 * since s3rver's router cannot match a key with an empty segment (`/a`, `a//b`),
 * such a key is sent with its `/` percent-encoded, which s3rver decodes back
 * to the same key (and signs the same way).
 */
function routableUrl(target: string): string {
  const { bucketPart, keyPart: rawKeyPart, query } = splitTarget(target);
  if (rawKeyPart === undefined) return target;
  const keyPart = spaceForPlus(rawKeyPart);
  const search = query === undefined ? '' : `?${query}`;
  if (!/^\/|\/\/|\/$/.test(keyPart)) return keyPart === rawKeyPart ? target : `/${bucketPart}/${keyPart}${search}`;
  return `/${bucketPart}/${encodeURIComponent(safeDecode(keyPart))}${search}`;
}
