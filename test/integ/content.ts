/**
 * What the integration tests' origin serves, generated from its path so that the origin (a Lambda function)
 * and the expectations (computed at synth) agree byte for byte without shipping any data.
 */
import { createHash } from 'node:crypto';

/** Query parameter the variant tests select a variant with (Alibaba OSS's image processing parameter). */
export const VARIANT_PARAMETER = 'x-oss-process';

/** Prefix of the ETag the origin sends: an answer carrying it came from the handler, an S3 ETag (hex MD5) from the bucket. */
export const ORIGIN_ETAG_PREFIX = '"origin-';

/** Every object is `no-store`, so CloudFront never caches it and each request reaches the origin group (S3 or the handler). */
export const ORIGIN_CACHE_CONTROL = 'no-store';

/** An object the origin serves. */
export interface OriginObject {
  readonly size: number;
  readonly contentType: string;
  /** Set for the one object the origin sends gzip-encoded (its body is `GZIP_BODY`, whatever `size` says). */
  readonly contentEncoding?: 'gzip';
  /** The origin records each request for it (one marker object per request), so a test can count them. */
  readonly counted?: boolean;
}

const MiB = 1024 * 1024;

/** The origin's catalogue, by path; any other path is a 404. */
export const ORIGIN_OBJECTS: Readonly<Record<string, OriginObject>> = {
  '/warmup.txt': { size: 64, contentType: 'text/plain; charset=utf-8' },
  '/index.html': { size: 512, contentType: 'text/html; charset=utf-8' },
  '/objects/small.bin': { size: 64 * 1024, contentType: 'application/octet-stream' },
  '/objects/length.bin': { size: 48 * 1024, contentType: 'application/octet-stream' },
  '/objects/head.bin': { size: 32 * 1024, contentType: 'application/octet-stream' },
  // Streamed (at most the default mirror app's 2 MiB streamThreshold), large enough to leave in the middle of.
  '/objects/abandoned.bin': { size: 2 * MiB, contentType: 'application/octet-stream' },
  // Above that threshold, and within what a buffered function URL (the origin) may answer: 6 MB once base64-encoded.
  '/objects/large.bin': { size: 3 * MiB, contentType: 'application/octet-stream' },
  '/encoded/data.txt': { size: 0, contentType: 'text/plain; charset=utf-8', contentEncoding: 'gzip' },
  '/photo.jpg': { size: 20 * 1024, contentType: 'image/jpeg' },
  // Only a prewarm job asks for it: no viewer request does before the job has stored it.
  '/jobs/prewarmed.bin': { size: 24 * 1024, contentType: 'application/octet-stream' },
  // The second endpoint (`SECOND_ENDPOINT_PATH`): the second mirror fetches `/second/x` as `/two/second/x`.
  '/two/second/a.bin': { size: 16 * 1024, contentType: 'application/octet-stream' },
  '/two/second/cors.bin': { size: 8 * 1024, contentType: 'application/octet-stream' },
  // A herd's object: streamed (under the default 6 MiB streamThreshold), large enough that its fetch takes a moment.
  '/two/second/herd.bin': { size: 3 * MiB, contentType: 'application/octet-stream', counted: true },
};

/** The second endpoint's path on the test origin: one function URL serving two "hosts". */
export const SECOND_ENDPOINT_PATH = 'two';

/** Where the origin records a request for a counted object: one object under `<path without "/">/` per request. */
export function originRequestPrefix(path: string): string {
  return `${path.replace(/^\//, '')}/`;
}

/**
 * The gzip-encoded body of `/encoded/data.txt`, fixed bytes (a zlib of another version may compress differently):
 * 8 lines of "cdk-mirror-origin integration test: this body is stored gzip-encoded, exactly as the origin sent it."
 */
export const GZIP_BODY = Buffer.from(
  'H4sIAAAAAAAC/+3NwQ3CQAwEwD9VbAEcBdDN5WxdLBI7svdBqJ4PTSClgZkhr7ZbZmSLtGkOc+rMTgsHtfgEVyssISesUIxUwfzY0dRHiMod+u6D24le4Kr4SaVOGB+3cSVX8t/JF+gpbt4oAwAA',
  'base64',
);

/** The seed an object's bytes come from: its path, and the variant's value if any. */
export function seedOf(path: string, variant?: string): string {
  return variant === undefined ? path : `${path}?${VARIANT_PARAMETER}=${variant}`;
}

/** The object's body: SHA-256 in counter mode over the seed, `size` bytes (the variant's size is the object's). */
export function generatedBody(seed: string, size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; offset += 32, block++) {
    createHash('sha256').update(`${seed}#${block}`).digest().copy(body, offset);
  }
  return body;
}

/** The bytes the origin sends for `path` (and a variant), or undefined for a 404. */
export function originBody(path: string, variant?: string): Buffer | undefined {
  const object = ORIGIN_OBJECTS[path];
  if (!object) return undefined;
  if (object.contentEncoding === 'gzip') return GZIP_BODY;
  return generatedBody(seedOf(path, variant), object.size);
}

/** The ETag the origin sends for a seed: recognisably not S3's. */
export function originEtag(seed: string): string {
  return `${ORIGIN_ETAG_PREFIX}${sha256(Buffer.from(seed)).slice(0, 16)}"`;
}

/** SHA-256, hex. */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Size and hash of what the origin sends for `path`: what a byte-exact answer must have. */
export function expectedBody(path: string, variant?: string): { readonly bytes: number; readonly sha256: string } {
  const body = originBody(path, variant);
  if (!body) throw new Error(`the test origin has no ${path}`);
  return { bytes: body.length, sha256: sha256(body) };
}
