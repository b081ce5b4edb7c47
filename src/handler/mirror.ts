/**
 * One request, start to end (DESIGN.md, "The handler, request by request"):
 * method, key, origin URL, origin fetch, then either an answer without an
 * object or the object teed to S3 and the viewer (small) or stored first and
 * redirected (large). Dependencies are passed in so tests can replace them.
 */
import { pipeline, Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { MirrorConfig } from '../config';
import { errorMessage, toError } from './errors';
import { BodyLengthError, LengthGuard } from './length-guard';
import { jsonLogger, Logger, LogLine, Outcome } from './log';
import { discardBody, fetchOrigin, isTimeoutError, OriginResponse, OriginTransport } from './origin';
import { originUrl } from './origin-url';
import { ALLOWED_METHODS, selfRedirectLocation, ViewerResponse } from './respond';
import { Answer, badGateway, gatewayTimeout, NO_STORE, rejected, verdictForOriginStatus } from './status';
import { ABORT_UPLOAD_TIMEOUT_MS, DEFAULT_CONTENT_TYPE, ObjectStore, storedHeaders } from './store';
import { requestKeyFromRawPath } from './variant-key';

/** What the handler is built from. */
export interface MirrorDependencies {
  /** The parsed configuration. */
  readonly config: MirrorConfig;
  /** The S3 client objects are stored with. */
  readonly s3: S3Client;
  /** How origin requests are sent (default: `node:http(s)`). */
  readonly transport?: OriginTransport;
  /** Where the log line of each request goes (default: one JSON line on stdout). */
  readonly logger?: Logger;
  /** Milliseconds clock for the log's durations (default: `performance.now`). */
  readonly clock?: () => number;
}

/** The minimal Lambda context the handler reads. */
export interface MirrorContext {
  readonly awsRequestId?: string;
  /** Milliseconds left before Lambda stops the function. */
  getRemainingTimeInMillis?(): number;
}

/**
 * Time kept back at the end of an invocation (at most a fifth of it): the store stops this long before Lambda
 * would stop the function, so the multipart upload is aborted and the request logged rather than cut off mid-write.
 */
export const DEADLINE_MARGIN_MS = 5_000;

/** Milliseconds from the start of an invocation until its store must give up, given the time it had left. */
export function deadlineAfter(remainingMs: number): number {
  return Math.max(0, remainingMs - Math.min(DEADLINE_MARGIN_MS, Math.floor(remainingMs / 5)));
}

/** The function's time ran out before the store was confirmed. */
export class DeadlineError extends Error {
  constructor() {
    // A PutObject or CompleteMultipartUpload cancelled at the deadline may still have been committed by S3.
    super('the function\'s time (handlerTimeout) ran out before the store was confirmed');
    this.name = 'DeadlineError';
  }
}

/** A streaming function URL handler, before `awslambda.streamifyResponse`. */
export type MirrorHandler = (event: LambdaFunctionURLEvent, responseStream: Writable, context?: MirrorContext) => Promise<void>;

/** Origin response headers repeated to the viewer with the object. */
const VIEWER_HEADERS = ['cache-control', 'etag', 'last-modified', 'content-encoding', 'content-disposition', 'content-language', 'expires'];

/** Builds the handler, once per container (module scope of the entry). */
export function createMirrorHandler(deps: MirrorDependencies): MirrorHandler {
  const { config, s3 } = deps;
  const endpoint = new URL(config.endpoint);
  const logger = deps.logger ?? jsonLogger;
  const clock = deps.clock ?? (() => performance.now());

  return async (event, responseStream, context) => {
    const started = clock();
    const viewer = new ViewerResponse(responseStream);
    const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
    const base = { requestId: context?.awsRequestId ?? event.requestContext?.requestId, method };
    let line: Omit<LogLine, 'totalMs'>;
    // One deadline for the whole request: the origin's answer (redirects included) and the store.
    const deadline = new AbortController();
    const remainingMs = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
    const stopAfterMs = remainingMs === undefined ? undefined : deadlineAfter(remainingMs);
    const timer = stopAfterMs === undefined ? undefined : setTimeout(() => deadline.abort(new DeadlineError()), stopAfterMs);
    // Half the time kept back may go to dropping the upload after the deadline; the other half to logging.
    const abortGraceMs = stopAfterMs === undefined ? undefined : Math.min(ABORT_UPLOAD_TIMEOUT_MS, Math.floor((remainingMs! - stopAfterMs) / 2));
    try {
      const scope = { event, method, viewer, config, s3, endpoint, transport: deps.transport, clock, deadline: deadline.signal, abortGraceMs };
      line = { ...base, ...(await mirrorRequest(scope)) };
    } catch (err) {
      // A bug, not a request outcome: answer 500 if nothing went out yet, otherwise break the response.
      const error = errorMessage(err);
      if (viewer.started) viewer.abort(toError(err));
      else if (!viewer.gone) viewer.answer({ status: 500, cacheControl: NO_STORE, outcome: 'internal-error', message: 'Internal error' });
      line = { ...base, outcome: 'internal-error', status: viewer.status ?? 500, bytes: 0, error, aborted: viewer.aborted || undefined };
    }
    clearTimeout(timer);
    await viewer.whenSettled();
    logger({ ...line, totalMs: Math.round(clock() - started) });
    // The runtime answers a rejection with error trailers, which break the viewer's response.
    if (viewer.abortError) throw viewer.abortError;
  };
}

interface RequestScope {
  readonly event: LambdaFunctionURLEvent;
  readonly method: string;
  readonly viewer: ViewerResponse;
  readonly config: MirrorConfig;
  readonly s3: S3Client;
  readonly endpoint: URL;
  readonly transport?: OriginTransport;
  readonly clock: () => number;
  /** Aborts with a `DeadlineError` when the request must give up, so that it ends before Lambda stops the function. */
  readonly deadline: AbortSignal;
  /** How long dropping the upload may take after the deadline (the store's default when undefined). */
  readonly abortGraceMs?: number;
}

type RequestLog = Omit<LogLine, 'totalMs' | 'requestId' | 'method'>;

async function mirrorRequest(scope: RequestScope): Promise<RequestLog> {
  const { event, method, viewer, config } = scope;
  const allow = { allow: ALLOWED_METHODS };

  if (method === 'OPTIONS') {
    viewer.begin(204, { ...allow, 'cache-control': NO_STORE });
    viewer.end();
    return { outcome: 'options', status: 204, bytes: 0 };
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const answer: Answer = { status: 405, cacheControl: NO_STORE, outcome: 'method-not-allowed', message: 'Method Not Allowed' };
    viewer.answer(answer, { headers: allow });
    return { outcome: answer.outcome, status: answer.status, bytes: 0 };
  }
  const headOnly = method === 'HEAD';
  const rawPath = event.rawPath ?? '/';

  const key = requestKeyFromRawPath(rawPath, config.keyPrefix, config.variantQueryStrings);
  if (!key.ok) {
    viewer.answer(rejected(key.status, key.reason), { headOnly });
    return { path: rawPath.slice(0, 256), outcome: 'rejected', status: key.status, bytes: 0, error: key.reason };
  }
  // A variant is fetched with exactly its canonical query; a plain object with none.
  const url = originUrl(scope.endpoint, key.originPath, key.query);
  if (!url.ok) {
    viewer.answer(rejected(400, url.reason), { headOnly });
    return { key: key.key, outcome: 'rejected', status: 400, bytes: 0, error: url.reason };
  }

  const fetchStarted = scope.clock();
  let origin: OriginResponse;
  try {
    origin = await fetchOrigin({
      url: url.url,
      endpoint: scope.endpoint,
      viewerHeaders: event.headers ?? {},
      forwardHeaders: config.forwardHeaders,
      originHeaders: config.originHeaders,
      headersTimeoutMs: config.originResponseTimeoutMs,
      bodyTimeoutMs: config.originIdleTimeoutMs,
      transport: scope.transport,
      signal: scope.deadline,
    });
  } catch (err) {
    const failure = scope.deadline.aborted ? toError(scope.deadline.reason) : err;
    const answer = failure instanceof DeadlineError ? deadlineExpired()
      : isTimeoutError(failure) ? gatewayTimeout('The origin did not answer in time') : badGateway('origin-error', 'The origin could not be reached');
    viewer.answer(answer, { headOnly });
    const originMs = elapsed(scope, fetchStarted);
    return { key: key.key, outcome: answer.outcome, status: answer.status, bytes: 0, originMs, error: errorMessage(failure) };
  }
  const originLog = { key: key.key, originStatus: origin.status, redirects: origin.redirects || undefined, originMs: elapsed(scope, fetchStarted) };

  const verdict = verdictForOriginStatus(origin.status, config.notFoundTtlSeconds);
  if (!verdict.mirror) {
    discardBody(origin.body);
    viewer.answer(verdict, { headOnly });
    return { ...originLog, outcome: verdict.outcome, status: verdict.status, bytes: 0, error: origin.redirectRefused };
  }

  const declared = contentLength(origin.headers['content-length']);
  if (declared !== undefined && declared > config.maxObjectSizeBytes) {
    discardBody(origin.body);
    const answer = badGateway('too-large', 'The object is larger than this mirror takes');
    viewer.answer(answer, { headOnly });
    const error = `Content-Length ${declared} > ${config.maxObjectSizeBytes}`;
    return { ...originLog, outcome: answer.outcome, status: answer.status, bytes: 0, error };
  }

  const reencodedPath = `/${key.originPath}`;
  // A variant's redirect goes to the viewer's own URL (path and query), which the function folds back into the same key.
  // (For a plain object viewerPath is rawPath and the viewer's own query goes along.)
  const location = selfRedirectLocation(key.viewerPath, reencodedPath, key.query || event.rawQueryString);
  const result = await transfer(scope, origin, key.key, declared, location, headOnly);
  return { ...originLog, ...result };
}

/** Fetches the body into S3 and answers the viewer, streaming it (small) or redirecting after the store (large). */
async function transfer(
  scope: RequestScope,
  origin: OriginResponse,
  key: string,
  declared: number | undefined,
  location: string,
  headOnly: boolean,
): Promise<RequestLog> {
  const { viewer, config } = scope;
  const threshold = config.streamThresholdBytes;
  const guard = new LengthGuard({ declaredLength: declared, maxBytes: config.maxObjectSizeBytes });
  // pipeline() destroys the origin body when the guard is destroyed, and fails the guard when the body fails.
  pipeline(origin.body, guard, () => undefined);
  const source = guard[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

  const { headers: s3Headers, dropped } = storedHeaders(origin.headers);
  const contentType = s3Headers.contentType ?? DEFAULT_CONTENT_TYPE;
  let store: ObjectStore | undefined;
  let bytes = 0;
  // Stop before Lambda does: an upload cut off by the platform is neither completed nor aborted, and not logged.
  const { deadline } = scope;
  const expired = (): Error => toError(deadline.reason);
  const onDeadline = (): void => {
    guard.destroy(expired());
    store?.interrupt(expired());
  };
  deadline.addEventListener('abort', onDeadline, { once: true });
  const stopDeadline = (): void => deadline.removeEventListener('abort', onDeadline);
  if (deadline.aborted) onDeadline();

  const finish = (outcome: Outcome, status: number, error?: string): RequestLog => ({
    outcome, status, bytes, error, aborted: viewer.aborted || undefined, droppedHeaders: dropped.length > 0 ? dropped : undefined,
  });

  try {
    // An encoded body is never streamed through the function URL, which does not pass it as sent (see `isEncoded`).
    const encoded = isEncoded(origin.headers['content-encoding']);
    // Unknown length: read ahead up to the threshold to learn whether the object is small.
    const head: Buffer[] = [];
    let length = declared;
    if (length === undefined && !headOnly && !encoded) {
      while (bytes <= threshold) {
        const next = await source.next();
        if (next.done) {
          length = bytes;
          break;
        }
        head.push(next.value);
        bytes += next.value.length;
      }
    }
    const streaming = !headOnly && !encoded && length !== undefined && length <= threshold;
    const target = {
      s3: scope.s3,
      bucket: config.bucketName,
      key,
      contentLength: length,
      maxBytes: config.maxObjectSizeBytes,
      headers: s3Headers,
      signal: deadline,
      abortGraceMs: scope.abortGraceMs,
    };
    const writer = (store = new ObjectStore(target));

    if (streaming) viewer.begin(200, objectHeaders(origin.headers, contentType, length!));
    const deliver = (chunk: Buffer): Promise<void> | undefined => {
      if (streaming) viewer.write(chunk);
      // Only S3 holds the origin back: the viewer's writes never wait.
      return writer.write(chunk);
    };
    // Let go of each read-ahead chunk once delivered: the store has copied it, and the viewer's stream holds its own.
    for (let chunk = head.shift(); chunk; chunk = head.shift()) await deliver(chunk);
    for (let next = await source.next(); !next.done; next = await source.next()) {
      bytes += next.value.length;
      // A large object is only worth fetching while it can still be stored.
      if (!streaming && writer.failed) break;
      const wait = deliver(next.value);
      if (wait) await wait;
    }
    if (deadline.aborted) throw expired();

    // The viewer has every byte, checked against Content-Length: a failed store must not break its answer.
    if (streaming) viewer.end();
    // Only now, after the guard checked the length, may the store complete.
    const result = await writer.end();
    stopDeadline();
    if (result.outcome === 'store-error') {
      guard.destroy();
      // The viewer's answer is complete: time running out only cost the store.
      if (streaming && deadline.aborted) return finish('deadline', 200, errorMessage(expired()));
      if (streaming) return finish('store-error', 200, errorMessage(result.error));
      if (deadline.aborted) throw expired();
      const answer = badGateway('store-error', 'The object could not be stored');
      viewer.answer(answer, { headOnly });
      return finish(answer.outcome, answer.status, errorMessage(result.error));
    }
    if (streaming) return finish(result.outcome, 200);
    // HEAD gets the headers (an encoded object's go the way its body does: from S3, after the redirect).
    if (headOnly && !encoded) {
      viewer.begin(200, objectHeaders(origin.headers, contentType, bytes));
      viewer.end();
      return finish(result.outcome, 200);
    }
    // Stored at full speed; the viewer asks again and gets it from S3 (Lambda streams slowly past 6 MB).
    viewer.begin(302, { 'location': location, 'cache-control': NO_STORE, 'content-type': 'text/plain; charset=utf-8' });
    if (!headOnly) viewer.write(Buffer.from('Stored; request it again\n', 'utf8'));
    viewer.end();
    return finish(result.outcome, 302);
  } catch (err) {
    // The origin failed (connection, timeout, wrong length) or time ran out before the end: the store is aborted, nothing is kept.
    stopDeadline();
    const error = toError(err);
    guard.destroy();
    if (store) await store.abort(error);
    const answer = originFailure(error);
    if (viewer.started) viewer.abort(error);
    else viewer.answer(answer, { headOnly });
    return finish(answer.outcome, viewer.status ?? answer.status, errorMessage(error));
  }
}

/** The viewer's answer for an origin body that failed. */
function originFailure(err: Error): Answer {
  if (err instanceof DeadlineError) return deadlineExpired();
  if (err instanceof BodyLengthError) {
    return err.problem === 'too-large' ? badGateway('too-large', 'The object is larger than this mirror takes') : badGateway('origin-error', 'The origin sent an incomplete object');
  }
  return isTimeoutError(err) ? gatewayTimeout('The origin stopped sending the object') : badGateway('origin-error', 'The origin failed while sending the object');
}

/** The viewer's answer when the function's time ran out. */
function deadlineExpired(): Answer {
  return { status: 504, cacheControl: NO_STORE, outcome: 'deadline', message: 'The object could not be stored in the time this function has' };
}

/** The viewer's headers for the object. */
function objectHeaders(origin: Readonly<Record<string, string | string[] | undefined>>, contentType: string, length: number): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType, 'content-length': String(length) };
  for (const name of VIEWER_HEADERS) {
    const value = origin[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * Whether the origin sent the body encoded (gzip, br, ...). Such a body is stored as received and the
 * viewer is redirected to it, as for a large object: a function URL in streaming mode decodes an encoded
 * body on its way out and drops its Content-Encoding, so the viewer would not get what was stored (the
 * Content-Length sent would not match either). S3 serves the stored object with its Content-Encoding.
 */
export function isEncoded(value: string | string[] | undefined): boolean {
  const codings = (Array.isArray(value) ? value.join(',') : value ?? '').split(',').map((coding) => coding.trim().toLowerCase());
  return codings.some((coding) => coding !== '' && coding !== 'identity');
}

function contentLength(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}

function elapsed(scope: RequestScope, since: number): number {
  return Math.round(scope.clock() - since);
}
