/**
 * The request to the third-party origin: `node:http(s)` (never `fetch`, which
 * decodes gzip bodies but keeps their Content-Encoding; not undici either,
 * whose 1 MB added a third to the bundle's load time), GET with
 * `accept-encoding: identity`, a timeout to the response headers, an idle
 * timeout on the body, and redirects followed only within the endpoint's
 * scheme, host and port.
 */
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { forwardHeaderProblem, originHeaderNameProblem } from '../config';
import { nodeTransport, OriginTimeoutError, OriginTransport, RawOriginResponse } from './origin-transport';
import { isSameOrigin } from './origin-url';

export { createNodeTransport, keepAliveAgents, nodeTransport, OriginTimeoutError } from './origin-transport';
export type { OriginAgents, OriginTransport, RawOriginResponse } from './origin-transport';

/** Most redirects followed for one object. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// Read from package.json at bundle time (esbuild inlines it); a require keeps it outside the jsii rootDir.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../package.json').version;

/** The `user-agent` the origin sees unless `originHeaders` sets one. */
export const USER_AGENT = `cdk-mirror-origin/${VERSION}`;

/** One request for an object at the origin. */
export interface OriginRequest {
  /** The URL built by `originUrl`. */
  readonly url: URL;
  /** The endpoint: redirects are followed only to its scheme, host and port. */
  readonly endpoint: URL;
  /** The viewer's request headers (lower-case names, as in a function URL event). */
  readonly viewerHeaders: Readonly<Record<string, string | undefined>>;
  /** Viewer headers to pass on (forbidden ones are skipped whatever this says). */
  readonly forwardHeaders: readonly string[];
  /** Static headers for every origin request. */
  readonly originHeaders: Readonly<Record<string, string>>;
  /** `if-none-match` / `if-modified-since` of a revalidation (never a user's: the configuration refuses them). */
  readonly conditionalHeaders?: Readonly<Record<string, string>>;
  /** Longest wait for response headers, connection included. */
  readonly headersTimeoutMs: number;
  /** Longest pause between two pieces of the body (not counting pauses the reader asked for). */
  readonly bodyTimeoutMs: number;
  /** How requests are sent (default: `node:http(s)`). */
  readonly transport?: OriginTransport;
  /** Stops the wait for an answer, redirects included (the function's time running out). */
  readonly signal?: AbortSignal;
  /** Called as a redirect is followed (a new wait for an answer begins). */
  readonly onRedirect?: () => void;
}

/** The origin's final answer (a redirect is final when it was not followed). */
export interface OriginResponse extends RawOriginResponse {
  /** The URL that gave this answer. */
  readonly url: URL;
  /** Redirects followed to get here. */
  readonly redirects: number;
  /** Why a redirect in this answer was not followed. */
  readonly redirectRefused?: string;
}

// What node:http refuses in a header value (it throws): anything but tab, visible ASCII, space and obs-text.
// eslint-disable-next-line no-control-regex
const NOT_A_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** The request headers sent to the origin: ours, then forwarded viewer headers, then `originHeaders`, then a revalidation's. */
export function originRequestHeaders(
  viewerHeaders: Readonly<Record<string, string | undefined>>,
  forwardHeaders: readonly string[],
  originHeaders: Readonly<Record<string, string>>,
  conditionalHeaders: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const name of forwardHeaders.map((n) => n.toLowerCase())) {
    const value = viewerHeaders[name];
    // A value no HTTP request may carry is left out: the fetch goes on without it rather than failing.
    if (value !== undefined && !forwardHeaderProblem(name) && !NOT_A_HEADER_VALUE.test(value)) headers[name] = value;
  }
  for (const [name, value] of Object.entries(originHeaders)) {
    const lower = name.toLowerCase();
    if (!originHeaderNameProblem(lower)) headers[lower] = value;
  }
  for (const [name, value] of Object.entries(conditionalHeaders)) {
    if (!NOT_A_HEADER_VALUE.test(value)) headers[name.toLowerCase()] = value;
  }
  // Anything else would be stored compressed for viewers that never asked for it.
  headers['accept-encoding'] = 'identity';
  return headers;
}

/**
 * GETs the object, following at most `MAX_REDIRECTS` redirects that stay on the
 * endpoint's scheme, host and port. Rejects on a connection failure or a header
 * timeout; the body fails with `OriginTimeoutError` when it stalls.
 */
export async function fetchOrigin(req: OriginRequest): Promise<OriginResponse> {
  const headers = originRequestHeaders(req.viewerHeaders, req.forwardHeaders, req.originHeaders, req.conditionalHeaders);
  const transport = req.transport ?? nodeTransport;
  let url = req.url;
  for (let redirects = 0; ; redirects++) {
    req.signal?.throwIfAborted();
    const response = await transport(url, headers, req.headersTimeoutMs, req.signal);
    const body = new IdleTimeout(req.bodyTimeoutMs);
    // pipeline() fails the returned body when the response fails (reset, cut before Content-Length) and the other way round.
    pipeline(response.body, body, () => undefined);
    const answer = { status: response.status, headers: response.headers, body, url, redirects };
    if (!REDIRECT_STATUSES.has(response.status)) return answer;
    const next = redirectTarget(response.headers.location, url, req.endpoint);
    if (typeof next === 'string') return { ...answer, redirectRefused: next };
    if (redirects >= MAX_REDIRECTS) return { ...answer, redirectRefused: `more than ${MAX_REDIRECTS} redirects` };
    discardBody(body, declaredLength(response.headers));
    req.onRedirect?.();
    url = next;
  }
}

/**
 * Passes a body through and fails it when no bytes arrive for `timeoutMs`
 * while the reader wants more (time the reader holds it back does not count).
 */
class IdleTimeout extends Transform {
  // One timer, refreshed per chunk (a new timer per chunk would churn the heap at full download speed).
  private timer?: NodeJS.Timeout;
  private armed = false;

  constructor(private readonly timeoutMs: number) {
    super();
  }

  override _read(size: number): void {
    this.arm();
    super._read(size);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.armed = false;
    callback(null, chunk);
    if (this.readableLength < this.readableHighWaterMark) this.arm();
  }

  override _flush(callback: TransformCallback): void {
    this.stop();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop();
    callback(error);
  }

  private arm(): void {
    if (this.writableEnded || this.destroyed) return;
    this.armed = true;
    // refresh() also restarts a timer that already fired while disarmed.
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.expire(), this.timeoutMs);
  }

  private expire(): void {
    if (this.armed && !this.destroyed) this.destroy(new OriginTimeoutError('body', this.timeoutMs));
  }

  private stop(): void {
    this.armed = false;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** Where a redirect leads, or why it is not followed. */
export function redirectTarget(location: string | string[] | undefined, current: URL, endpoint: URL): URL | string {
  if (typeof location !== 'string' || location === '') return 'a redirect without a single Location';
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return 'a redirect to an invalid Location';
  }
  if (!isSameOrigin(next, endpoint)) return `a redirect to another origin (${next.origin})`;
  if (next.username || next.password) return 'a redirect to a URL with credentials';
  next.hash = '';
  return next;
}

/** Largest declared body read to its end rather than dropped: cheaper than a new connection (and TLS handshake). */
export const DRAIN_MAX_BYTES = 64 * 1024;

/**
 * Drops a body that will not be used. One declared at most `DRAIN_MAX_BYTES` long is read to its end, in the
 * background under the body's idle timeout, so its kept connection serves the container's next miss (after a 404,
 * say); any other is destroyed with its connection. A failure must not surface as an unhandled error.
 */
export function discardBody(body: Readable, declared?: number): void {
  body.on('error', () => undefined);
  if (declared !== undefined && declared <= DRAIN_MAX_BYTES) body.resume();
  else body.destroy();
}

/** Whether an origin error is a timeout (headers or body idle) rather than a failure. */
export function isTimeoutError(err: unknown): boolean {
  return err instanceof OriginTimeoutError;
}

/** The origin's Content-Length, when it declared one a body can have. */
export function declaredLength(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const value = headers['content-length'];
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}
