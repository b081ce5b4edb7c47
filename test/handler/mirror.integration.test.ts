/**
 * The bundled handler (assets/handler/mirror.lambda, as Lambda loads it) against
 * s3rver and a real local origin with faults on demand. `npx projen bundle` first.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { REJECTED_PATHS, urlLookingPaths } from './hostile-paths';
import { captureLogs, invoke, Invocation } from './invoke';
import { loadHandler, makeContext, ResponseStream, runStreamingInvocation, StreamingHandler } from '../../local/lambda/runtime';
import { LocalOrigin, OriginRoute, patternBuffer, patternSha256, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import { MirrorConfig, toEnvironment } from '../../src/config';
import { functionUrlEvent } from '../support/function-url-event';
import { testConfig } from '../support/test-config';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json');

const BUNDLE = path.join(__dirname, '../../assets/handler/mirror.lambda');
const BUCKET = 'mirror';
const KiB = 1024;
const MiB = 1024 * KiB;
const THRESHOLD = 1 * MiB;

let s3: LocalS3;
let origin: LocalOrigin;
let foreign: LocalOrigin;
let handler: StreamingHandler;
let logs: ReturnType<typeof captureLogs>;
const savedEnv = { ...process.env };

function config(overrides: Partial<MirrorConfig> = {}): MirrorConfig {
  return testConfig({
    bucketName: BUCKET,
    endpoint: `${origin.url}/base`,
    notFoundTtlSeconds: 17,
    forwardHeaders: ['accept-language'],
    originHeaders: { 'x-origin-key': 's3cret' },
    // Long enough never to fire on a loaded CI machine; the timeout tests use a container of their own.
    originResponseTimeoutMs: 30_000,
    originIdleTimeoutMs: 30_000,
    streamThresholdBytes: THRESHOLD,
    maxObjectSizeBytes: 80 * MiB,
    ...overrides,
  });
}

/** Loads the bundle as a fresh container with `overrides` in its environment. */
function container(overrides: Partial<MirrorConfig> = {}): StreamingHandler {
  process.env = { ...savedEnv, ...s3.env, ...toEnvironment(config(overrides)) };
  // Jest keeps its own module registry: without a reset the bundle would not be evaluated again.
  jest.resetModules();
  return loadHandler(BUNDLE);
}

beforeAll(async () => {
  [s3, origin, foreign] = await Promise.all([startS3({ buckets: [BUCKET] }), startOrigin(), startOrigin()]);
  logs = captureLogs();
  handler = container();
});

afterAll(async () => {
  logs.restore();
  process.env = savedEnv;
  await Promise.all([s3.stop(), origin.close(), foreign.close()]);
});

afterEach(() => {
  // No test, whatever it asked for, may reach the foreign server.
  expect(foreign.requests).toEqual([]);
});

function serve(target: string, route: OriginRoute): void {
  origin.route(`/base${target}`, route);
}

function get(rawPath: string, extra: { method?: string; rawQueryString?: string; headers?: Record<string, string> } = {}): Promise<Invocation> {
  return invoke(handler, { rawPath, ...extra });
}

async function expectNothingStored(key: string): Promise<void> {
  expect(await s3.listKeys(BUCKET)).not.toContain(key);
  expect(await s3.getObject(BUCKET, key)).toBeUndefined();
  expect(s3.requests.filter((r) => r.key === key && r.method === 'PUT' && r.query.includes('x-id=PutObject'))).toEqual([]);
  expect(s3.requests.filter((r) => r.key === key && r.method === 'POST' && r.query.includes('uploadId='))).toEqual([]);
}

function expectClean(result: Invocation): void {
  expect(result.bodyError).toBeUndefined();
  expect(result.invocationError).toBeUndefined();
}

/**
 * A response cut short after its prelude: the invocation failed with `errorType` (as the runtime reports it), that
 * failure is what ended the body (not a socket error or a clean end), and fewer bytes than `declared` arrived.
 */
function expectAborted(result: Invocation, expected: { readonly declared: number; readonly errorType: string; readonly errorMessage: RegExp }): void {
  expect(result.invocationError).toEqual({ errorType: expected.errorType, errorMessage: expect.stringMatching(expected.errorMessage) });
  expect(result.bodyError?.message).toBe(`invocation failed: ${expected.errorType}: ${result.invocationError?.errorMessage}`);
  expect(result.headers['content-length']).toBe(String(expected.declared));
  expect(result.body.length).toBeLessThan(expected.declared);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('200 from the origin', () => {
  test('a small object is streamed with its headers and stored byte-exact with its metadata', async () => {
    const body = patternBuffer({ size: 300 * KiB, seed: 1 });
    serve('/dir/photo%201.png', {
      body,
      headers: {
        'content-type': 'image/png',
        'cache-control': 'public, max-age=600',
        'etag': '"v1"',
        'last-modified': 'Tue, 15 Nov 1994 12:45:26 GMT',
        'content-disposition': 'inline; filename="photo 1.png"',
        'content-language': 'fr',
        'expires': 'Thu, 01 Dec 2044 16:00:00 GMT',
        'x-internal': 'not for viewers',
      },
    });
    const result = await get('/dir/photo%201.png', { headers: { 'accept-language': 'fr', 'authorization': 'Bearer x', 'cookie': 'a=1', 'accept-encoding': 'gzip' } });
    expectClean(result);
    expect(result.status).toBe(200);
    expect(result.headers).toEqual({
      'content-type': 'image/png',
      'content-length': String(body.length),
      'cache-control': 'public, max-age=600',
      'etag': '"v1"',
      'last-modified': 'Tue, 15 Nov 1994 12:45:26 GMT',
      'content-disposition': 'inline; filename="photo 1.png"',
      'content-language': 'fr',
      'expires': 'Thu, 01 Dec 2044 16:00:00 GMT',
      'x-mirror': 'miss',
    });
    expect(sha256(result.body)).toBe(sha256(body));

    const stored = await s3.getObject(BUCKET, 'dir/photo 1.png');
    expect(stored && sha256(stored.body)).toBe(sha256(body));
    expect(stored).toMatchObject({
      contentType: 'image/png',
      cacheControl: 'public, max-age=600',
      contentDisposition: 'inline; filename="photo 1.png"',
      contentLanguage: 'fr',
      expires: 'Thu, 01 Dec 2044 16:00:00 GMT',
      metadata: { 'origin-etag': '"v1"', 'origin-last-modified': 'Tue, 15 Nov 1994 12:45:26 GMT' },
    });

    const seen = await origin.requested('/base/dir/photo%201.png');
    expect(seen.method).toBe('GET');
    expect(seen.headers).toMatchObject({ 'accept-encoding': 'identity', 'user-agent': `cdk-mirror-origin/${version}`, 'accept-language': 'fr', 'x-origin-key': 's3cret' });
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-amz-cf-id']).toBeUndefined();

    expect(logs.last()).toMatchObject({ requestId: 'req-1', method: 'GET', key: 'dir/photo 1.png', outcome: 'stored', status: 200, bytes: body.length, originStatus: 200 });
    expect(typeof logs.last()?.originMs).toBe('number');
    expect(typeof logs.last()?.totalMs).toBe('number');
  });

  test('an empty object is answered (prelude included) and stored', async () => {
    serve('/empty.txt', { body: '', headers: { 'content-type': 'text/plain' } });
    const result = await get('/empty.txt');
    expectClean(result);
    expect(result.status).toBe(200);
    expect(result.headers['content-length']).toBe('0');
    expect(result.body.length).toBe(0);
    expect((await s3.getObject(BUCKET, 'empty.txt'))?.body.length).toBe(0);
  });

  test('a forwarded viewer header whose value no request may carry is left out, and the object is still fetched', async () => {
    serve('/zh.txt', { body: 'ni hao', headers: { 'content-type': 'text/plain' } });
    const result = await get('/zh.txt', { headers: { 'accept-language': '中文' } });
    expectClean(result);
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe('ni hao');
    expect((await origin.requested('/base/zh.txt')).headers['accept-language']).toBeUndefined();
  });

  test('a gzip body the origin sends whatever was asked is stored as received, with its Content-Encoding, then redirected to, not streamed', async () => {
    const gzipped = gzipSync(Buffer.from('hello mirror '.repeat(5000)));
    serve('/app.js', { body: gzipped, headers: { 'content-type': 'text/javascript', 'content-encoding': 'gzip' } });
    const result = await get('/app.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expectClean(result);
    // A function URL decodes an encoded body it streams and drops its Content-Encoding: the bucket answers instead.
    expect(result.status).toBe(302);
    expect(result.headers).toMatchObject({ 'location': '/app.js', 'cache-control': 'no-store' });
    expect(result.headers['content-encoding']).toBeUndefined();
    expect((await origin.requested('/base/app.js')).headers['accept-encoding']).toBe('identity');
    const stored = await s3.getObject(BUCKET, 'app.js');
    expect(stored?.contentEncoding).toBe('gzip');
    expect(stored?.contentType).toBe('text/javascript');
    expect(Buffer.compare(stored!.body, gzipped)).toBe(0);
    expect(logs.last()).toMatchObject({ outcome: 'stored', status: 302, bytes: gzipped.length });
  });

  test('an encoded body of unknown length (chunked), however short: stored, then redirected', async () => {
    const body = patternBuffer({ size: 200 * KiB, seed: 25 });
    serve('/chunked.css', { body, chunked: true, headers: { 'content-type': 'text/css', 'content-encoding': 'br' } });
    const result = await get('/chunked.css');
    expectClean(result);
    expect(result.status).toBe(302);
    const stored = await s3.getObject(BUCKET, 'chunked.css');
    expect(stored?.contentEncoding).toBe('br');
    expect(sha256(stored!.body)).toBe(sha256(body));
  });

  test('HEAD on an encoded body: stored, then the same redirect, so its headers too come from S3', async () => {
    const gzipped = gzipSync(Buffer.from('head mirror '.repeat(3000)));
    serve('/head.js', { body: gzipped, headers: { 'content-type': 'text/javascript', 'content-encoding': 'gzip' } });
    const result = await get('/head.js', { method: 'HEAD' });
    expectClean(result);
    expect(result.status).toBe(302);
    expect(result.body.length).toBe(0);
    expect(result.headers).toMatchObject({ 'location': '/head.js', 'cache-control': 'no-store' });
    expect(result.headers['content-encoding']).toBeUndefined();
    const stored = await s3.getObject(BUCKET, 'head.js');
    expect(stored?.contentEncoding).toBe('gzip');
    expect(Buffer.compare(stored!.body, gzipped)).toBe(0);
  });

  test('Content-Encoding identity is no encoding: the body is streamed', async () => {
    const body = patternBuffer({ size: 100 * KiB, seed: 26 });
    serve('/identity.bin', { body, headers: { 'content-encoding': 'identity' } });
    const result = await get('/identity.bin');
    expectClean(result);
    expect(result.status).toBe(200);
    expect(sha256(result.body)).toBe(sha256(body));
  });

  test('unknown length (chunked), ending within the threshold, is answered like a small object', async () => {
    const body = patternBuffer({ size: 700 * KiB, seed: 2 });
    serve('/chunked-small.bin', { body, chunked: true });
    const result = await get('/chunked-small.bin');
    expectClean(result);
    expect(result.status).toBe(200);
    expect(result.headers['content-length']).toBe(String(body.length));
    expect(sha256(result.body)).toBe(sha256(body));
    expect(sha256((await s3.getObject(BUCKET, 'chunked-small.bin'))!.body)).toBe(sha256(body));
  });

  test('unknown length (chunked) of exactly the threshold is still streamed; one byte more is stored first', async () => {
    const exact = patternBuffer({ size: THRESHOLD, seed: 21 });
    serve('/chunked-exact.bin', { body: exact, chunked: true });
    const streamed = await get('/chunked-exact.bin');
    expectClean(streamed);
    expect(streamed.status).toBe(200);
    expect(streamed.headers['content-length']).toBe(String(THRESHOLD));
    expect(sha256(streamed.body)).toBe(sha256(exact));

    const over = patternBuffer({ size: THRESHOLD + 1, seed: 22 });
    serve('/chunked-over.bin', { body: over, chunked: true });
    const redirected = await get('/chunked-over.bin');
    expectClean(redirected);
    expect(redirected.status).toBe(302);
    expect(sha256((await s3.getObject(BUCKET, 'chunked-over.bin'))!.body)).toBe(sha256(over));
  });

  test('HEAD on an unknown length (chunked): stored, then headers only with the length it turned out to have', async () => {
    const body = patternBuffer({ size: 3 * MiB + 5, seed: 23 });
    serve('/chunked-head.bin', { body, chunked: true, headers: { 'content-type': 'application/x-test' } });
    const result = await get('/chunked-head.bin', { method: 'HEAD' });
    expectClean(result);
    expect(result.status).toBe(200);
    expect(result.body.length).toBe(0);
    expect(result.headers).toMatchObject({ 'content-length': String(body.length), 'content-type': 'application/x-test' });
    expect(sha256((await s3.getObject(BUCKET, 'chunked-head.bin'))!.body)).toBe(sha256(body));
    expect(logs.last()).toMatchObject({ method: 'HEAD', outcome: 'stored', bytes: body.length });
  });

  test('unknown length (chunked) past the threshold is stored first, then redirected to itself', async () => {
    const size = 3 * MiB + 123;
    serve('/chunked-large.bin', { body: { size, seed: 3 }, chunked: true });
    const result = await get('/chunked-large.bin', { rawQueryString: 'v=2&x=%2F' });
    expectClean(result);
    expect(result.status).toBe(302);
    expect(result.headers).toMatchObject({ 'location': '/chunked-large.bin?v=2&x=%2F', 'cache-control': 'no-store' });
    expect(sha256((await s3.getObject(BUCKET, 'chunked-large.bin'))!.body)).toBe(await patternSha256({ size, seed: 3 }));
    // The query string is not sent to the origin.
    expect(origin.requests.some((r) => r.url === '/base/chunked-large.bin')).toBe(true);
  });

  test('a 64 MiB object is stored byte-exact (multipart) before the 302, none of it streamed', async () => {
    const body = { size: 64 * MiB, seed: 64 };
    serve('/big/64.bin', { body, headers: { 'content-type': 'application/x-big' } });
    const result = await get('/big/64.bin');
    expectClean(result);
    expect(result.status).toBe(302);
    expect(result.headers).toMatchObject({ 'location': '/big/64.bin', 'cache-control': 'no-store' });
    expect(result.body.length).toBeLessThan(100);
    const stored = await s3.getObject(BUCKET, 'big/64.bin');
    expect(stored?.body.length).toBe(body.size);
    expect(sha256(stored!.body)).toBe(await patternSha256(body));
    expect(stored?.contentType).toBe('application/x-big');
    expect(s3.requests.filter((r) => r.key === 'big/64.bin' && r.query.includes('partNumber=')).length).toBe(13);
    expect(logs.last()).toMatchObject({ outcome: 'stored', status: 302, bytes: body.size });
  });

  test('a redirect to a path starting with // cannot be read as another host', async () => {
    serve('//double/slash.bin', { body: { size: 2 * MiB, seed: 5 } });
    const result = await get('//double/slash.bin');
    expect(result.status).toBe(302);
    expect(result.headers.location).toBe('/.//double/slash.bin');
    expect(new URL(result.headers.location, 'https://d111.cloudfront.net/').host).toBe('d111.cloudfront.net');
  });

  test('HEAD fetches with GET, stores, then answers headers only', async () => {
    const body = patternBuffer({ size: 2 * MiB, seed: 6 });
    serve('/head.bin', { body, headers: { 'content-type': 'application/octet-stream', 'etag': '"h"' } });
    const result = await get('/head.bin', { method: 'HEAD' });
    expectClean(result);
    expect(result.status).toBe(200);
    expect(result.headers).toMatchObject({ 'content-length': String(body.length), 'etag': '"h"' });
    expect(result.body.length).toBe(0);
    expect((await origin.requested('/base/head.bin')).method).toBe('GET');
    expect(sha256((await s3.getObject(BUCKET, 'head.bin'))!.body)).toBe(sha256(body));
    expect(logs.last()).toMatchObject({ method: 'HEAD', outcome: 'stored', status: 200 });
  });

  test('a viewer that goes away does not stop the store', async () => {
    const body = patternBuffer({ size: 800 * KiB, seed: 7 });
    serve('/viewer-gone.bin', { body });
    let writes = 0;
    // Takes the prelude, then the connection breaks.
    const sink = new Writable({ write: (_chunk, _enc, callback) => callback(++writes > 2 ? new Error('viewer gone') : null) });
    const stream = new ResponseStream(sink);
    await runStreamingInvocation(handler, functionUrlEvent({ rawPath: '/viewer-gone.bin' }), stream, makeContext('gone'));
    expect(writes).toBeGreaterThan(2);
    expect(sha256((await s3.getObject(BUCKET, 'viewer-gone.bin'))!.body)).toBe(sha256(body));
    expect(logs.last()).toMatchObject({ outcome: 'stored', bytes: body.length });
  });

  test('a viewer that reads nothing does not hold back the store', async () => {
    const body = patternBuffer({ size: 900 * KiB, seed: 8 });
    serve('/viewer-stalled.bin', { body });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The first write never completes until the test sees the object stored.
    const sink = new Writable({ highWaterMark: 1, write: (_chunk, _enc, callback) => void released.then(() => callback()) });
    const stream = new ResponseStream(sink);
    const invocation = runStreamingInvocation(handler, functionUrlEvent({ rawPath: '/viewer-stalled.bin' }), stream, makeContext('stalled'));
    const put = await s3.served((r) => r.key === 'viewer-stalled.bin' && r.method === 'PUT');
    expect(put.status).toBe(200);
    release();
    await invocation;
    expect(stream.error).toBeUndefined();
    expect(logs.last()).toMatchObject({ outcome: 'stored', status: 200 });
  });
});

describe('redirects at the origin', () => {
  test('a redirect within the endpoint host is followed; the object is stored under the key asked for', async () => {
    serve('/moved.txt', { status: 301, headers: { location: '/base/real.txt' } });
    serve('/real.txt', { body: 'the real thing', headers: { 'content-type': 'text/plain' } });
    const result = await get('/moved.txt');
    expectClean(result);
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe('the real thing');
    expect((await s3.getObject(BUCKET, 'moved.txt'))?.body.toString()).toBe('the real thing');
    expect(logs.last()).toMatchObject({ outcome: 'stored', redirects: 1 });
  });

  test('five redirects are followed, a sixth is not (502)', async () => {
    for (let i = 0; i < 6; i++) serve(`/hop${i}`, { status: [301, 302, 303, 307, 308, 302][i], headers: { location: `hop${i + 1}` } });
    serve('/hop6', { body: 'six hops away' });
    serve('/five0', { status: 302, headers: { location: '/base/hop2' } });
    const five = await get('/five0');
    expect(five.status).toBe(200);
    expect(five.body.toString()).toBe('six hops away');
    const six = await get('/hop0');
    expectClean(six);
    expect(six.status).toBe(502);
    expect(six.headers['cache-control']).toBe('no-store');
    await expectNothingStored('hop0');
  });

  test.each([
    ['an absolute URL', () => `${foreign.url}/x`],
    ['a scheme-relative URL', () => `//127.0.0.1:${foreign.port}/x`],
    ['a backslash URL', () => `/\\127.0.0.1:${foreign.port}/x`],
  ])('a redirect to another host (%s) is not followed: 502, nothing stored', async (_label, location) => {
    const target = `/to-foreign-${_label.replace(/\W/g, '')}`;
    serve(target, { status: 302, headers: { location: location() } });
    const result = await get(target);
    expectClean(result);
    expect(result.status).toBe(502);
    expect(result.headers['cache-control']).toBe('no-store');
    await expectNothingStored(target.slice(1));
    expect(logs.last()).toMatchObject({ outcome: 'origin-error', originStatus: 302, error: expect.stringMatching(/redirect to another origin/) });
  });
});

describe('other origin statuses', () => {
  test.each([
    [404, 404, 'public, max-age=17', 'not-found'],
    [410, 410, 'public, max-age=17', 'not-found'],
    [403, 403, 'no-store', 'origin-client-error'],
    [429, 429, 'no-store', 'origin-client-error'],
    [500, 502, 'no-store', 'origin-error'],
    [503, 502, 'no-store', 'origin-error'],
    [204, 502, 'no-store', 'origin-error'],
    [206, 502, 'no-store', 'origin-error'],
    [304, 502, 'no-store', 'origin-error'],
  ])('origin %i → viewer %i, cache-control %s, nothing stored', async (originStatus, status, cacheControl, outcome) => {
    const target = `/status/${originStatus}`;
    serve(target, { status: originStatus, body: originStatus === 204 || originStatus === 304 ? '' : 'origin says no' });
    const result = await get(target);
    expectClean(result);
    expect(result.status).toBe(status);
    expect(result.headers['cache-control']).toBe(cacheControl);
    expect(result.body.toString()).not.toContain('origin says no');
    await expectNothingStored(target.slice(1));
    expect(logs.last()).toMatchObject({ outcome, status, originStatus });
  });

  test('a 404 for HEAD has no body', async () => {
    const result = await get('/status/none', { method: 'HEAD' });
    expect(result.status).toBe(404);
    expect(result.body.length).toBe(0);
  });
});

describe('origin faults', () => {
  // Each short timeout only where it is the one under test, so a slow machine cannot make the other fire first.
  let impatientForHeaders: StreamingHandler;
  let impatientForBody: StreamingHandler;
  beforeAll(() => {
    impatientForHeaders = container({ originResponseTimeoutMs: 1500, originIdleTimeoutMs: 30_000 });
    impatientForBody = container({ originResponseTimeoutMs: 30_000, originIdleTimeoutMs: 1500 });
  });
  test('declared length, then a cut connection, while streaming: the response is aborted, nothing stored', async () => {
    serve('/fault/cut-small.bin', { body: { size: 600 * KiB, seed: 9 }, fault: { kind: 'cut', afterBytes: 200 * KiB } });
    const result = await get('/fault/cut-small.bin');
    expect(result.status).toBe(200);
    // Node.js's own error for a response whose connection closed before its declared length.
    expectAborted(result, { declared: 600 * KiB, errorType: 'Error', errorMessage: /^aborted$/ });
    await expectNothingStored('fault/cut-small.bin');
    expect(logs.last()).toMatchObject({ outcome: 'origin-error', status: 200, aborted: true });
  });

  test('declared length, then a cut before any body byte: a clean 502', async () => {
    serve('/fault/cut-zero.bin', { body: { size: 100 * KiB }, fault: { kind: 'cut', afterBytes: 0 } });
    const result = await get('/fault/cut-zero.bin');
    expectClean(result);
    expect(result.status).toBe(502);
    expect(result.headers['cache-control']).toBe('no-store');
    await expectNothingStored('fault/cut-zero.bin');
  });

  test('declared length, then a cut after parts were uploaded: the multipart upload is aborted, never completed', async () => {
    serve('/fault/cut-large.bin', { body: { size: 14 * MiB, seed: 10 }, fault: { kind: 'cut', afterBytes: 12 * MiB } });
    const result = await get('/fault/cut-large.bin');
    expectClean(result);
    expect(result.status).toBe(502);
    await expectNothingStored('fault/cut-large.bin');
    const requests = s3.requests.filter((r) => r.key === 'fault/cut-large.bin');
    expect(requests.some((r) => r.method === 'POST' && r.query.startsWith('uploads'))).toBe(true);
    expect(requests.filter((r) => r.method === 'PUT' && r.query.includes('partNumber=')).length).toBeGreaterThan(0);
    // s3rver has no AbortMultipartUpload (it answers 405), but the handler asked for it.
    expect(requests.some((r) => r.method === 'DELETE' && r.query.includes('uploadId='))).toBe(true);
  });

  test('chunked, then a cut connection within the read-ahead: a clean 502', async () => {
    serve('/fault/cut-chunked.bin', { body: { size: 600 * KiB }, chunked: true, fault: { kind: 'cut', afterBytes: 300 * KiB } });
    const result = await get('/fault/cut-chunked.bin');
    expectClean(result);
    expect(result.status).toBe(502);
    await expectNothingStored('fault/cut-chunked.bin');
  });

  test('a reset before the headers: 502', async () => {
    serve('/fault/reset.bin', { fault: { kind: 'reset-before-headers' } });
    const result = await get('/fault/reset.bin');
    expectClean(result);
    expect(result.status).toBe(502);
    expect(result.headers['cache-control']).toBe('no-store');
    await expectNothingStored('fault/reset.bin');
    expect(logs.last()).toMatchObject({ outcome: 'origin-error', status: 502 });
  });

  test('slow headers (none within the response timeout): 504', async () => {
    serve('/fault/slow-headers.bin', { fault: { kind: 'hang-before-headers' } });
    const result = await invoke(impatientForHeaders, { rawPath: '/fault/slow-headers.bin' });
    expectClean(result);
    expect(result.status).toBe(504);
    expect(result.headers['cache-control']).toBe('no-store');
    await expectNothingStored('fault/slow-headers.bin');
    expect(logs.last()).toMatchObject({ outcome: 'timeout', status: 504 });
  });

  test('a stall after the headers and some body, while streaming: the response is aborted, nothing stored', async () => {
    serve('/fault/stall-small.bin', { body: { size: 500 * KiB }, fault: { kind: 'stall', afterBytes: 100 * KiB } });
    const result = await invoke(impatientForBody, { rawPath: '/fault/stall-small.bin' });
    expect(result.status).toBe(200);
    expectAborted(result, { declared: 500 * KiB, errorType: 'OriginTimeoutError', errorMessage: /^no body bytes for 1500 ms$/ });
    await expectNothingStored('fault/stall-small.bin');
    expect(logs.last()).toMatchObject({ outcome: 'timeout', status: 200, aborted: true });
  });

  test('a stall right after the headers: a clean 504', async () => {
    serve('/fault/stall-zero.bin', { body: { size: 500 * KiB }, fault: { kind: 'stall', afterBytes: 0 } });
    const result = await invoke(impatientForBody, { rawPath: '/fault/stall-zero.bin' });
    expectClean(result);
    expect(result.status).toBe(504);
    await expectNothingStored('fault/stall-zero.bin');
  });

  test('a stall in a large object (store first): a clean 504, nothing stored', async () => {
    serve('/fault/stall-large.bin', { body: { size: 3 * MiB }, fault: { kind: 'stall', afterBytes: 2 * MiB } });
    const result = await invoke(impatientForBody, { rawPath: '/fault/stall-large.bin' });
    expectClean(result);
    expect(result.status).toBe(504);
    await expectNothingStored('fault/stall-large.bin');
  });
});

describe('methods', () => {
  test('OPTIONS: 204 with allow, nothing fetched', async () => {
    const before = origin.requests.length;
    const result = await get('/options.txt', { method: 'OPTIONS' });
    expectClean(result);
    expect(result.status).toBe(204);
    expect(result.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(result.body.length).toBe(0);
    expect(origin.requests.length).toBe(before);
    expect(logs.last()).toMatchObject({ outcome: 'options', status: 204 });
  });

  test.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s: 405 with allow, nothing fetched or stored', async (method) => {
    serve('/method.txt', { body: 'should not be fetched' });
    const before = origin.requests.length;
    const result = await get('/method.txt', { method });
    expectClean(result);
    expect(result.status).toBe(405);
    expect(result.headers).toMatchObject({ 'allow': 'GET, HEAD, OPTIONS', 'cache-control': 'no-store' });
    expect(origin.requests.length).toBe(before);
    await expectNothingStored('method.txt');
    expect(logs.last()).toMatchObject({ outcome: 'method-not-allowed', status: 405 });
  });
});

describe('hostile paths', () => {
  test.each(REJECTED_PATHS)('%s: rejected, nothing fetched or stored', async (_label, rawPath, status) => {
    const keysBefore = await s3.listKeys(BUCKET);
    const originBefore = origin.requests.length;
    const s3Before = s3.requests.length;
    const result = await get(rawPath);
    expectClean(result);
    expect(result.status).toBe(status);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(origin.requests.length).toBe(originBefore);
    expect(s3.requests.length).toBe(s3Before);
    expect(await s3.listKeys(BUCKET)).toEqual(keysBefore);
    expect(logs.last()).toMatchObject({ outcome: 'rejected', status });
  });

  test('URL-looking keys are fetched from the endpoint host and stored under exactly the key S3 looks up', async () => {
    for (const [rawPath, key, target] of urlLookingPaths(`127.0.0.1:${foreign.port}`)) {
      serve(target, { body: `mirrored ${key}`, headers: { 'content-type': 'text/plain' } });
      const result = await get(rawPath);
      expectClean(result);
      expect([rawPath, result.status, result.body.toString()]).toEqual([rawPath, 200, `mirrored ${key}`]);
      expect(origin.requests.some((r) => r.url === `/base${target}`)).toBe(true);
      const put = s3.requests.filter((r) => r.method === 'PUT' && r.key === key);
      expect([rawPath, put.length > 0 && put.every((r) => r.status === 200)]).toEqual([rawPath, true]);
      expect((await s3.getObject(BUCKET, key))?.body.toString()).toBe(`mirrored ${key}`);
    }
    expect(foreign.requests).toEqual([]);
  });
});

describe('the function\'s own time', () => {
  // With 2.5 s left the store gives up 2 s in (a fifth of the time, at most 5 s, is kept to abort and log).
  const timeoutMs = 2_500;

  test('a large object still arriving when time runs out: the upload is aborted, 504, nothing stored', async () => {
    serve('/deadline/large.bin', { body: { size: 16 * MiB }, fault: { kind: 'stall', afterBytes: 11 * MiB } });
    // 11 MiB must reach the stall (and two parts S3) before time runs out: 4.8 s of 6 s, room for a busy machine.
    const result = await invoke(handler, { rawPath: '/deadline/large.bin' }, { timeoutMs: 6_000 });
    expectClean(result);
    expect(result.status).toBe(504);
    expect(result.headers['cache-control']).toBe('no-store');
    await expectNothingStored('deadline/large.bin');
    // Parts were uploaded, so there was an upload to abort: the abort is what keeps them from being billed.
    expect(s3.requests.filter((r) => r.key === 'deadline/large.bin' && r.method === 'DELETE' && r.query.includes('uploadId='))).toHaveLength(1);
    expect(logs.last()).toMatchObject({ outcome: 'deadline', status: 504, bytes: 11 * MiB, error: expect.stringMatching(/^DeadlineError: /) });
  });

  test('an origin still not answering when time runs out: 504 at the deadline, not at the origin\'s response timeout', async () => {
    // The handler's originResponseTimeoutMs is 30 s: only the function's own deadline (2 s) can end this.
    serve('/deadline/no-headers.bin', { fault: { kind: 'hang-before-headers' } });
    const result = await invoke(handler, { rawPath: '/deadline/no-headers.bin' }, { timeoutMs });
    expectClean(result);
    expect(result.status).toBe(504);
    expect(result.headers['cache-control']).toBe('no-store');
    await expectNothingStored('deadline/no-headers.bin');
    expect(logs.last()).toMatchObject({ outcome: 'deadline', status: 504, bytes: 0, error: expect.stringMatching(/^DeadlineError: /) });
  });

  test('a small object still streaming when time runs out: the response is aborted, nothing stored', async () => {
    serve('/deadline/small.bin', { body: { size: 600 * KiB }, fault: { kind: 'stall', afterBytes: 200 * KiB } });
    const result = await invoke(handler, { rawPath: '/deadline/small.bin' }, { timeoutMs });
    expect(result.status).toBe(200);
    expectAborted(result, { declared: 600 * KiB, errorType: 'DeadlineError', errorMessage: /handlerTimeout\) ran out/ });
    await expectNothingStored('deadline/small.bin');
    expect(logs.last()).toMatchObject({ outcome: 'deadline', status: 200, aborted: true });
  });

  test('a write to S3 still running when time runs out is cancelled: the upload is aborted, 504, nothing stored', async () => {
    // S3 never answers part 2: only the deadline, cancelling it, can end this invocation.
    const stalled = s3.stall((r) => r.key === 'deadline/held-part.bin' && r.method === 'PUT' && /(^|&)partNumber=2(&|$)/.test(r.query));
    try {
      serve('/deadline/held-part.bin', { body: { size: 12 * MiB, seed: 31 } });
      const result = await invoke(handler, { rawPath: '/deadline/held-part.bin' }, { timeoutMs });
      expectClean(result);
      expect(result.status).toBe(504);
      await stalled.abandoned;
      await expectNothingStored('deadline/held-part.bin');
      expect(s3.requests.filter((r) => r.key === 'deadline/held-part.bin' && r.method === 'DELETE' && r.query.includes('uploadId='))).toHaveLength(1);
      expect(logs.last()).toMatchObject({ outcome: 'deadline', status: 504, bytes: 12 * MiB, error: expect.stringMatching(/^DeadlineError: /) });
    } finally {
      stalled.end();
    }
  });

  test('an upload dropped after another failure, whose abort S3 never answers, still ends by the deadline', async () => {
    // The origin cuts the body, the handler drops the upload, and S3 hangs on the abort: only the deadline ends it.
    const stalled = s3.stall((r) => r.key === 'deadline/held-abort.bin' && r.method === 'DELETE');
    try {
      serve('/deadline/held-abort.bin', { body: { size: 16 * MiB, seed: 33 }, fault: { kind: 'cut', afterBytes: 12 * MiB } });
      const result = await invoke(handler, { rawPath: '/deadline/held-abort.bin' }, { timeoutMs: 6_000 });
      expectClean(result);
      expect(result.status).toBe(502);
      await stalled.abandoned;
      await expectNothingStored('deadline/held-abort.bin');
      expect(logs.last()).toMatchObject({ outcome: 'origin-error', status: 502 });
    } finally {
      stalled.end();
    }
  });

  test('a streamed object whose store is still running when time runs out: the viewer\'s answer stays whole, nothing stored', async () => {
    const body = patternBuffer({ size: 500 * KiB, seed: 32 });
    const stalled = s3.stall((r) => r.key === 'deadline/held-put.bin' && r.method === 'PUT');
    try {
      serve('/deadline/held-put.bin', { body });
      const result = await invoke(handler, { rawPath: '/deadline/held-put.bin' }, { timeoutMs });
      // Every byte reached the viewer and the response ended cleanly: running out of time only cost the store.
      expectClean(result);
      expect(result.status).toBe(200);
      expect(sha256(result.body)).toBe(sha256(body));
      await stalled.abandoned;
      expect(await s3.getObject(BUCKET, 'deadline/held-put.bin')).toBeUndefined();
      const line = logs.last();
      expect(line).toMatchObject({ outcome: 'deadline', status: 200, bytes: body.length, error: expect.stringMatching(/^DeadlineError: /) });
      expect(line?.aborted).toBeUndefined();
    } finally {
      stalled.end();
    }
  });
});

describe('limits and configuration', () => {
  let small: StreamingHandler;
  beforeAll(() => {
    small = container({ keyPrefix: 'mirror/', maxObjectSizeBytes: 2 * MiB });
  });

  test('keyPrefix prefixes the stored key, not the path fetched', async () => {
    serve('/prefixed.txt', { body: 'prefixed' });
    const result = await invoke(small, { rawPath: '/prefixed.txt' });
    expect(result.status).toBe(200);
    expect((await s3.getObject(BUCKET, 'mirror/prefixed.txt'))?.body.toString()).toBe('prefixed');
    expect(logs.last()).toMatchObject({ key: 'mirror/prefixed.txt', outcome: 'stored' });
  });

  test('the key limit counts the prefix (414)', async () => {
    const result = await invoke(small, { rawPath: '/' + 'a'.repeat(1020) });
    expect(result.status).toBe(414);
  });

  test('a declared length over maxObjectSize is refused before the body: 502, nothing stored', async () => {
    serve('/too-large.bin', { body: { size: 3 * MiB } });
    const result = await invoke(small, { rawPath: '/too-large.bin' });
    expectClean(result);
    expect(result.status).toBe(502);
    expect(result.headers['cache-control']).toBe('no-store');
    await expectNothingStored('mirror/too-large.bin');
    expect(logs.last()).toMatchObject({ outcome: 'too-large', bytes: 0 });
  });

  test('an unknown length that grows past maxObjectSize is refused: 502, nothing stored', async () => {
    serve('/too-large-chunked.bin', { body: { size: 3 * MiB }, chunked: true });
    const result = await invoke(small, { rawPath: '/too-large-chunked.bin' });
    expectClean(result);
    expect(result.status).toBe(502);
    await expectNothingStored('mirror/too-large-chunked.bin');
    expect(logs.last()).toMatchObject({ outcome: 'too-large' });
  });

  test('an origin that cannot be reached: 502', async () => {
    const closed = await startOrigin();
    await closed.close();
    const unreachable = container({ endpoint: closed.url });
    const result = await invoke(unreachable, { rawPath: '/anything.txt' });
    expectClean(result);
    expect(result.status).toBe(502);
    expect(logs.last()).toMatchObject({ outcome: 'origin-error', status: 502 });
  });
});

describe('x-mirror: miss, on every answer made after asking the origin for it', () => {
  let impatient: StreamingHandler;
  beforeAll(() => {
    impatient = container({ originResponseTimeoutMs: 1500 });
    serve('/x-mirror/small.txt', { body: 'small', headers: { 'content-type': 'text/plain', 'x-mirror': 'from the origin' } });
    serve('/x-mirror/large.bin', { body: { size: 2 * MiB, seed: 41 } });
    serve('/x-mirror/head.bin', { body: { size: 3 * KiB, seed: 42 } });
    serve('/x-mirror/403', { status: 403 });
    serve('/x-mirror/500', { status: 500 });
    serve('/x-mirror/hang', { fault: { kind: 'hang-before-headers' } });
    serve('/x-mirror/cut.bin', { body: { size: 600 * KiB }, fault: { kind: 'cut', afterBytes: 100 * KiB } });
  });

  test.each([
    ['the streamed 200', '/x-mirror/small.txt', 'GET', 200, { outcome: 'stored', delivery: 'streamed' }],
    ['the 302 after storing', '/x-mirror/large.bin', 'GET', 302, { outcome: 'stored', delivery: 'redirected' }],
    ['the HEAD 200 after storing', '/x-mirror/head.bin', 'HEAD', 200, { outcome: 'stored' }],
    ['a 404 passed on', '/x-mirror/404', 'GET', 404, { outcome: 'not-found' }],
    ['another 4xx passed on', '/x-mirror/403', 'GET', 403, { outcome: 'origin-client-error' }],
    ['the 502 of a 5xx', '/x-mirror/500', 'GET', 502, { outcome: 'origin-error' }],
    ['the 200 of a body then cut (aborted)', '/x-mirror/cut.bin', 'GET', 200, { outcome: 'origin-error', aborted: true, delivery: 'streamed' }],
  ])('%s', async (_label, rawPath, method, status, line) => {
    const result = await get(rawPath, { method });
    expect(result.status).toBe(status);
    expect(result.headers['x-mirror']).toBe('miss');
    expect(logs.last()).toMatchObject({ ...line, status });
  });

  test('the 504 of an origin that does not answer in time', async () => {
    const result = await invoke(impatient, { rawPath: '/x-mirror/hang' });
    expect(result.status).toBe(504);
    expect(result.headers['x-mirror']).toBe('miss');
    expect(logs.last()).toMatchObject({ outcome: 'timeout' });
  });

  test('never stored with the object, whatever the origin sends', async () => {
    const stored = await s3.getObject(BUCKET, 'x-mirror/small.txt');
    expect(stored?.body.toString()).toBe('small');
    expect(Object.keys(stored!.metadata)).toEqual([]);
    const large = await s3.getObject(BUCKET, 'x-mirror/large.bin');
    expect(large?.metadata).toEqual({});
  });

  test.each([
    ['OPTIONS', '/x-mirror/small.txt', 'OPTIONS', 204],
    ['a method not allowed', '/x-mirror/small.txt', 'POST', 405],
    ['a rejected path (no fetch)', '/x-mirror/%2e%2e/x', 'GET', 400],
    ['a key too long (no fetch)', `/${'k'.repeat(1100)}`, 'GET', 414],
  ])('not on answers made without asking the origin: %s', async (_label, rawPath, method, status) => {
    const before = origin.requests.length;
    const result = await get(rawPath, { method });
    expect(result.status).toBe(status);
    expect(result.headers['x-mirror']).toBeUndefined();
    expect(origin.requests.length).toBe(before);
  });
});
