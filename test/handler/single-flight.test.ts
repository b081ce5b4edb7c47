/**
 * Single-flight in the handler, against real parts: several handlers (each one a container, with its own clients)
 * in this process, the S3 stand-in, dynalite for the lease table, the origin stand-in holding its answer until the
 * test lets it go. Origin fetches are counted at the origin. Each waiter is known to wait once its own read of the
 * lease found it held; nothing sleeps.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { invoke, Invocation } from './invoke';
import { LocalDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { installAwsLambdaGlobals, StreamingHandler } from '../../local/lambda/runtime';
import { LocalOrigin, OriginRoute, patternBuffer, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import type { MirrorConfig } from '../../src/config';
import { dynamoLeaseStore, LeaseStore } from '../../src/handler/lease-store';
import type { LogLine } from '../../src/handler/log';
import { createMirrorHandler } from '../../src/handler/mirror';
import { handlerS3Client } from '../support/s3-client';
import { testConfig } from '../support/test-config';

const BUCKET = 'mirror';
const TABLE = 'leases';
const KiB = 1024;
const MiB = 1024 * KiB;
let origin: LocalOrigin;
let s3: LocalS3;
let dynamodb: LocalDynamoDb;
let s3Client: S3Client;
let logs: LogLine[];

beforeAll(async () => {
  [origin, s3, dynamodb] = await Promise.all([startOrigin(), startS3({ buckets: [BUCKET], strict: true }), startDynamoDb()]);
  await dynamodb.createLeaseTable(TABLE);
  s3Client = handlerS3Client(s3);
  installAwsLambdaGlobals();
});

afterAll(async () => {
  s3Client?.destroy();
  await Promise.all([origin?.close(), s3?.stop(), dynamodb?.stop()]);
});

beforeEach(() => {
  logs = [];
});

/** One container: a handler with its own view of the lease table; `held` resolves once one of its reads found the key held. */
interface Container {
  readonly handler: StreamingHandler;
  readonly held: Promise<void>;
}

function container(config: Partial<MirrorConfig> = {}, extra: { wallClock?: () => number; table?: string; s3?: S3Client } = {}): Container {
  const leases = dynamoLeaseStore(dynamodb.client, extra.table ?? TABLE);
  let sawHeld!: () => void;
  const held = new Promise<void>((resolve) => (sawHeld = resolve));
  const watched: LeaseStore = {
    ...leases,
    read: async (key) => {
      const lease = await leases.read(key);
      if (lease && !lease.verdict) sawHeld();
      return lease;
    },
  };
  const handler = awslambda.streamifyResponse(createMirrorHandler({
    config: testConfig({
      bucketName: BUCKET,
      endpoint: `${origin.url}/base`,
      originResponseTimeoutMs: 30_000,
      originIdleTimeoutMs: 30_000,
      streamThresholdBytes: 1 * MiB,
      leaseTableName: TABLE,
      ...config,
    }),
    s3: extra.s3 ?? s3Client,
    leases: watched,
    wallClock: extra.wallClock,
    logger: (line) => logs.push(line),
  })) as unknown as StreamingHandler;
  return { handler, held };
}

/** A route whose answer waits (before its headers, or after `afterBytes`) until `release()`. */
function heldRoute(route: OriginRoute, afterBytes?: number): { route: OriginRoute; release: () => void } {
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  return { route: { ...route, fault: { kind: 'wait', until, afterBytes } }, release };
}

function originCount(path: string): number {
  return origin.requests.filter((r) => r.url === `/base${path}`).length;
}

/** Requests that committed `key` in S3 (PutObject, or CompleteMultipartUpload), successful or not. */
function commits(key: string): number[] {
  return s3.requests.filter((r) => r.key === key && ((r.method === 'PUT' && !/partNumber=/.test(r.query)) || (r.method === 'POST' && /uploadId=/.test(r.query))))
    .map((r) => r.status);
}

/**
 * The holder's request first (it reaches the origin, which holds its answer), then `waiters` more, each on a
 * container of its own; once every waiter found the key held, the origin answers.
 */
async function herd(
  path: string, held: { route: OriginRoute; release: () => void }, waiters: number, options: { method?: string; config?: Partial<MirrorConfig> } = {},
) {
  origin.route(`/base${path}`, held.route);
  const holder = invoke(container(options.config).handler, { rawPath: path, method: options.method, requestId: 'holder' });
  await origin.requested(`/base${path}`);
  const others = Array.from({ length: waiters }, () => container(options.config));
  const answers = others.map((c, i) => invoke(c.handler, { rawPath: path, method: options.method, requestId: `waiter-${i}` }));
  await Promise.all(others.map((c) => c.held));
  held.release();
  return { holder: await holder, waiters: await Promise.all(answers) };
}

function logOf(requestId: string): LogLine {
  return logs.find((line) => line.requestId === requestId)!;
}

test('five concurrent misses of a small object: one origin fetch, the holder streams it, the waiters answer from the bucket', async () => {
  const body = patternBuffer({ size: 300 * KiB, seed: 21 });
  const { holder, waiters } = await herd('/herd/small.bin', heldRoute({ body, headers: { 'content-type': 'application/x-test' } }, 64 * KiB), 4);
  expect(originCount('/herd/small.bin')).toBe(1);
  for (const answer of [holder, ...waiters]) {
    expect(answer.status).toBe(200);
    expect(answer.body.equals(body)).toBe(true);
    expect(answer.headers['content-type']).toBe('application/x-test');
  }
  expect(holder.headers['x-mirror']).toBe('miss');
  // A waiter's answer is a hit's: the bucket's validators and length, and it says it waited.
  expect(waiters.map((w) => [w.headers['x-mirror'], w.headers['content-length'], /^"[0-9a-f]{32}"$/.test(w.headers.etag)])).toEqual(
    Array(4).fill(['waited', String(body.length), true]));
  expect(commits('herd/small.bin')).toEqual([200]);
  expect(logOf('holder')).toMatchObject({ outcome: 'stored', singleFlight: { role: 'holder' } });
  for (let i = 0; i < 4; i++) {
    expect(logOf(`waiter-${i}`)).toMatchObject({ outcome: 'waited', status: 200, bytes: 0, singleFlight: { role: 'waiter', holderOutcome: 'stored' } });
  }
});

test('a large object: stored once, and every request, holder or waiter, gets the redirect to itself', async () => {
  const body = { size: 3 * MiB, seed: 22 };
  const { holder, waiters } = await herd('/herd/large.bin', heldRoute({ body }, MiB), 3);
  expect(originCount('/herd/large.bin')).toBe(1);
  for (const answer of [holder, ...waiters]) expect([answer.status, answer.headers.location, answer.headers['cache-control']]).toEqual([302, '/herd/large.bin', 'no-store']);
  expect(commits('herd/large.bin')).toEqual([200]);
  expect((await s3.getObject(BUCKET, 'herd/large.bin'))?.body.equals(patternBuffer(body))).toBe(true);
});

test('HEAD waiters get the stored object\'s headers, no body', async () => {
  const body = patternBuffer({ size: 40 * KiB, seed: 23 });
  const { waiters } = await herd('/herd/head.bin', heldRoute({ body, headers: { 'content-type': 'text/plain' } }), 2, { method: 'HEAD' });
  expect(originCount('/herd/head.bin')).toBe(1);
  for (const w of waiters) expect([w.status, w.headers['content-length'], w.headers['content-type'], w.body.length]).toEqual([200, String(body.length), 'text/plain', 0]);
});

test('a key the origin does not have: one origin request, every request the 404; a newcomer reuses it for notFoundTtl, then asks again', async () => {
  const { holder, waiters } = await herd('/herd/missing.html', heldRoute({ status: 404, body: 'no' }), 4);
  expect(originCount('/herd/missing.html')).toBe(1);
  for (const answer of [holder, ...waiters]) expect([answer.status, answer.headers['cache-control']]).toEqual([404, 'public, max-age=10']);
  expect(waiters.map((w) => w.headers['x-mirror'])).toEqual(Array(4).fill('waited'));

  const newcomer = await invoke(container().handler, { rawPath: '/herd/missing.html', requestId: 'newcomer' });
  expect(newcomer.status).toBe(404);
  expect(Number(/max-age=(\d+)/.exec(newcomer.headers['cache-control'])?.[1])).toBeLessThanOrEqual(10);
  expect(originCount('/herd/missing.html')).toBe(1);
  // As a cache would: once the 404 would have expired, the origin is asked again.
  const later = await invoke(container({}, { wallClock: () => Date.now() + 11_000 }).handler, { rawPath: '/herd/missing.html', requestId: 'later' });
  expect(later.status).toBe(404);
  expect(originCount('/herd/missing.html')).toBe(2);
  expect(logOf('later')).toMatchObject({ outcome: 'not-found', singleFlight: { role: 'holder' } });
});

test('a holder whose origin answers 500: the waiters answer 502 no-store without fetching, and the next request fetches again', async () => {
  const { holder, waiters } = await herd('/herd/broken.bin', heldRoute({ status: 500, body: 'down' }), 4);
  expect(originCount('/herd/broken.bin')).toBe(1);
  for (const answer of [holder, ...waiters]) expect([answer.status, answer.headers['cache-control']]).toEqual([502, 'no-store']);
  expect(logOf('waiter-0')).toMatchObject({ outcome: 'waited', status: 502, singleFlight: { role: 'waiter', holderOutcome: 'origin-error' } });

  origin.route('/base/herd/broken.bin', { body: 'back' });
  const next = await invoke(container().handler, { rawPath: '/herd/broken.bin', requestId: 'next' });
  expect([next.status, next.body.toString()]).toEqual([200, 'back']);
  expect(originCount('/herd/broken.bin')).toBe(2);
});

test('a holder waiting for a slow origin within its first-byte timeout, longer than the stale age, renews its lease: nobody takes over, one fetch', async () => {
  const config = { leaseStaleMs: 600 };
  const key = 'herd/slow.bin';
  // Released only after four renewals (800 ms at least): longer than a lease lives unrenewed.
  const renewals = new Promise<void>((resolve) => {
    let seen = 0;
    const stop = dynamodb.onRequest((r) => {
      if (r.operation === 'UpdateItem' && r.key === key && r.status === 200 && /renewedAt/.test(r.input.UpdateExpression) && !/verdict/.test(r.input.UpdateExpression) && ++seen === 4) {
        stop();
        resolve();
      }
    });
  });
  // The origin holds its headers (the configured first-byte timeout is 30 s): a slow origin, not a stalled holder.
  const held = heldRoute({ body: patternBuffer({ size: 100 * KiB, seed: 24 }) });
  const release = held.release;
  const herded = herd('/herd/slow.bin', { route: held.route, release: () => void renewals.then(release) }, 2, { config });
  const { waiters } = await herded;
  expect(originCount('/herd/slow.bin')).toBe(1);
  expect(waiters.map((w) => w.status)).toEqual([200, 200]);
  expect(logs.map((l) => l.singleFlight?.role).sort()).toEqual(['holder', 'waiter', 'waiter']);
});

test('a holder whose body stalls mid-transfer stops renewing: after the stale age a waiter takes over and fetches', async () => {
  const config = { leaseStaleMs: 600, leaseWaitMs: 20_000 };
  const body = patternBuffer({ size: 100 * KiB, seed: 25 });
  // The holder's body stops after 10 KiB (its idle timeout is 30 s) until the takeover is done.
  const stalled = heldRoute({ body }, 10 * KiB);
  origin.route('/base/herd/stalled.bin', stalled.route);
  const holder = invoke(container(config).handler, { rawPath: '/herd/stalled.bin', requestId: 'stalled' });
  await origin.requested('/base/herd/stalled.bin');
  origin.route('/base/herd/stalled.bin', { body });
  const taker = await invoke(container(config).handler, { rawPath: '/herd/stalled.bin', requestId: 'taker' });
  expect([taker.status, taker.body.equals(body)]).toEqual([200, true]);
  expect(logOf('taker')).toMatchObject({ outcome: 'stored', singleFlight: { role: 'took-over' } });
  expect(originCount('/herd/stalled.bin')).toBe(2);
  stalled.release();
  // The stalled holder's viewer still gets the whole object; its own store finds the key taken.
  const late = await holder;
  expect([late.status, late.body.equals(body)]).toEqual([200, true]);
  expect(logOf('stalled')).toMatchObject({ outcome: 'exists', singleFlight: { role: 'holder' } });
  expect(commits('herd/stalled.bin')).toEqual([200, 412]);
});

test('a lease whose holder is gone (not renewed for the stale age) is taken over by one waiter, which fetches', async () => {
  origin.route('/base/orphan.bin', { body: 'taken over' });
  await dynamoLeaseStore(dynamodb.client, TABLE).take('orphan.bin', 'gone', Date.now());
  const answer = await invoke(container({ leaseStaleMs: 300 }).handler, { rawPath: '/orphan.bin', requestId: 'taker' });
  expect([answer.status, answer.body.toString()]).toEqual([200, 'taken over']);
  expect(logOf('taker')).toMatchObject({ outcome: 'stored', singleFlight: { role: 'took-over' } });
  expect(logOf('taker').singleFlight!.waitedMs).toBeGreaterThanOrEqual(300);
  expect(originCount('/orphan.bin')).toBe(1);
});

test('a waiter that waited its longest answers the redirect to itself, no-store, and frees its function', async () => {
  origin.route('/base/busy.bin', { body: 'never fetched here' });
  await dynamoLeaseStore(dynamodb.client, TABLE).take('busy.bin', 'alive', Date.now());
  const answer: Invocation = await invoke(container({ leaseWaitMs: 300, leaseStaleMs: 59_000 }).handler, { rawPath: '/busy.bin', requestId: 'patient' });
  expect([answer.status, answer.headers.location, answer.headers['cache-control'], answer.headers['x-mirror']]).toEqual([302, '/busy.bin', 'no-store', 'waited']);
  expect(logOf('patient')).toMatchObject({ outcome: 'waited', status: 302, delivery: 'redirected', singleFlight: { role: 'waiter' } });
  expect(originCount('/busy.bin')).toBe(0);
});

test('a lease table that cannot be reached: the request fetches without a lease, as without single-flight', async () => {
  origin.route('/base/no-table.bin', { body: 'fetched anyway' });
  const answer = await invoke(container({}, { table: 'missing-table' }).handler, { rawPath: '/no-table.bin', requestId: 'alone' });
  expect([answer.status, answer.body.toString()]).toEqual([200, 'fetched anyway']);
  expect(logOf('alone')).toMatchObject({ outcome: 'stored', singleFlight: { role: 'unavailable', error: expect.stringMatching(/ResourceNotFoundException/) } });
});

test('an object stored, then removed: S3\'s 403 for a key the role may read but not list (as on AWS) means not there, and one request fetches it again', async () => {
  origin.route('/base/removed.bin', { body: 'stored twice' });
  expect((await invoke(container().handler, { rawPath: '/removed.bin', requestId: 'first' })).status).toBe(200);
  await s3Client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'removed.bin' }));
  // Without s3:ListBucket, S3 answers a read of a missing key 403 AccessDenied, not 404 (s3rver always says 404).
  const denying = Object.create(s3Client) as S3Client;
  denying.send = ((command: unknown, options?: unknown) => {
    if ((command instanceof GetObjectCommand || command instanceof HeadObjectCommand) && command.input.Key === 'removed.bin') {
      return Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    }
    return (s3Client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
  }) as S3Client['send'];
  const again = await invoke(container({}, { s3: denying }).handler, { rawPath: '/removed.bin', requestId: 'again' });
  expect([again.status, again.body.toString()]).toEqual([200, 'stored twice']);
  expect(originCount('/removed.bin')).toBe(2);
  // A new fetch after a holder that was done, not a takeover of one that was gone.
  expect(logOf('again')).toMatchObject({ outcome: 'stored', singleFlight: { role: 'holder' } });
  expect(logOf('again').singleFlight?.error).toBeUndefined();
});
