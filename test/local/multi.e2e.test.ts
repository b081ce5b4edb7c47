/**
 * Two mirrors in one distribution, end to end on the local stack started from
 * the synthesized template (`MirrorOriginDistribution` + `addMirror('/legacy/*')`)
 * with the bundled handler: each path is fetched from its own endpoint by its
 * own function and stored under the whole viewer path; and the default mirror's
 * `cors` works as a browser needs it, preflight and GET, on a stored object and
 * on a miss alike, with nothing for an origin it does not allow.
 */
import { sendAndSettle, synthesizeForTest } from './helpers';
import type { InvocationRecord } from '../../local/lambda/function-url';
import { LocalOrigin, startOrigin } from '../../local/origin/server';
import { LocalMirror, startLocalMirror } from '../../local/stack';
import { MirrorOriginDistribution } from '../../src';
import { ENVIRONMENT_VARIABLES } from '../../src/config';

const APP = 'https://app.example';
let main: LocalOrigin;
let legacy: LocalOrigin;
let mirror: LocalMirror;
let dispose: () => void;
/** The x-amz-cf-id of each invocation, by function URL (the legacy mirror's first, as in `spec.mirrors`). */
const invoked: string[][] = [[], []];

beforeAll(async () => {
  [main, legacy] = await Promise.all([startOrigin(), startOrigin()]);
  const synthesized = synthesizeForTest((stack) => {
    const site = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: `${main.url}/base`, cors: { allowedOrigins: [APP] } });
    site.addMirror('/legacy/*', { endpoint: `${legacy.url}/old` });
  });
  dispose = synthesized.dispose;
  mirror = await startLocalMirror({ spec: synthesized.spec });
  mirror.functionUrls.forEach((functionUrl, i) => functionUrl.on('invocation', (record: InvocationRecord) => invoked[i].push(record.cfId!)));
});

afterAll(async () => {
  await mirror?.close();
  await Promise.all([main?.close(), legacy?.close()]);
  dispose?.();
});

const count = (origin: LocalOrigin, url: string) => origin.requests.filter((r) => r.url === url).length;
const stored = async (key: string) => (await mirror.s3.getObject(mirror.spec.bucketName, key))?.body.toString();

test('a function URL per mirror, each function configured with its own endpoint', () => {
  expect(mirror.functionUrls).toHaveLength(2);
  expect(new Set(mirror.functionUrls.map((f) => f.url)).size).toBe(2);
  expect(mirror.spec.mirrors.map((m) => [m.pathPatterns, m.function.environment[ENVIRONMENT_VARIABLES.endpoint]])).toEqual([
    [['/legacy/*'], `${legacy.url}/old`],
    [['*'], `${main.url}/base`],
  ]);
  expect(mirror.functionUrl).toBe(mirror.functionUrls[1]);
});

test('/legacy/x is fetched from the second endpoint and stored as legacy/x: a miss, then a hit', async () => {
  legacy.route('/old/legacy/x', { body: 'from the legacy host', headers: { 'content-type': 'text/plain' } });
  main.route('/base/legacy/x', { body: 'WRONG HOST', headers: { 'content-type': 'text/plain' } });

  const miss = await sendAndSettle(mirror, '/legacy/x');
  expect(miss.reply.status).toBe(200);
  expect(miss.reply.body.toString()).toBe('from the legacy host');
  expect(miss.reply.headers['x-mirror']).toBe('miss');
  expect(miss.record).toMatchObject({ key: 'legacy/x', cloudFront: { pathPattern: '/legacy/*', failover: true } });
  expect(invoked[0]).toContain(miss.record.cloudFront.cfId);
  expect(invoked[1]).not.toContain(miss.record.cloudFront.cfId);
  expect(await stored('legacy/x')).toBe('from the legacy host');

  const hit = await sendAndSettle(mirror, '/legacy/x');
  expect(hit.reply.body.toString()).toBe('from the legacy host');
  expect(hit.reply.headers['x-mirror']).toBeUndefined();
  expect(hit.record).toMatchObject({ key: 'legacy/x', cloudFront: { pathPattern: '/legacy/*', failover: false, servedBy: 's3' } });
  expect([count(legacy, '/old/legacy/x'), count(main, '/base/legacy/x')]).toEqual([1, 0]);
});

test('/x is fetched from the first endpoint and stored as x: a miss, then a hit; the legacy host is never asked', async () => {
  main.route('/base/x', { body: 'from the main host', headers: { 'content-type': 'text/plain' } });
  legacy.route('/old/x', { body: 'WRONG HOST', headers: { 'content-type': 'text/plain' } });

  const miss = await sendAndSettle(mirror, '/x');
  expect(miss.reply.body.toString()).toBe('from the main host');
  expect(miss.reply.headers['x-mirror']).toBe('miss');
  expect(miss.record).toMatchObject({ key: 'x', cloudFront: { pathPattern: '*', failover: true } });
  expect(invoked[1]).toContain(miss.record.cloudFront.cfId);
  expect(await stored('x')).toBe('from the main host');

  const hit = await sendAndSettle(mirror, '/x');
  expect(hit.reply.headers['x-mirror']).toBeUndefined();
  expect(hit.record.cloudFront).toMatchObject({ servedBy: 's3', failover: false });
  expect([count(main, '/base/x'), count(legacy, '/old/x')]).toEqual([1, 0]);
  expect(legacy.requests.every((r) => r.url.startsWith('/old/legacy/'))).toBe(true);
});

describe('cors: { allowedOrigins: [APP] } on the default mirror', () => {
  const preflight = (origin: string) => ({ method: 'OPTIONS', headers: { 'origin': origin, 'access-control-request-method': 'GET' } });

  test('a miss: the preflight is answered by S3 (nothing fetched), the CORS GET by the function, both with the origin allowed', async () => {
    main.route('/base/cors/miss.json', { body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    const first = await sendAndSettle(mirror, '/cors/miss.json', preflight(APP));
    expect(first.reply.status).toBe(200);
    expect(first.reply.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': '*',
      'access-control-max-age': '3600',
    });
    expect(first.record.cloudFront).toMatchObject({ servedBy: 's3', failover: false });
    expect(count(main, '/base/cors/miss.json')).toBe(0);

    const get = await sendAndSettle(mirror, '/cors/miss.json', { headers: { origin: APP } });
    expect(get.reply.status).toBe(200);
    expect(get.reply.headers['x-mirror']).toBe('miss');
    expect(get.reply.headers['access-control-allow-origin']).toBe(APP);
    expect(get.reply.headers['access-control-allow-methods']).toBeUndefined();
    expect(await stored('cors/miss.json')).toBe('{"a":1}');
  });

  test('a stored object: the preflight and the CORS GET both from the bucket, with the origin allowed', async () => {
    main.route('/base/cors/stored.json', { body: '{"b":2}', headers: { 'content-type': 'application/json' } });
    await sendAndSettle(mirror, '/cors/stored.json');
    expect(await stored('cors/stored.json')).toBe('{"b":2}');

    const first = await sendAndSettle(mirror, '/cors/stored.json', preflight(APP));
    expect(first.reply.status).toBe(200);
    expect(first.reply.headers['access-control-allow-origin']).toBe(APP);
    expect(first.reply.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    const get = await sendAndSettle(mirror, '/cors/stored.json', { headers: { origin: APP } });
    expect(get.reply.body.toString()).toBe('{"b":2}');
    expect(get.reply.headers['x-mirror']).toBeUndefined();
    expect(get.reply.headers['access-control-allow-origin']).toBe(APP);
    expect(get.record.cloudFront.servedBy).toBe('s3');
    expect(count(main, '/base/cors/stored.json')).toBe(1);
  });

  test('an origin it does not allow: the preflight refused by S3, GETs of a stored object and of a miss without CORS headers', async () => {
    const evil = 'https://evil.example';
    const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => name.startsWith('access-control-'));
    main.route('/base/cors/evil-miss.txt', { body: 'miss', headers: { 'content-type': 'text/plain' } });

    const refused = await sendAndSettle(mirror, '/cors/stored.json', preflight(evil));
    expect(refused.reply.status).toBe(403);
    const hit = await sendAndSettle(mirror, '/cors/stored.json', { headers: { origin: evil } });
    const miss = await sendAndSettle(mirror, '/cors/evil-miss.txt', { headers: { origin: evil } });
    expect([hit.reply.status, miss.reply.status, miss.reply.headers['x-mirror']]).toEqual([200, 200, 'miss']);
    for (const { reply } of [refused, hit, miss]) expect(corsHeaders(reply.headers)).toEqual([]);
  });

  test('the legacy mirror has no cors: an allowed origin gets no CORS headers there, on a miss or a preflight', async () => {
    legacy.route('/old/legacy/nocors.txt', { body: 'legacy', headers: { 'content-type': 'text/plain' } });
    const miss = await sendAndSettle(mirror, '/legacy/nocors.txt', { headers: { origin: APP } });
    expect(miss.reply.headers['x-mirror']).toBe('miss');
    expect(miss.reply.headers['access-control-allow-origin']).toBeUndefined();
    // The legacy behaviour forwards no Origin: S3 sees no preflight and refuses an OPTIONS without one.
    const options = await sendAndSettle(mirror, '/legacy/nocors.txt', preflight(APP));
    expect(options.reply.status).toBeGreaterThanOrEqual(400);
    expect(options.reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});
