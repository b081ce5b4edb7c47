/**
 * Query-string variants end to end, on the local stack started from the synthesized template with
 * `variantQueryStrings: ['x-oss-process']`: the CloudFront stand-in runs the template's viewer-request
 * function code, S3 (s3rver) and the bundled handler see the URI it writes, and the origin answers
 * differently per query.
 */
import { Size } from 'aws-cdk-lib';
import { sendAndSettle, sha256, synthesizeForTest } from './helpers';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import { startLocalMirror } from '../../local/stack';
import { MirrorOriginDistribution } from '../../src';
import { viewerRequestFunctionCode } from '../../src/variant/function-code';

const MiB = 1024 * 1024;
let origin: LocalOrigin;
let synthesized: ReturnType<typeof synthesizeForTest>;
let mirror: Awaited<ReturnType<typeof startLocalMirror>>;

beforeAll(async () => {
  origin = await startOrigin();
  synthesized = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', {
    endpoint: `${origin.url}/base`,
    keyPrefix: 'mirror/',
    streamThreshold: Size.mebibytes(1),
    variantQueryStrings: ['x-oss-process'],
  }));
  mirror = await startLocalMirror({ spec: synthesized.spec });
});

afterAll(async () => {
  await mirror?.close();
  await origin?.close();
  synthesized?.dispose();
});

/** How many requests the origin saw for exactly `target` (path and query, under /base). */
function originCount(target: string): number {
  return origin.requests.filter((r) => r.url === `/base${target}`).length;
}

async function stored(key: string): Promise<Buffer | undefined> {
  return (await mirror.s3.getObject(mirror.spec.bucketName, key))?.body;
}

test('the local CloudFront runs the function code of the template', () => {
  expect(synthesized.spec.distribution.behaviors[0].functionAssociations).toEqual([
    expect.objectContaining({ eventType: 'viewer-request', runtime: 'cloudfront-js-2.0', code: viewerRequestFunctionCode(['x-oss-process']) }),
  ]);
});

test('photo.jpg and two x-oss-process variants become three objects; each second request comes from the bucket', async () => {
  const variants = [
    { first: '/photo.jpg', again: '/photo.jpg?w=1', query: '', body: patternBuffer({ size: 200_000, seed: 1 }) },
    {
      first: '/photo.jpg?x-oss-process=image/resize,w_150',
      again: '/photo.jpg?utm_source=mail&x-oss-process=image%2Fresize%2Cw_150',
      query: '?x-oss-process=image/resize,w_150',
      body: patternBuffer({ size: 5_000, seed: 2 }),
    },
    {
      first: '/photo.jpg?x-oss-process=image/resize,w_300',
      again: '/photo.jpg?x-oss-process=image%2fresize,w_300',
      query: '?x-oss-process=image/resize,w_300',
      body: patternBuffer({ size: 20_000, seed: 3 }),
    },
  ];
  for (const v of variants) origin.route(`/base/photo.jpg${v.query}`, { body: v.body, headers: { 'content-type': 'image/jpeg' } });

  for (const v of variants) {
    const first = await sendAndSettle(mirror, v.first);
    expect(first.reply.status).toBe(200);
    expect(sha256(first.reply.body)).toBe(sha256(v.body));
    expect(first.record.cloudFront.failover).toBe(true);
    expect(originCount(`/photo.jpg${v.query}`)).toBe(1);

    const again = await sendAndSettle(mirror, v.again);
    expect(again.reply.status).toBe(200);
    expect(again.record.cloudFront).toMatchObject({ servedBy: 's3', failover: false });
    expect(sha256(again.reply.body)).toBe(sha256(v.body));
    expect(originCount(`/photo.jpg${v.query}`)).toBe(1);
  }

  const keys = (await mirror.s3.listKeys(mirror.spec.bucketName)).filter((key) => key.startsWith('mirror/photo.jpg'));
  expect(keys.sort()).toEqual(['mirror/photo.jpg', 'mirror/photo.jpg?x-oss-process=image/resize,w_150', 'mirror/photo.jpg?x-oss-process=image/resize,w_300']);
  for (const v of variants) expect(sha256((await stored(`mirror/photo.jpg${v.query}`))!)).toBe(sha256(v.body));
  expect(origin.requests.filter((r) => r.url.startsWith('/base/photo.jpg')).length).toBe(3);
});

test('a large variant: stored, then redirected to the viewer\'s URL, which the function folds back into the same key', async () => {
  const size = 2 * MiB + 11;
  origin.route('/base/big.bin?x-oss-process=video/snapshot,t_1000', { body: { size, seed: 8 } });
  const first = await sendAndSettle(mirror, '/big.bin?x-oss-process=video%2Fsnapshot%2Ct_1000');
  expect(first.reply.status).toBe(302);
  expect(first.reply.headers.location).toBe('/big.bin?x-oss-process=video/snapshot,t_1000');

  const followed = await sendAndSettle(mirror, first.reply.headers.location!);
  expect(followed.reply.status).toBe(200);
  expect(followed.record.cloudFront.servedBy).toBe('s3');
  expect(sha256(followed.reply.body)).toBe(sha256(patternBuffer({ size, seed: 8 })));
  expect(originCount('/big.bin?x-oss-process=video/snapshot,t_1000')).toBe(1);
  expect(await stored('mirror/big.bin')).toBeUndefined();
});

test.each([
  ['a path that already holds the separator', '/photo.jpg%3Fx-oss-process%3Dimage%2Fresize%2Cw_150'],
  ['the separator in lower case', '/photo.jpg%3fx-oss-process=image'],
  ['the parameter twice', '/photo.jpg?x-oss-process=a&x-oss-process=b'],
])('%s: 400 from the function, neither S3 nor the handler nor the origin asked', async (_, target) => {
  const before = { s3: mirror.s3.requests.length, origin: origin.requests.length };
  const result = await sendAndSettle(mirror, target);
  expect(result.reply.status).toBe(400);
  expect(result.record.cloudFront).toMatchObject({ servedBy: 'cloudfront', failover: false });
  expect(result.record.invocation).toBeUndefined();
  expect({ s3: mirror.s3.requests.length, origin: origin.requests.length }).toEqual(before);
});
