/**
 * The end-to-end checks can fail: run against broken mirrors (same template,
 * same stack, another handler), they must reject. One mirror stores truncated
 * bodies; the other answers a large object's 302 before storing it.
 */
import * as path from 'node:path';
import { Size } from 'aws-cdk-lib';
import { synthesizeForTest } from './helpers';
import { expectLargeStoredBeforeRedirect, expectMissThenHit, Setup, storedObject } from './scenarios';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import { startLocalMirror } from '../../local/stack';
import { MirrorOriginDistribution } from '../../src';

const FAKES = path.join(__dirname, 'fixtures', 'fake-mirrors');
const MiB = 1024 * 1024;
let origin: LocalOrigin;
let synthesized: ReturnType<typeof synthesizeForTest>;

beforeAll(async () => {
  origin = await startOrigin();
  synthesized = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', {
    endpoint: `${origin.url}/base`,
    keyPrefix: 'mirror/',
    streamThreshold: Size.mebibytes(1),
  }));
});

afterAll(async () => {
  await origin?.close();
  synthesized?.dispose();
});

/** Runs `check` on the stack with the fake mirror `handler` instead of the template's asset. */
async function withFake<T>(handler: string, check: (setup: Setup) => Promise<T>): Promise<T> {
  const mirror = await startLocalMirror({ spec: synthesized.spec, function: { codeDir: FAKES, handler } });
  try {
    return await check({ mirror, origin, originBase: '/base', keyPrefix: 'mirror/' });
  } finally {
    await mirror.close();
  }
}

/** The message of the assertion `check` failed on (colours removed), or undefined if it passed. */
async function failureOf(check: Promise<void>): Promise<string | undefined> {
  try {
    await check;
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/\u001b\[[0-9;]*m/g, '');
  }
}

test('a mirror that stores truncated bodies fails the miss-then-hit check, on the stored length', async () => {
  const body = Buffer.from('body { margin: 0 }\n');
  await withFake('index.truncating', async (setup) => {
    const failure = await failureOf(expectMissThenHit(setup, '/t/page.css', body, 'text/css'));
    // Everything before the store's check passed (the viewer got the whole body); the stored length did not.
    expect(failure).toMatch(new RegExp(`Expected: ${body.length}\\s+Received: ${body.length - 1}`));
    expect((await storedObject(setup, '/t/page.css'))?.body.length).toBe(body.length - 1);
  });
});

test('a mirror that redirects before storing fails the large-object check, on what S3 held at the redirect', async () => {
  const failure = await failureOf(withFake('index.redirectFirst', (setup) => expectLargeStoredBeforeRedirect(setup, '/t/big.bin', { size: 4 * MiB, seed: 9 })));
  // The check's toEqual on the object S3 held when the 302 arrived: nothing yet.
  expect(failure).toMatch(/toEqual/);
  expect(failure).toMatch(/\+\s+"size": undefined/);
});

test('the fakes do mirror otherwise (the checks fail for the broken part, not for a broken fake)', async () => {
  const body = patternBuffer({ size: 2000, seed: 3 });
  await withFake('index.redirectFirst', (setup) => expectMissThenHit(setup, '/t/small.bin', body, 'application/octet-stream'));
});
