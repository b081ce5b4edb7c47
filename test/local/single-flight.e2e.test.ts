/**
 * Single-flight end to end, on the local stack started from the synthesized template (lease table in dynalite,
 * one container per concurrent invocation, the bundled handler): one origin fetch per object under a herd, counted
 * at the origin stand-in. Viewers follow redirects as browsers do. Nothing sleeps: a test waits for the origin to
 * see a request, for waiters' reads of the lease at the DynamoDB stand-in, for the commit at the S3 stand-in.
 */
import { sha256, send, synthesizeForTest } from './helpers';
import type { Reply } from './helpers';
import { LocalOrigin, OriginRoute, patternBuffer, PatternBody, startOrigin } from '../../local/origin/server';
import { LocalMirror, startLocalMirror } from '../../local/stack';
import { MirrorOriginDistribution } from '../../src';
import { ENVIRONMENT_VARIABLES } from '../../src/config';

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * Shortened from the shipped 15 s through the configuration: at 15 s the takeover test would spend most of its 20 s
 * bound waiting, and a loaded CI machine could push the refetch past it. That the shipped figures take over within
 * 20 s is held by test/handler/lease-rules.test.ts.
 */
const STALE_MS = 4_000;
let origin: LocalOrigin;
let mirror: LocalMirror;
let dispose: () => void;

beforeAll(async () => {
  origin = await startOrigin();
  const synthesized = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', { endpoint: `${origin.url}/base` }));
  dispose = synthesized.dispose;
  mirror = await startLocalMirror({
    spec: synthesized.spec,
    // A container per concurrent request, as Lambda scales; no streaming cap (its pace is not what is tested here).
    function: { maxContainers: 8, bandwidthCap: false, environment: { [ENVIRONMENT_VARIABLES.leaseStaleMs]: String(STALE_MS) } },
  });
}, 120_000);

afterAll(async () => {
  await mirror?.close();
  await origin?.close();
  dispose?.();
});

function originCount(path: string): number {
  return origin.requests.filter((r) => r.url === `/base${path}`).length;
}

/** A viewer: GETs `path`, following redirects to the same host as a browser does (at most 20). */
async function view(path: string): Promise<Reply & { hops: number }> {
  let target = path;
  for (let hops = 0; ; hops++) {
    const reply = await send(mirror.viewerUrl, target);
    if (reply.status !== 302 || hops === 20) return { ...reply, hops };
    target = String(reply.headers.location);
  }
}

/** Resolves once `n` other containers (DynamoDB connections) read `key`'s lease and found it held. */
function waitersHeld(key: string, n: number): Promise<void> {
  const seen = new Set<number>();
  return new Promise((resolve) => {
    const check = (r: { operation: string; key?: string; connection: number; output: Record<string, any> }) => {
      if (r.operation === 'GetItem' && r.key === key && r.output.Item && !r.output.Item.verdict) seen.add(r.connection);
      if (seen.size >= n) {
        stop();
        resolve();
      }
    };
    const stop = mirror.dynamodb!.onRequest(check);
    for (const r of mirror.dynamodb!.requests) check(r);
  });
}

/** Successful commits of `key` at the S3 stand-in (PutObject, or CompleteMultipartUpload). */
function commits(key: string): number {
  return mirror.s3.requests.filter((r) => r.key === key && r.status === 200 &&
    ((r.method === 'PUT' && !/partNumber=/.test(r.query)) || (r.method === 'POST' && /uploadId=/.test(r.query)))).length;
}

function held(route: OriginRoute, afterBytes?: number): { route: OriginRoute; release: () => void } {
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  return { route: { ...route, fault: { kind: 'wait', until, afterBytes } }, release };
}

test('the local stack runs the template\'s lease table in the DynamoDB stand-in', () => {
  expect(mirror.spec.tables).toHaveLength(1);
  expect(mirror.spec.function.environment[ENVIRONMENT_VARIABLES.leaseTableName]).toBe(mirror.spec.tables[0].tableName);
  expect(mirror.dynamodb).toBeDefined();
});

test.each([
  ['16 MiB', { size: 16 * MiB, seed: 161 }],
  ['1 MiB', { size: MiB, seed: 11 }],
])('8 concurrent misses of one %s key: exactly 1 origin fetch, 8 byte-exact answers', async (label, body: PatternBody) => {
  const path = `/herd/${label.replace(' ', '')}.bin`;
  origin.route(`/base${path}`, { body, headers: { 'content-type': 'application/octet-stream' } });
  const expected = sha256(patternBuffer(body));
  const replies = await Promise.all(Array.from({ length: 8 }, () => view(path)));
  const exact = replies.map((r) => [r.status, r.complete, r.body.length === body.size && sha256(r.body) === expected]);
  expect(exact).toEqual(Array(8).fill([200, true, true]));
  expect(originCount(path)).toBe(1);
  expect(commits(path.slice(1))).toBe(1);
});

test('40 concurrent misses over 8 keys: 8 origin fetches', async () => {
  const bodies = Array.from({ length: 8 }, (_, i) => ({ size: 256 * KiB + i, seed: 400 + i }));
  bodies.forEach((body, i) => origin.route(`/base/forty/${i}.bin`, { body }));
  const replies = await Promise.all(Array.from({ length: 40 }, (_, n) => view(`/forty/${n % 8}.bin`).then((r) => ({ r, i: n % 8 }))));
  for (const { r, i } of replies) expect([r.status, sha256(r.body)]).toEqual([200, sha256(patternBuffer(bodies[i]))]);
  expect(bodies.map((_, i) => originCount(`/forty/${i}.bin`))).toEqual(Array(8).fill(1));
});

test('8 concurrent misses of a key the origin answers 404: 1 origin request, 8 × 404', async () => {
  origin.route('/base/herd/none.html', { status: 404, body: 'none' });
  const replies = await Promise.all(Array.from({ length: 8 }, () => view('/herd/none.html')));
  expect(replies.map((r) => [r.status, r.headers['cache-control']])).toEqual(Array(8).fill([404, 'public, max-age=10']));
  expect(originCount('/herd/none.html')).toBe(1);
});

test('a holder whose origin answers 500: the waiters answer 502 no-store without fetching; the next request fetches again', async () => {
  const path = '/herd/failing.bin';
  const failing = held({ status: 500, body: 'down' });
  origin.route(`/base${path}`, failing.route);
  const holder = view(path);
  await origin.requested(`/base${path}`);
  const waiters = Array.from({ length: 7 }, () => view(path));
  await waitersHeld(path.slice(1), 7);
  failing.release();
  const replies = await Promise.all([holder, ...waiters]);
  expect(replies.map((r) => [r.status, r.headers['cache-control']])).toEqual(Array(8).fill([502, 'no-store']));
  expect(replies.filter((r) => r.headers['x-mirror'] === 'waited')).toHaveLength(7);
  expect(originCount(path)).toBe(1);

  origin.route(`/base${path}`, { body: 'recovered' });
  const next = await view(path);
  expect([next.status, next.body.toString()]).toEqual([200, 'recovered']);
  expect(originCount(path)).toBe(2);
});

test('a retry while a large object is being stored: no second fetch, and the retry gets the object', async () => {
  const path = '/herd/retried.bin';
  const body = { size: 12 * MiB, seed: 121 };
  const slow = held({ body }, 4 * MiB);
  origin.route(`/base${path}`, slow.route);
  const first = view(path);
  await origin.requested(`/base${path}`);
  // The viewer gave up and asked again (or another tab did), while the first request is still storing.
  const retry = view(path);
  await waitersHeld(path.slice(1), 1);
  slow.release();
  const expected = sha256(patternBuffer(body));
  for (const reply of await Promise.all([first, retry])) expect([reply.status, sha256(reply.body)]).toEqual([200, expected]);
  expect(originCount(path)).toBe(1);
  expect(commits(path.slice(1))).toBe(1);
});

test('the holder\'s process killed with SIGKILL mid-fetch: a waiter takes over within 20 s, the object is stored once, exact', async () => {
  const path = '/herd/orphaned.bin';
  const body = { size: 16 * MiB, seed: 169 };
  // The first fetch stops after 2 MiB and never goes on: the holder is killed there.
  origin.route(`/base${path}`, held({ body }, 2 * MiB).route);
  const holder = view(path);
  await origin.requested(`/base${path}`);
  const busy = mirror.functionUrl.pool.info.filter((c) => c.state === 'busy');
  expect(busy).toHaveLength(1);
  const waiters = Array.from({ length: 3 }, () => view(path));
  await waitersHeld(path.slice(1), 3);
  // The origin is healthy again for whoever fetches next.
  origin.route(`/base${path}`, { body });
  const killedAt = Date.now();
  process.kill(busy[0].pid!, 'SIGKILL');
  await mirror.s3.served((r) => r.key === path.slice(1) && r.status === 200 && r.method === 'POST' && /uploadId=/.test(r.query));
  expect(Date.now() - killedAt).toBeLessThan(20_000);

  const expected = sha256(patternBuffer(body));
  for (const reply of await Promise.all(waiters)) expect([reply.status, reply.body.length, sha256(reply.body)]).toEqual([200, body.size, expected]);
  expect((await holder).status).not.toBe(200);
  expect(originCount(path)).toBe(2);
  expect(commits(path.slice(1))).toBe(1);
  expect(sha256((await mirror.s3.getObject(mirror.spec.bucketName, path.slice(1)))!.body)).toBe(expected);
}, 90_000);
