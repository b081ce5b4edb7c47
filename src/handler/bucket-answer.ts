/**
 * A single-flight waiter's answer once its holder stored the object: the
 * object from the bucket, with the headers a hit would have, for an object the
 * function URL streams well (up to `streamThreshold`, not encoded); the
 * redirect to itself for a larger or encoded one, as a miss gets; headers only
 * for HEAD. The bytes are the bytes the distribution serves for the key.
 */
import { GetObjectCommand, HeadObjectCommand, HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { toError } from './errors';
import type { ViewerSink } from './fetch-store';
import { NO_STORE } from './status';
import { isEncoded } from './transfer';

/** Where the object is and how much of it the function streams. */
export interface BucketObject {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly streamThreshold: number;
  /** Cancels the S3 requests (the request's deadline). */
  readonly signal: AbortSignal;
}

/** How the viewer was answered, or `missing` when the object is not in the bucket after all (nothing was sent). */
export type BucketAnswer =
  | { readonly answered: true; readonly status: number; readonly redirected: boolean; readonly aborted?: boolean }
  | { readonly answered: false };

/** Answers `viewer` with the stored object. */
export async function answerFromBucket(object: BucketObject, viewer: ViewerSink): Promise<BucketAnswer> {
  const { response } = viewer;
  const input = { Bucket: object.bucket, Key: object.key };
  const options = { abortSignal: object.signal };
  if (viewer.headOnly) {
    const head = await absentAsUndefined(object.s3.send(new HeadObjectCommand(input), options));
    if (!head) return { answered: false };
    if (isEncoded(head.ContentEncoding)) return redirect(viewer);
    response.begin(200, hitHeaders(head));
    response.end();
    return { answered: true, status: 200, redirected: false };
  }
  const got = await absentAsUndefined(object.s3.send(new GetObjectCommand(input), options));
  if (!got) return { answered: false };
  const body = got.Body as NodeJS.ReadableStream & { destroy?: () => void };
  // Lambda streams slowly past 6 MB, and decodes an encoded body on its way out: those go as a miss's do, by redirect.
  if ((got.ContentLength ?? 0) > object.streamThreshold || isEncoded(got.ContentEncoding)) {
    body.destroy?.();
    return redirect(viewer);
  }
  response.begin(200, hitHeaders(got));
  try {
    for await (const chunk of body) response.write(chunk as Buffer);
  } catch (err) {
    // The bucket's body broke after the prelude: the viewer must not take a short body for the object.
    response.abort(toError(err));
    return { answered: true, status: 200, redirected: false, aborted: true };
  }
  response.end();
  return { answered: true, status: 200, redirected: false };
}

/** The redirect to the viewer's own URL, uncached: the next request is a hit. */
export function redirect(viewer: ViewerSink, message = 'Stored; request it again'): BucketAnswer {
  viewer.response.begin(302, { 'location': viewer.location, 'cache-control': NO_STORE, 'content-type': 'text/plain; charset=utf-8' });
  if (!viewer.headOnly) viewer.response.write(Buffer.from(`${message}\n`, 'utf8'));
  viewer.response.end();
  return { answered: true, status: 302, redirected: true };
}

/** The headers S3 sends for the object through CloudFront: what a hit would have. */
function hitHeaders(head: HeadObjectCommandOutput): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': head.ContentType ?? 'binary/octet-stream' };
  if (head.ContentLength !== undefined) headers['content-length'] = String(head.ContentLength);
  if (head.ETag) headers.etag = head.ETag;
  if (head.LastModified) headers['last-modified'] = head.LastModified.toUTCString();
  const optional: Array<[string, string | undefined]> = [
    ['cache-control', head.CacheControl],
    ['content-disposition', head.ContentDisposition],
    ['content-encoding', head.ContentEncoding],
    ['content-language', head.ContentLanguage],
    ['expires', head.ExpiresString],
  ];
  for (const [name, value] of optional) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(head.Metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** The S3 answer, or undefined for a key that is not there (404 NoSuchKey / NotFound, or 403 to a role without ListBucket). */
async function absentAsUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined;
    // The role may read its keys but not list the bucket, so S3 answers a missing key 403, never 404.
    if (e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) return undefined;
    throw err;
  }
}
