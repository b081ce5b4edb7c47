/**
 * The mirror end to end, on the local stack started from the synthesized
 * template of `MirrorOriginDistribution` with the bundled handler: viewer →
 * CloudFront stand-in → S3 (s3rver) → on 404 the function URL stand-in → the
 * handler in a child process → the local origin and S3.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Duration, Size } from 'aws-cdk-lib';
import { sendAndSettle, sendRaw, sha256, synthesizeForTest } from './helpers';
import { expectLargeStoredBeforeRedirect, expectMissThenHit, originCount, Setup, storedObject } from './scenarios';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import { formatRequest } from '../../local/request-log';
import { startLocalMirror } from '../../local/stack';
import { MirrorOriginDistribution } from '../../src';
import { REJECTED_PATHS, urlLookingPaths } from '../handler/hostile-paths';

const MiB = 1024 * 1024;
let origin: LocalOrigin;
let foreign: Server;
const foreignRequests: string[] = [];
let setup: Setup;
let dispose: () => void;

beforeAll(async () => {
  origin = await startOrigin();
  foreign = createServer((req, res) => {
    foreignRequests.push(`${req.method} ${req.url}`);
    res.end('foreign');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  const synthesized = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', {
    endpoint: `${origin.url}/base`,
    keyPrefix: 'mirror/',
    streamThreshold: Size.mebibytes(6),
  }));
  dispose = synthesized.dispose;
  const mirror = await startLocalMirror({ spec: synthesized.spec });
  setup = { mirror, origin, originBase: '/base', keyPrefix: 'mirror/' };
});

afterAll(async () => {
  await setup?.mirror.close();
  await origin?.close();
  foreign?.close();
  dispose?.();
});

test('the local stack runs what the template deploys', () => {
  const spec = setup.mirror.spec;
  expect(spec.function.environment.MIRROR_BUCKET_NAME).toBe(spec.bucketName);
  expect(spec.function.environment.MIRROR_ENDPOINT).toBe(`${origin.url}/base`);
  expect(spec.distribution.behaviors).toMatchObject([{
    pathPattern: '*',
    primary: { kind: 's3', originPath: '/mirror', bucketName: spec.bucketName },
    fallback: { kind: 'function-url', signed: true, functionUrlLogicalId: spec.functionUrl.logicalId },
  }]);
  expect(spec.functionUrl).toMatchObject({ authType: 'AWS_IAM', invokeMode: 'RESPONSE_STREAM' });
});

test('a miss is fetched once and stored byte-exact; the next GET comes from the bucket', async () => {
  await expectMissThenHit(setup, '/css/site.css', Buffer.from('body { color: #333 }\n'), 'text/css');
  await expectMissThenHit(setup, '/bin/one.bin', patternBuffer({ size: MiB + 17, seed: 7 }), 'application/octet-stream');
});

test('x-mirror: a miss says the object came from the origin; the following hit, from the bucket, does not', async () => {
  origin.route('/base/x-mirror/page.html', { body: '<p>mirrored</p>', headers: { 'content-type': 'text/html' } });
  const miss = await sendAndSettle(setup.mirror, '/x-mirror/page.html');
  expect(miss.record.cloudFront.failover).toBe(true);
  expect(miss.reply.status).toBe(200);
  expect(miss.reply.headers['x-mirror']).toBe('miss');
  const hit = await sendAndSettle(setup.mirror, '/x-mirror/page.html');
  expect(hit.record.cloudFront.servedBy).toBe('s3');
  expect(hit.reply.body.toString()).toBe('<p>mirrored</p>');
  expect(hit.reply.headers['x-mirror']).toBeUndefined();
  // A miss the origin does not have says so too: the 404 came from the origin, not the bucket.
  const notFound = await sendAndSettle(setup.mirror, '/x-mirror/nowhere.html');
  expect(notFound.reply.status).toBe(404);
  expect(notFound.reply.headers['x-mirror']).toBe('miss');
});

test('a raw "+" in the path: the origin gets it as sent, S3 reads it as a space, so the next GET is a hit', async () => {
  await expectMissThenHit(setup, '/crates/x-0.12+1.3.crate', Buffer.from('raw plus'), 'application/x-tar');
  expect((await setup.mirror.s3.listKeys(setup.mirror.spec.bucketName)).filter((key) => key.startsWith('mirror/crates/'))).toEqual(['mirror/crates/x-0.12 1.3.crate']);
  // "%2B" is a "+" to S3 as to the origin: another object.
  await expectMissThenHit(setup, '/crates/y-0.12%2B1.3.crate', Buffer.from('encoded plus'), 'application/x-tar');
  expect((await setup.mirror.s3.getObject(setup.mirror.spec.bucketName, 'mirror/crates/y-0.12+1.3.crate'))?.body.toString()).toBe('encoded plus');
});

test('the query string is neither part of the key nor sent to the origin', async () => {
  origin.route('/base/q.txt', { body: 'query-free', headers: { 'content-type': 'text/plain' } });
  const first = await sendAndSettle(setup.mirror, '/q.txt?v=1');
  expect(first.reply.status).toBe(200);
  expect(origin.requests.filter((r) => r.url.startsWith('/base/q.txt')).map((r) => r.url)).toEqual(['/base/q.txt']);
  const second = await sendAndSettle(setup.mirror, '/q.txt?v=2');
  expect(second.record.cloudFront.servedBy).toBe('s3');
  expect(second.reply.body.toString()).toBe('query-free');
});

test('a 404 from the origin passes through and nothing is stored; for notFoundTtl it is answered without asking again', async () => {
  const first = await sendAndSettle(setup.mirror, '/nowhere.html');
  expect(first.reply.status).toBe(404);
  expect(first.reply.headers['cache-control']).toBe('public, max-age=10');
  expect(first.record.handlerLog).toMatchObject({ outcome: 'not-found' });
  expect(await storedObject(setup, '/nowhere.html')).toBeUndefined();
  // Another edge (the stand-in caches nothing) asks within the 10 s: the function answers the same 404 itself.
  const second = await sendAndSettle(setup.mirror, '/nowhere.html');
  expect(second.record.cloudFront.failover).toBe(true);
  expect(second.reply.status).toBe(404);
  expect(second.reply.headers['x-mirror']).toBe('waited');
  expect(second.record.handlerLog).toMatchObject({ outcome: 'waited', singleFlight: { role: 'waiter', holderOutcome: 'not-found' } });
  // The local log says the same as the header: a waiter, not a miss.
  expect(formatRequest(second.record)).toMatch(/^WAIT \/nowhere\.html → key mirror\/nowhere\.html: another request's fetch ended not-found/);
  expect(originCount(setup, '/nowhere.html')).toBe(1);
});

test('HEAD on a miss answers the headers and stores the object; `curl -sI` of the miss and the hit differ by x-mirror', async () => {
  const body = patternBuffer({ size: 300_000, seed: 11 });
  origin.route('/base/head.bin', { body, headers: { 'content-type': 'application/octet-stream' } });
  const head = await sendAndSettle(setup.mirror, '/head.bin', { method: 'HEAD' });
  expect(head.record.cloudFront.failover).toBe(true);
  expect(head.reply.status).toBe(200);
  expect(head.reply.headers['content-length']).toBe(String(body.length));
  expect(head.reply.headers['x-mirror']).toBe('miss');
  expect(head.reply.body.length).toBe(0);
  expect(sha256((await storedObject(setup, '/head.bin'))!.body)).toBe(sha256(body));
  const headHit = await sendAndSettle(setup.mirror, '/head.bin', { method: 'HEAD' });
  expect(headHit.record.cloudFront.servedBy).toBe('s3');
  expect(headHit.reply.status).toBe(200);
  expect(headHit.reply.headers['content-length']).toBe(String(body.length));
  expect(headHit.reply.headers['x-mirror']).toBeUndefined();
  const get = await sendAndSettle(setup.mirror, '/head.bin');
  expect(get.record.cloudFront.servedBy).toBe('s3');
  expect(sha256(get.reply.body)).toBe(sha256(body));
  expect(originCount(setup, '/head.bin')).toBe(1);
});

test('a 64 MiB object is complete in S3 when its 302 arrives, then served from the bucket', async () => {
  await expectLargeStoredBeforeRedirect(setup, '/large/64mib.bin', { size: 64 * MiB, seed: 64 });
});

test('a body the origin sends gzip-encoded is stored as sent and reaches the viewer from the bucket, still encoded', async () => {
  const gzipped = gzipSync(Buffer.from('const mirror = true;\n'.repeat(4000)));
  origin.route('/base/js/app.js', { body: gzipped, headers: { 'content-type': 'text/javascript', 'content-encoding': 'gzip' } });
  const headers = { 'accept-encoding': 'gzip, br' };
  let atRedirect: string | undefined;
  const first = await sendAndSettle(setup.mirror, '/js/app.js', {
    headers,
    onHeaders: async () => {
      const stored = await storedObject(setup, '/js/app.js');
      atRedirect = stored ? sha256(stored.body) : undefined;
    },
  });
  expect(first.reply.status).toBe(302);
  expect(first.reply.headers.location).toBe('/js/app.js');
  expect(atRedirect).toBe(sha256(gzipped));

  const second = await sendAndSettle(setup.mirror, '/js/app.js', { headers });
  expect(second.record.cloudFront.servedBy).toBe('s3');
  expect(second.reply.status).toBe(200);
  expect(second.reply.headers['content-encoding']).toBe('gzip');
  expect(second.reply.headers['content-type']).toBe('text/javascript');
  expect(sha256(second.reply.body)).toBe(sha256(gzipped));
  expect(originCount(setup, '/js/app.js')).toBe(1);
});

test('an origin that cuts the body leaves nothing stored; the next request succeeds once it is healthy', async () => {
  const body = patternBuffer({ size: 2 * MiB, seed: 5 });
  origin.route('/base/flaky.bin', { body, headers: { 'content-type': 'application/octet-stream' }, fault: { kind: 'cut', afterBytes: MiB } });
  const cut = await sendAndSettle(setup.mirror, '/flaky.bin');
  const containers = setup.mirror.functionUrl.pool.started;
  // 2 MiB is under the stream threshold: the body was streaming when the origin cut it, so it never ends cleanly.
  expect(cut.reply.status).toBe(200);
  expect(cut.reply.complete).toBe(false);
  // The handler failed the invocation itself (error trailers); it did not take its container down.
  expect(cut.record.invocation?.error?.errorType).not.toMatch(/^Runtime\./);
  expect(cut.reply.body.length).toBeLessThan(body.length);
  expect(await storedObject(setup, '/flaky.bin')).toBeUndefined();

  origin.route('/base/flaky.bin', { body, headers: { 'content-type': 'application/octet-stream' } });
  const healthy = await sendAndSettle(setup.mirror, '/flaky.bin');
  expect(setup.mirror.functionUrl.pool.started).toBe(containers);
  expect(healthy.reply.status).toBe(200);
  expect(healthy.reply.complete).toBe(true);
  expect(sha256(healthy.reply.body)).toBe(sha256(body));
  expect(sha256((await storedObject(setup, '/flaky.bin'))!.body)).toBe(sha256(body));
});

/** Request targets that try to reach another host or list the bucket: the handler's own lists (its unit and integration tests use them too), then what only CloudFront sees. */
function hostileTargets(): string[] {
  const host = `127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  return [
    ...urlLookingPaths(host).map(([raw]) => raw),
    ...REJECTED_PATHS.map(([, raw]) => raw),
    `///${host}/x`,
    `/\\/${host}/x`,
    `/%2f%2f${host}%2fx`,
    `/x@${host}/`,
    `/https:/${host}/x`,
    `/..%2F..%2F${host}/x`,
    `/./../${host}/x`,
    `/%0d%0aHost:%20${host}/x`,
    `//${host}:80@127.0.0.1/x`,
    `http://${host}/x`,
    `//${host}/x?list-type=2`,
  ];
}

/**
 * 'an error' for a 4xx or 5xx, else the status: a hostile target gets 404 (the endpoint's host has no such object),
 * 400 or 414 (refused), or 500 where s3rver fails on a key S3 would refuse; never a body.
 */
function anError(status: number | undefined): number | string | undefined {
  return status !== undefined && status >= 400 && status < 600 ? 'an error' : status;
}

describe('"/" never returns a bucket listing', () => {
  // Without a keyPrefix "/" reaches S3 as a request for the bucket itself (with one, it asks for the key "mirror/"):
  // only defaultRootObject stands between it and a listing.
  const roots = ['/', '/?list-type=2', '/?prefix=', '//', '/?delimiter=/'];
  const listing = /ListBucketResult|<Contents>|<Key>/;
  let plain: Setup;
  let disposePlain: (() => void) | undefined;

  beforeAll(async () => {
    // No 404 kept (notFoundTtl 0): the root's 404 is not reused when the tests below add an index.html right after.
    const synthesized = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', {
      endpoint: `${origin.url}/base`, notFoundTtl: Duration.seconds(0),
    }));
    disposePlain = synthesized.dispose;
    plain = { mirror: await startLocalMirror({ spec: synthesized.spec }), origin, originBase: '/base', keyPrefix: '' };
    expect(plain.mirror.spec.distribution.behaviors).toMatchObject([{ primary: { kind: 's3', originPath: '' } }]);
    // A key in the bucket, so that a listing would have something to show.
    origin.route('/base/listed.txt', { body: 'listed', headers: { 'content-type': 'text/plain' } });
    await expectMissThenHit(plain, '/listed.txt', Buffer.from('listed'), 'text/plain');
  });

  afterAll(async () => {
    await plain?.mirror.close();
    disposePlain?.();
  });

  test('the check sees a listing where there is one: the same mirror without defaultRootObject lists the bucket', async () => {
    const spec = plain.mirror.spec;
    const bare = await startLocalMirror({ spec: { ...spec, distribution: { ...spec.distribution, defaultRootObject: undefined } } });
    try {
      const { reply } = await sendAndSettle(bare, '/');
      expect(reply.body.toString('utf8')).toMatch(listing);
    } finally {
      await bare.close();
    }
  });

  test('without an index.html at the origin', async () => {
    for (const root of roots) {
      const { reply } = await sendAndSettle(plain.mirror, root);
      expect(reply.body.toString('utf8')).not.toMatch(listing);
      // index.html, which the origin does not have either.
      expect(reply.status).toBe(404);
    }
  });

  test('hostile paths sent raw do not list the bucket either', async () => {
    for (const target of hostileTargets()) {
      const { status, text } = await sendRaw(plain.mirror.cloudFront.port, target);
      expect({ target, status: anError(status) }).toEqual({ target, status: 'an error' });
      expect(text).not.toMatch(listing);
    }
    expect(foreignRequests).toEqual([]);
  });

  test('with an index.html at the origin', async () => {
    origin.route('/base/index.html', { body: '<h1>home</h1>', headers: { 'content-type': 'text/html' } });
    for (const root of roots) {
      const { reply } = await sendAndSettle(plain.mirror, root);
      expect(reply.body.toString('utf8')).not.toMatch(listing);
    }
    const { reply, record } = await sendAndSettle(plain.mirror, '/');
    expect(record.cloudFront.servedBy).toBe('s3');
    expect(reply.body.toString()).toBe('<h1>home</h1>');
    expect((await storedObject(plain, '/index.html'))?.contentType).toBe('text/html');
  });
});

// (Whether they list the bucket is checked without a keyPrefix, below "'/' never returns a bucket listing".)
test('hostile paths sent raw never reach another host', async () => {
  const targets = hostileTargets();
  for (const target of targets) {
    // Over a plain socket: nothing between the test and CloudFront may normalise the target.
    const { status, text } = await sendRaw(setup.mirror.cloudFront.port, target);
    // "/" is index.html (the default root object), which the origin has by now.
    if (target !== '/') expect({ target, status: anError(status) }).toEqual({ target, status: 'an error' });
    expect(text).not.toMatch(/^foreign$/m);
  }
  expect(foreignRequests).toEqual([]);
  // The origin's own host saw them, under the endpoint's base path only.
  expect(origin.requests.every((r) => r.url.startsWith('/base/'))).toBe(true);
});

test('methods other than GET, HEAD and OPTIONS are refused by CloudFront, the function is not called', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const { reply, record } = await sendAndSettle(setup.mirror, '/css/site.css', { method });
    expect(reply.status).toBe(403);
    expect(record.cloudFront.servedBy).toBe('cloudfront');
    expect(record.invocation).toBeUndefined();
  }
});

test('a function URL that cannot be reached: CloudFront answers 502 and the request is reported at once', async () => {
  const unreachable = await startLocalMirror({ spec: setup.mirror.spec });
  try {
    await unreachable.functionUrl.close();
    // Without an answer from the function URL there is no invocation to wait for (not the function's timeout).
    const { reply, record } = await sendAndSettle(unreachable, '/css/unreachable.css');
    expect(reply.status).toBe(502);
    expect(record.cloudFront).toMatchObject({ failover: true, servedBy: 'cloudfront', fallback: { error: 'ECONNREFUSED' } });
    expect(record.invocation).toBeUndefined();
  } finally {
    await unreachable.close();
  }
});
