/**
 * The fetch-and-store core, one key at a time, for the viewer path and for
 * anything that mirrors without a viewer (jobs): origin URL → origin request
 * → verdict (DESIGN.md's status table) → conditional, never-partial store →
 * answer. The viewer is optional: present, it gets the object streamed or a
 * redirect after the store, or the verdict's answer; absent, the object is
 * only stored. Either way the result record says what happened.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { MirrorConfig } from '../config';
import { errorMessage, toError } from './errors';
import { declaredLength, discardBody, fetchOrigin, OriginResponse, OriginTransport } from './origin';
import { originUrl } from './origin-url';
import { CREATE_ONLY, isReplace, StorePrecondition } from './precondition';
import type { HolderProgress } from './progress';
import { objectHeaders, ViewerResponse } from './respond';
import type { Outcome, RequestResult } from './result';
import { badGateway, bodyFailure, fetchFailure, NO_STORE, rejected, tooLarge, verdictForOriginStatus } from './status';
import type { StoreResult } from './store';
import { DEFAULT_CONTENT_TYPE, storedHeaders } from './stored-headers';
import { transfer, Transferred } from './transfer';
import type { RequestKeyResult } from './variant-key';

/** What the core works with: the container's configuration and clients, and the request's deadline. */
export interface FetchEnvironment {
  readonly config: MirrorConfig;
  readonly s3: S3Client;
  /** `config.endpoint`, parsed once. */
  readonly endpoint: URL;
  /** How origin requests are sent (default: `node:http(s)`). */
  readonly transport?: OriginTransport;
  /** Milliseconds clock for the durations. */
  readonly clock: () => number;
  /** Aborts with a `DeadlineError` when the request must give up. */
  readonly deadline: AbortSignal;
  /** How long dropping an upload may take after the deadline (the store's default when undefined). */
  readonly abortGraceMs?: number;
  /** Where a lease holder's heartbeat sees the fetch progress (single-flight). */
  readonly progress?: HolderProgress;
}

/** The viewer's side, when there is a viewer. */
export interface ViewerSink {
  readonly response: ViewerResponse;
  /** HEAD: headers only (the object is still fetched with GET and stored). */
  readonly headOnly: boolean;
  /** Where the redirect after storing a large or encoded object points: the viewer's own URL. */
  readonly location: string;
}

/** The stored copy's validators, sent to the origin as `if-none-match` / `if-modified-since` (refresh). */
export interface OriginValidators {
  readonly etag?: string;
  readonly lastModified?: string;
}

/** One key to mirror. */
export interface FetchAndStoreRequest {
  /** The key, from the key module (`requestKeyFromRawPath`). */
  readonly key: Extract<RequestKeyResult, { ok: true }>;
  /** The viewer's request headers; those in `forwardHeaders` go to the origin. */
  readonly viewerHeaders?: Readonly<Record<string, string | undefined>>;
  /** Validators of the stored copy: the origin may answer 304, the verdict `unchanged`. */
  readonly validators?: OriginValidators;
  /** What the commit requires of the key (default `If-None-Match: *`; `If-Match` makes this a refresh). */
  readonly precondition?: StorePrecondition;
  /** The viewer to answer; none for a job. */
  readonly viewer?: ViewerSink;
}

/** Mirrors one key; never rejects for an origin or S3 failure (that is an outcome). */
export async function fetchAndStore(env: FetchEnvironment, req: FetchAndStoreRequest): Promise<RequestResult> {
  const fetched = await fetchStep(env, req);
  if ('outcome' in fetched) return fetched;
  const refused = verdictStep(env, req, fetched);
  if (refused) return refused;
  return transferStep(env, req, fetched);
}

/** The origin's response and what the result says about it so far. */
interface Fetched {
  readonly origin: OriginResponse;
  readonly result: Pick<RequestResult, 'key' | 'originStatus' | 'redirects' | 'originMs'>;
}

/** Builds the origin URL and asks the origin: its response, or the answer to a failure before any. */
async function fetchStep(env: FetchEnvironment, req: FetchAndStoreRequest): Promise<Fetched | RequestResult> {
  const { key, viewer } = req;
  const headOnly = viewer?.headOnly ?? false;
  // A variant is fetched with exactly its canonical query; a plain object with none.
  const url = originUrl(env.endpoint, key.originPath, key.query);
  if (!url.ok) {
    viewer?.response.answer(rejected(400, url.reason), { headOnly });
    return { key: key.key, outcome: 'rejected', status: 400, bytes: 0, error: url.reason };
  }
  // From here on, every answer says it comes from the origin.
  viewer?.response.markMiss();
  const started = env.clock();
  const waitForOrigin = (): void => env.progress?.waitForOrigin(env.config.originResponseTimeoutMs);
  waitForOrigin();
  try {
    const origin = await fetchOrigin({
      url: url.url,
      endpoint: env.endpoint,
      viewerHeaders: req.viewerHeaders ?? {},
      forwardHeaders: env.config.forwardHeaders,
      originHeaders: env.config.originHeaders,
      conditionalHeaders: conditionalHeaders(req.validators),
      headersTimeoutMs: env.config.originResponseTimeoutMs,
      bodyTimeoutMs: env.config.originIdleTimeoutMs,
      transport: env.transport,
      signal: env.deadline,
      onRedirect: waitForOrigin,
    });
    const originMs = Math.round(env.clock() - started);
    return { origin, result: { key: key.key, originStatus: origin.status, redirects: origin.redirects || undefined, originMs } };
  } catch (err) {
    const failure = env.deadline.aborted ? toError(env.deadline.reason) : err;
    const answer = fetchFailure(failure);
    viewer?.response.answer(answer, { headOnly });
    const originMs = Math.round(env.clock() - started);
    return { key: key.key, outcome: answer.outcome, status: answer.status, bytes: 0, originMs, error: errorMessage(failure) };
  } finally {
    env.progress?.originAnswered();
  }
}

/** Answers anything but a 200 of a size the mirror takes, without storing it; undefined when the object is to be mirrored. */
function verdictStep(env: FetchEnvironment, req: FetchAndStoreRequest, { origin, result }: Fetched): RequestResult | undefined {
  const headOnly = req.viewer?.headOnly ?? false;
  const verdict = verdictForOriginStatus(origin.status, env.config.notFoundTtlSeconds, conditionalHeaders(req.validators) !== undefined);
  if (!verdict.mirror) {
    discardBody(origin.body, declaredLength(origin.headers));
    req.viewer?.response.answer(verdict, { headOnly });
    const outcome = isReplace(req.precondition ?? CREATE_ONLY) && verdict.outcome === 'not-found' ? 'gone' : verdict.outcome;
    return { ...result, outcome, status: verdict.status, bytes: 0, error: origin.redirectRefused };
  }
  const declared = declaredLength(origin.headers);
  if (declared === undefined || declared <= env.config.maxObjectSizeBytes) return undefined;
  discardBody(origin.body);
  const answer = tooLarge();
  req.viewer?.response.answer(answer, { headOnly });
  return { ...result, outcome: answer.outcome, status: answer.status, bytes: 0, error: `Content-Length ${declared} > ${env.config.maxObjectSizeBytes}` };
}

/** Moves the body into S3 (and to the viewer, when small), then answers the viewer. */
async function transferStep(env: FetchEnvironment, req: FetchAndStoreRequest, { origin, result }: Fetched): Promise<RequestResult> {
  const { headers, dropped } = storedHeaders(origin.headers);
  const moved = await transfer({
    origin,
    declared: declaredLength(origin.headers),
    streamThreshold: env.config.streamThresholdBytes,
    viewer: req.viewer,
    store: {
      s3: env.s3,
      bucket: env.config.bucketName,
      key: result.key!,
      maxBytes: env.config.maxObjectSizeBytes,
      headers,
      precondition: req.precondition,
      signal: env.deadline,
      abortGraceMs: env.abortGraceMs,
      clock: env.clock,
      progress: env.progress,
    },
  });
  const objectType = headers.contentType ?? DEFAULT_CONTENT_TYPE;
  const replace = isReplace(req.precondition ?? CREATE_ONLY);
  const head = (): Record<string, string> => objectHeaders(origin.headers, objectType, moved.bytes);
  return {
    ...result,
    ...answerStep(moved, { viewer: req.viewer, replace, deadline: env.deadline, head }),
    bytes: moved.bytes,
    storeMs: moved.store?.storeMs,
    aborted: req.viewer?.response.aborted || undefined,
    droppedHeaders: dropped.length > 0 ? dropped : undefined,
  };
}

type Answered = Pick<RequestResult, 'outcome' | 'status' | 'delivery' | 'error'>;

/** What answering a transfer needs besides the transfer. */
interface AnswerContext {
  readonly viewer?: ViewerSink;
  /** Whether the store replaced a version (`If-Match`). */
  readonly replace: boolean;
  readonly deadline: AbortSignal;
  /** The object's headers, for HEAD. */
  readonly head: () => Record<string, string>;
}

/** Answers the viewer (if any) for a transfer, and names its outcome. */
function answerStep(moved: Transferred, { viewer, replace, deadline, head }: AnswerContext): Answered {
  const delivery = moved.streamed ? 'streamed' : undefined;
  if (moved.failure) {
    const answer = bodyFailure(moved.failure);
    viewer?.response.fail(moved.failure, answer, viewer.headOnly);
    return { outcome: answer.outcome, status: viewer?.response.status ?? answer.status, delivery, error: errorMessage(moved.failure) };
  }
  const store = moved.store!;
  if (store.outcome === 'store-error') {
    // A streamed answer is complete: the failed store (or time running out) only cost the store.
    if (moved.streamed && deadline.aborted) return { outcome: 'deadline', status: 200, delivery, error: errorMessage(toError(deadline.reason)) };
    if (moved.streamed) return { outcome: 'store-error', status: 200, delivery, error: errorMessage(store.error) };
    const answer = badGateway('store-error', 'The object could not be stored');
    viewer?.response.answer(answer, { headOnly: viewer.headOnly });
    return { outcome: answer.outcome, status: answer.status, error: errorMessage(store.error) };
  }
  const outcome = storedOutcome(store, replace);
  if (moved.streamed || !viewer) return { outcome, status: 200, delivery };
  // HEAD gets the headers (an encoded object's go the way its body does: from S3, after the redirect).
  if (viewer.headOnly && !moved.encoded) {
    viewer.response.begin(200, head());
    viewer.response.end();
    return { outcome, status: 200 };
  }
  // Stored at full speed; the viewer asks again and gets it from S3 (Lambda streams slowly past 6 MB).
  viewer.response.begin(302, { 'location': viewer.location, 'cache-control': NO_STORE, 'content-type': 'text/plain; charset=utf-8' });
  if (!viewer.headOnly) viewer.response.write(Buffer.from('Stored; request it again\n', 'utf8'));
  viewer.response.end();
  return { outcome, status: 302, delivery: 'redirected' };
}

/** The outcome of a store that was committed or refused by its precondition. */
function storedOutcome(store: StoreResult, replace: boolean): Outcome {
  if (store.outcome === 'stored') return replace ? 'updated' : 'stored';
  return replace ? 'conflict' : 'exists';
}

/** The origin request's conditional headers for `validators`, if there are any. */
function conditionalHeaders(validators: OriginValidators | undefined): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  if (validators?.etag) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
  return Object.keys(headers).length > 0 ? headers : undefined;
}
