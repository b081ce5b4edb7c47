/**
 * Query-string variants in the bundled handler (assets/handler/mirror.lambda, as Lambda loads it) against
 * s3rver and a local origin that answers differently per query: the URI the CloudFront Function writes
 * is fetched with its canonical query and stored under its own key. `npx projen bundle` first.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { captureLogs, invoke, Invocation } from './invoke';
import { loadHandler, StreamingHandler } from '../../local/lambda/runtime';
import { LocalOrigin, patternBuffer, patternSha256, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import { toEnvironment } from '../../src/config';
import { variantUri } from '../../src/variant/rules';
import { testConfig } from '../support/test-config';

const BUNDLE = path.join(__dirname, '../../assets/handler/mirror.lambda');
const BUCKET = 'mirror';
const MiB = 1024 * 1024;
const THUMB = 'x-oss-process=image/resize,w_150/circle,r_100';
const THUMB_URI = '/img/photo.jpg%3Fx-oss-process%3Dimage%2Fresize%2Cw_150%2Fcircle%2Cr_100';

let s3: LocalS3;
let origin: LocalOrigin;
let logs: ReturnType<typeof captureLogs>;
const savedEnv = { ...process.env };

/** Loads the bundle as a fresh container listing `variantQueryStrings`. */
function container(variantQueryStrings: string[]): StreamingHandler {
  const config = testConfig({
    bucketName: BUCKET,
    endpoint: `${origin.url}/base`,
    keyPrefix: 'm/',
    originResponseTimeoutMs: 30_000,
    originIdleTimeoutMs: 30_000,
    streamThresholdBytes: MiB,
    maxObjectSizeBytes: 80 * MiB,
    variantQueryStrings,
  });
  process.env = { ...savedEnv, ...s3.env, ...toEnvironment(config) };
  // Jest keeps its own module registry: without a reset the bundle would not be evaluated again.
  jest.resetModules();
  return loadHandler(BUNDLE);
}

let handler: StreamingHandler;

beforeAll(async () => {
  [s3, origin] = await Promise.all([startS3({ buckets: [BUCKET], strict: true }), startOrigin()]);
  logs = captureLogs();
  handler = container(['x-oss-process', 'v']);
});

afterAll(async () => {
  logs.restore();
  process.env = savedEnv;
  await Promise.all([s3.stop(), origin.close()]);
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function originTargets(prefix: string): string[] {
  return origin.requests.map((r) => r.url).filter((url) => url.startsWith(prefix));
}

function expectClean(result: Invocation): void {
  expect(result.bodyError).toBeUndefined();
  expect(result.invocationError).toBeUndefined();
}

test('the plain object and two variants are three objects, each byte-exact what the origin sent for its query', async () => {
  const bodies = {
    plain: patternBuffer({ size: 40_000, seed: 1 }),
    thumb: patternBuffer({ size: 3_000, seed: 2 }),
    big: patternBuffer({ size: 9_000, seed: 3 }),
  };
  origin.route('/base/img/photo.jpg', { body: bodies.plain, headers: { 'content-type': 'image/jpeg' } });
  origin.route(`/base/img/photo.jpg?${THUMB}`, { body: bodies.thumb, headers: { 'content-type': 'image/png', 'cache-control': 'max-age=60' } });
  origin.route('/base/img/photo.jpg?x-oss-process=image/resize,w_600', { body: bodies.big, headers: { 'content-type': 'image/webp' } });

  const plain = await invoke(handler, { rawPath: '/img/photo.jpg' });
  const thumb = await invoke(handler, { rawPath: THUMB_URI });
  const big = await invoke(handler, { rawPath: variantUri('/img/photo.jpg', 'x-oss-process=image/resize,w_600') });
  for (const result of [plain, thumb, big]) {
    expectClean(result);
    expect(result.status).toBe(200);
  }
  expect(sha256(plain.body)).toBe(sha256(bodies.plain));
  expect(sha256(thumb.body)).toBe(sha256(bodies.thumb));
  expect(sha256(big.body)).toBe(sha256(bodies.big));
  expect(thumb.headers['content-type']).toBe('image/png');

  // Each fetched once, with exactly its canonical query.
  expect(originTargets('/base/img/photo.jpg')).toEqual([
    '/base/img/photo.jpg', `/base/img/photo.jpg?${THUMB}`, '/base/img/photo.jpg?x-oss-process=image/resize,w_600',
  ]);
  expect((await s3.listKeys(BUCKET)).filter((key) => key.startsWith('m/img/photo.jpg')).sort()).toEqual([
    'm/img/photo.jpg', `m/img/photo.jpg?${THUMB}`, 'm/img/photo.jpg?x-oss-process=image/resize,w_600',
  ]);
  const stored = await s3.getObject(BUCKET, `m/img/photo.jpg?${THUMB}`);
  expect(sha256(stored!.body)).toBe(sha256(bodies.thumb));
  expect(stored).toMatchObject({ contentType: 'image/png', cacheControl: 'max-age=60' });
  expect(sha256((await s3.getObject(BUCKET, 'm/img/photo.jpg'))!.body)).toBe(sha256(bodies.plain));
  expect(logs.lines.filter((line) => line.outcome === 'stored').map((line) => line.key)).toEqual(expect.arrayContaining([
    'm/img/photo.jpg', `m/img/photo.jpg?${THUMB}`, 'm/img/photo.jpg?x-oss-process=image/resize,w_600',
  ]));
});

test('a variant is stored conditionally: an object already under its key is never overwritten, the plain one never touched', async () => {
  origin.route('/base/keep.jpg', { body: 'plain' });
  origin.route('/base/keep.jpg?v=1', { body: 'variant one' });
  expect((await invoke(handler, { rawPath: '/keep.jpg' })).body.toString()).toBe('plain');
  expect((await invoke(handler, { rawPath: '/keep.jpg%3Fv%3D1' })).body.toString()).toBe('variant one');
  origin.route('/base/keep.jpg?v=1', { body: 'variant one, changed' });
  const again = await invoke(handler, { rawPath: '/keep.jpg%3Fv%3D1' });
  expect(again.status).toBe(200);
  expect(logs.last()).toMatchObject({ key: 'm/keep.jpg?v=1', outcome: 'exists' });
  expect((await s3.getObject(BUCKET, 'm/keep.jpg?v=1'))!.body.toString()).toBe('variant one');
  expect((await s3.getObject(BUCKET, 'm/keep.jpg'))!.body.toString()).toBe('plain');
});

test.each([
  ['an unlisted parameter', '/refused.jpg%3Fw%3D1', 'the variant query names a parameter that is not listed'],
  ['a listed one next to an unlisted one', '/refused.jpg%3Fv%3D1%26w%3D1', 'the variant query names a parameter that is not listed'],
  ['a query that is not canonical', '/refused.jpg%3Fx-oss-process%3Dimage%252Fresize', 'the variant query is not canonical'],
  ['parameters out of order', '/refused.jpg%3Fx-oss-process%3Da%26v%3D1', 'the variant query is not canonical'],
])('%s: 400, nothing fetched, nothing stored', async (_, rawPath, reason) => {
  const before = origin.requests.length;
  const result = await invoke(handler, { rawPath });
  expectClean(result);
  expect(result.status).toBe(400);
  expect(result.headers['cache-control']).toBe('no-store');
  expect(origin.requests.length).toBe(before);
  expect((await s3.listKeys(BUCKET)).filter((key) => key.startsWith('m/refused.jpg'))).toEqual([]);
  expect(logs.last()).toMatchObject({ outcome: 'rejected', status: 400, error: reason });
});

test('a large variant is stored first, then redirected to the viewer\'s own URL, which folds back into the same key', async () => {
  const size = 2 * MiB + 5;
  origin.route('/base/big.bin?v=2', { body: { size, seed: 9 } });
  const result = await invoke(handler, { rawPath: '/big.bin%3Fv%3D2' });
  expectClean(result);
  expect(result.status).toBe(302);
  expect(result.headers).toMatchObject({ 'location': '/big.bin?v=2', 'cache-control': 'no-store' });
  expect(sha256((await s3.getObject(BUCKET, 'm/big.bin?v=2'))!.body)).toBe(await patternSha256({ size, seed: 9 }));
  expect(await s3.getObject(BUCKET, 'm/big.bin')).toBeUndefined();
});

test('without variantQueryStrings nothing changes: the same URI is a plain key, fetched as one path segment', async () => {
  const plainHandler = container([]);
  try {
    origin.route('/base/legacy.jpg%3Fv%3D1', { body: 'a key with a question mark' });
    const result = await invoke(plainHandler, { rawPath: '/legacy.jpg%3Fv%3D1', rawQueryString: 'v=2' });
    expect(result.status).toBe(200);
    expect(originTargets('/base/legacy.jpg')).toEqual(['/base/legacy.jpg%3Fv%3D1']);
    expect((await s3.getObject(BUCKET, 'm/legacy.jpg?v=1'))!.body.toString()).toBe('a key with a question mark');
  } finally {
    handler = container(['x-oss-process', 'v']);
  }
});
