/**
 * One viewer request, start to end (DESIGN.md, "The handler, request by
 * request"), as a short sequence of named steps: method → key → the key's
 * lease (single-flight: a waiter answers here) → fetch, verdict, transfer and
 * answer (the fetch-and-store core) → one log line. Dependencies are passed in
 * so tests can replace them.
 */
import type { Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { MirrorConfig } from '../config';
import { startDeadline } from './deadline';
import { errorMessage, toError } from './errors';
import { FetchEnvironment, fetchAndStore } from './fetch-store';
import type { LeaseStore } from './lease-store';
import type { Logger, LogLine } from './log';
import { metricsLogger } from './metrics-log';
import type { OriginTransport } from './origin';
import type { HolderProgress } from './progress';
import { ALLOWED_METHODS, selfRedirectLocation, ViewerResponse } from './respond';
import type { RequestResult } from './result';
import { singleFlight, SingleFlightOptions } from './single-flight';
import { NO_STORE, rejected } from './status';
import { RequestKeyResult, requestKeyFromRawPath } from './variant-key';

/** What the handler is built from. */
export interface MirrorDependencies {
  /** The parsed configuration. */
  readonly config: MirrorConfig;
  /** The S3 client objects are stored with. */
  readonly s3: S3Client;
  /** How origin requests are sent (default: `node:http(s)`). */
  readonly transport?: OriginTransport;
  /** Where leases are kept, when the configuration names a lease table (single-flight); none: every miss fetches. */
  readonly leases?: LeaseStore;
  /** Wall clock for leases, in epoch milliseconds (default: `Date.now`). */
  readonly wallClock?: () => number;
  /** Where the log line of each request goes (default: one JSON line on stdout that is also an EMF record). */
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

/** A streaming function URL handler, before `awslambda.streamifyResponse`. */
export type MirrorHandler = (event: LambdaFunctionURLEvent, responseStream: Writable, context?: MirrorContext) => Promise<void>;

/** Builds the handler, once per container (module scope of the entry). */
export function createMirrorHandler(deps: MirrorDependencies): MirrorHandler {
  const { config, s3 } = deps;
  const endpoint = new URL(config.endpoint);
  const logger = deps.logger ?? metricsLogger({ mirrorName: config.mirrorName });
  const clock = deps.clock ?? (() => performance.now());
  const flight: SingleFlightOptions | undefined = deps.leases && config.leaseTableName !== ''
    ? { leases: deps.leases, staleMs: config.leaseStaleMs, waitMs: config.leaseWaitMs, now: deps.wallClock }
    : undefined;

  return async (event, responseStream, context) => {
    const started = clock();
    const viewer = new ViewerResponse(responseStream);
    const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
    const base = { requestId: context?.awsRequestId ?? event.requestContext?.requestId, method };
    // One deadline for the whole request: the origin's answer (redirects included) and the store.
    const remainingMs = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
    const deadline = startDeadline(remainingMs);
    let line: Omit<LogLine, 'totalMs'>;
    try {
      const { signal, abortGraceMs } = deadline;
      const env: FetchEnvironment = { config, s3, endpoint, transport: deps.transport, clock, deadline: signal, abortGraceMs };
      line = { ...base, ...(await serveViewer(event, method, viewer, env, flight)) };
    } catch (err) {
      // A bug, not a request outcome: answer 500 if nothing went out yet, otherwise break the response.
      const error = errorMessage(err);
      if (viewer.started) viewer.abort(toError(err));
      else if (!viewer.gone) viewer.answer({ status: 500, cacheControl: NO_STORE, outcome: 'internal-error', message: 'Internal error' });
      line = { ...base, outcome: 'internal-error', status: viewer.status ?? 500, bytes: 0, error, aborted: viewer.aborted || undefined };
    }
    deadline.clear();
    await viewer.whenSettled();
    logger({ ...line, totalMs: Math.round(clock() - started) });
    // The runtime answers a rejection with error trailers, which break the viewer's response.
    if (viewer.abortError) throw viewer.abortError;
  };
}

/** The steps of one viewer request. */
async function serveViewer(
  event: LambdaFunctionURLEvent, method: string, viewer: ViewerResponse, env: FetchEnvironment, flight?: SingleFlightOptions,
): Promise<RequestResult> {
  const refused = methodStep(method, viewer);
  if (refused) return refused;
  const headOnly = method === 'HEAD';

  const rawPath = event.rawPath ?? '/';
  const key = keyStep(rawPath, env.config);
  if (!key.ok) {
    viewer.answer(rejected(key.status, key.reason), { headOnly });
    return { path: rawPath.slice(0, 256), outcome: 'rejected', status: key.status, bytes: 0, error: key.reason };
  }

  // A variant's redirect goes to the viewer's own URL (path and query), which the function folds back into the same key.
  // (For a plain object viewerPath is rawPath and the viewer's own query goes along.)
  const location = selfRedirectLocation(key.viewerPath, `/${key.originPath}`, key.query || event.rawQueryString);
  const sink = { response: viewer, headOnly, location };
  const fetch = (progress?: HolderProgress) => fetchAndStore({ ...env, progress }, { key, viewerHeaders: event.headers ?? {}, viewer: sink });
  // The key's lease: the holder fetches; a waiter answers from S3 or with the holder's verdict.
  return flight ? singleFlight(env, flight, { key: key.key, viewer: sink, fetch }) : fetch();
}

/** OPTIONS and methods other than GET and HEAD are answered here; undefined for GET and HEAD. */
function methodStep(method: string, viewer: ViewerResponse): RequestResult | undefined {
  const allow = { allow: ALLOWED_METHODS };
  if (method === 'OPTIONS') {
    viewer.begin(204, { ...allow, 'cache-control': NO_STORE });
    viewer.end();
    return { outcome: 'options', status: 204, bytes: 0 };
  }
  if (method === 'GET' || method === 'HEAD') return undefined;
  viewer.answer({ status: 405, cacheControl: NO_STORE, outcome: 'method-not-allowed', message: 'Method Not Allowed' }, { headers: allow });
  return { outcome: 'method-not-allowed', status: 405, bytes: 0 };
}

/** The request's key (DESIGN.md, "Key"), with the variant the CloudFront Function folded into its path. */
function keyStep(rawPath: string, config: MirrorConfig): RequestKeyResult {
  return requestKeyFromRawPath(rawPath, config.keyPrefix, config.variantQueryStrings);
}
