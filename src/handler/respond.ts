/**
 * The answer to the viewer, over Lambda's response stream: status and headers
 * go in the prelude `awslambda.HttpResponseStream.from` writes on the first
 * `write()` (never on `end(chunk)`), then the body. A viewer that goes away
 * only stops the writes to it. Every answer made after an origin request for
 * it says so (`x-mirror: miss`); the bucket's answers never carry that header.
 */
import type { Writable } from 'node:stream';
import type { Answer } from './status';

/** Methods a viewer may use, for `allow`. */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/**
 * The response header that tells a miss from a hit: on every answer the function made after it asked the origin
 * for that request (the streamed 200, the HEAD 200, the 302 after storing, and the 304/404/410/4xx/502/504 of that
 * fetch). S3 never sends it: it is not stored with the object.
 */
export const MIRROR_HEADER = 'x-mirror';

/** The value of `MIRROR_HEADER` on an answer made after an origin request. */
export const MISS = 'miss';

/** The value of `MIRROR_HEADER` on a single-flight waiter's answer: another request fetched the object (or failed to). */
export const WAITED = 'waited';

/** Origin response headers repeated to the viewer with the object. */
const VIEWER_HEADERS = ['cache-control', 'etag', 'last-modified', 'content-encoding', 'content-disposition', 'content-language', 'expires'];

/** The viewer's side of one invocation. */
export class ViewerResponse {
  /** Whether the first body write (and so the prelude) went out: from here on, a failure can only abort. */
  public started = false;
  /** Whether the stream failed or closed before the answer was complete (the viewer went away). */
  public gone = false;
  /** Status of the prelude, once sent. */
  public status?: number;
  /** Why the answer was aborted, if it was: the handler rejects with it once its work is done. */
  public abortError?: Error;
  private readonly settled: Promise<void>;
  private mark?: string;

  constructor(private readonly stream: Writable) {
    this.settled = new Promise((resolve) => {
      const done = () => resolve();
      stream.on('finish', done);
      stream.on('close', () => {
        if (!stream.writableFinished) this.gone = true;
        done();
      });
      // An unhandled 'error' would crash the container; the store must go on.
      stream.on('error', () => {
        this.gone = true;
        done();
      });
    });
  }

  /** From now on every answer says it comes from the origin (the origin is being asked for this request). */
  markMiss(): void {
    this.mark = MISS;
  }

  /** From now on every answer says it waited for another request's fetch (single-flight), without one of its own. */
  markWaited(): void {
    this.mark = WAITED;
  }

  /** Sets the status and headers the first `write()` sends. */
  begin(status: number, headers: Readonly<Record<string, string>>): void {
    if (this.started) throw new Error('the response has already started');
    this.status = status;
    if (this.gone || this.stream.destroyed) return;
    const all = this.mark ? { ...headers, [MIRROR_HEADER]: this.mark } : { ...headers };
    awslambda.HttpResponseStream.from(this.stream, { statusCode: status, headers: all });
  }

  /**
   * Sends a piece of the body, ignoring backpressure: the viewer must not slow
   * the store, and what waits in memory is bounded by `streamThreshold`.
   */
  write(chunk: Buffer): void {
    if (this.gone || this.stream.destroyed) return;
    this.started = true;
    this.stream.write(chunk);
  }

  /** Ends the body (writing once first, since only `write()` sends the prelude). */
  end(): void {
    if (!this.started) this.write(Buffer.alloc(0));
    if (this.gone || this.stream.destroyed) return;
    this.stream.end();
  }

  /** A complete answer without an object (a 304 never has a body). */
  answer(answer: Answer, options: { readonly headOnly?: boolean; readonly headers?: Readonly<Record<string, string>> } = {}): void {
    this.begin(answer.status, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': answer.cacheControl,
      ...options.headers,
    });
    this.write(Buffer.from(options.headOnly || answer.status === 304 ? '' : `${answer.message}\n`, 'utf8'));
    this.end();
  }

  /** A failure: breaks a body already under way (see `abort`), otherwise answers `answer`. */
  fail(err: Error, answer: Answer, headOnly: boolean): void {
    if (this.started) this.abort(err);
    else this.answer(answer, { headOnly });
  }

  /** Whether the answer was aborted. */
  get aborted(): boolean {
    return this.abortError !== undefined;
  }

  /**
   * Marks a response that already started as broken, so no one takes a short body for the whole object.
   * The stream is left alone: the handler rejects with `err` when its work is done, and the runtime ends the
   * stream with error trailers, which cuts the viewer's response. Destroying the stream instead would reject a
   * promise the runtime never awaits, and the runtime exits the process on an unhandled rejection.
   */
  abort(err: Error): void {
    this.abortError ??= err;
  }

  /** Resolves once the stream finished, failed or closed; at once for an aborted answer, which the runtime ends. */
  whenSettled(): Promise<void> {
    return this.aborted ? Promise.resolve() : this.settled;
  }
}

/**
 * The `location` of the redirect to the viewer's own URL, always a path on
 * the same host: the raw path when it is plain visible ASCII, else the path
 * re-encoded from the key; `/.` in front of a path starting with `//`, which
 * a browser would otherwise read as another host.
 */
export function selfRedirectLocation(rawPath: string, reencodedPath: string, rawQueryString: string | undefined): string {
  const plain = /^\/[\x21-\x7e]*$/.test(rawPath) && !rawPath.includes('\\');
  let location = plain ? rawPath : reencodedPath;
  if (location.startsWith('//')) location = `/.${location}`;
  if (rawQueryString && /^[\x21-\x7e]*$/.test(rawQueryString) && !rawQueryString.includes('#')) location += `?${rawQueryString}`;
  return location;
}

/** The viewer's headers for the object: its type and length, and the origin's headers in `VIEWER_HEADERS`. */
export function objectHeaders(
  origin: Readonly<Record<string, string | string[] | undefined>>,
  contentType: string,
  length: number,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType, 'content-length': String(length) };
  for (const name of VIEWER_HEADERS) {
    const value = origin[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
