/**
 * The bundled handler (assets/handler/mirror.lambda, as Lambda loads it) writes one EMF record per request, for every
 * outcome a viewer request can have, against s3rver (strict writes, as S3) and a real local origin: each record is
 * valid against the EMF specification's schema, bytes from the origin equal the body's size, and the misses
 * counted per outcome are the requests made. `npx projen bundle` first.
 */
import * as path from 'node:path';
import { emfSchemaErrors } from './emf';
import { LocalDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { datapoints, EmfDatapoint, sumOf } from '../../local/emf';
import { loadHandler, StreamingHandler } from '../../local/lambda/runtime';
import { LocalOrigin, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import { MirrorConfig, toEnvironment } from '../../src/config';
import { invoke } from '../handler/invoke';
import { testConfig } from '../support/test-config';

const BUNDLE = path.join(__dirname, '../../assets/handler/mirror.lambda');
const BUCKET = 'mirror';
const MIRROR = 'Stack/Mirror/Default';
const KiB = 1024;

let s3: LocalS3;
let origin: LocalOrigin;
let dynamodb: LocalDynamoDb;
const LEASES = 'leases';
let handler: StreamingHandler;
/** Every line the handler wrote to stdout. */
const lines: string[] = [];
let restoreStdout: () => void;
const savedEnv = { ...process.env };

/** A fresh container of the bundle with `overrides` in its configuration. */
function container(overrides: Partial<MirrorConfig> = {}): StreamingHandler {
  const config = testConfig({
    bucketName: BUCKET,
    endpoint: origin.url,
    mirrorName: MIRROR,
    streamThresholdBytes: 256 * KiB,
    originResponseTimeoutMs: 30_000,
    originIdleTimeoutMs: 30_000,
    ...overrides,
  });
  process.env = { ...savedEnv, ...s3.env, AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint, ...toEnvironment(config) };
  jest.resetModules();
  return loadHandler(BUNDLE);
}

beforeAll(async () => {
  [s3, origin, dynamodb] = await Promise.all([startS3({ buckets: [BUCKET], strict: true }), startOrigin(), startDynamoDb()]);
  await dynamodb.createLeaseTable(LEASES);
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: any[]) => {
    const text = String(chunk);
    if (!text.startsWith('{')) return write(chunk, ...rest);
    lines.push(...text.split('\n').filter((line) => line !== ''));
    return true;
  });
  restoreStdout = () => spy.mockRestore();
  handler = container();
});

afterAll(async () => {
  restoreStdout();
  process.env = savedEnv;
  await Promise.all([s3.stop(), origin.close(), dynamodb.stop()]);
});

/** The record of the last request: checked against the schema, with its data points. */
function lastRecord(): { record: Record<string, any>; points: EmfDatapoint[] } {
  const text = lines[lines.length - 1];
  const record = JSON.parse(text);
  expect(emfSchemaErrors(record)).toEqual([]);
  return { record, points: datapoints(record) };
}

/** The requests made, by the outcome each should have: the misses CloudWatch counts must be these. */
const made = new Map<string, number>();

/** What a request's record must say. */
interface Expected {
  readonly outcome: string;
  readonly bytes: number;
  readonly originAsked: boolean;
  readonly stored: boolean;
  readonly delivery?: 'streamed' | 'redirected';
}

function expectRecord(expected: Expected): void {
  made.set(expected.outcome, (made.get(expected.outcome) ?? 0) + 1);
  const { record, points } = lastRecord();
  expect(record.outcome).toBe(expected.outcome);
  for (const dimensions of [{ Mirror: MIRROR }, { Mirror: MIRROR, Outcome: expected.outcome }] as Array<Record<string, string>>) {
    expect(sumOf(points, 'Misses', dimensions)).toBe(1);
    expect(sumOf(points, 'BytesFromOrigin', dimensions)).toBe(expected.bytes);
    expect(sumOf(points, 'Streamed', dimensions)).toBe(expected.delivery === 'streamed' ? 1 : 0);
    expect(sumOf(points, 'Redirected', dimensions)).toBe(expected.delivery === 'redirected' ? 1 : 0);
  }
  const has = (name: string) => points.some((p) => p.metricName === name);
  expect([has('OriginLatency'), has('StoreDuration')]).toEqual([expected.originAsked, expected.stored]);
  if (expected.originAsked) expect(record.OriginLatency).toBe(record.originMs);
}

describe('one valid EMF record per request, for every outcome of the viewer path', () => {
  test('stored, streamed: bytes from the origin are the body\'s size', async () => {
    origin.route('/small.bin', { body: { size: 100 * KiB, seed: 1 } });
    const result = await invoke(handler, { rawPath: '/small.bin' });
    expect([result.status, result.body.length]).toEqual([200, 100 * KiB]);
    expectRecord({ outcome: 'stored', bytes: 100 * KiB, originAsked: true, stored: true, delivery: 'streamed' });
  });

  test('stored, redirected (above streamThreshold)', async () => {
    origin.route('/large.bin', { body: { size: 600 * KiB, seed: 2 } });
    const result = await invoke(handler, { rawPath: '/large.bin' });
    expect(result.status).toBe(302);
    expectRecord({ outcome: 'stored', bytes: 600 * KiB, originAsked: true, stored: true, delivery: 'redirected' });
  });

  test('exists: fetched again, the conditional write found the object there', async () => {
    origin.route('/again.bin', { body: { size: 10 * KiB, seed: 3 } });
    await invoke(handler, { rawPath: '/again.bin' });
    expectRecord({ outcome: 'stored', bytes: 10 * KiB, originAsked: true, stored: true, delivery: 'streamed' });
    const result = await invoke(handler, { rawPath: '/again.bin' });
    expect(result.status).toBe(200);
    expectRecord({ outcome: 'exists', bytes: 10 * KiB, originAsked: true, stored: true, delivery: 'streamed' });
  });

  test('waited (single-flight): the key\'s lease says another request stored it; answered from the bucket, no fetch', async () => {
    origin.route('/leased.bin', { body: { size: 12 * KiB, seed: 9 } });
    await invoke(container({ leaseTableName: LEASES }), { rawPath: '/leased.bin' });
    expectRecord({ outcome: 'stored', bytes: 12 * KiB, originAsked: true, stored: true, delivery: 'streamed' });
    // Another container: its miss finds the lease with the holder's verdict, and answers with the stored object.
    const result = await invoke(container({ leaseTableName: LEASES }), { rawPath: '/leased.bin' });
    expect([result.status, result.body.length, result.headers['x-mirror']]).toEqual([200, 12 * KiB, 'waited']);
    expect(origin.requests.filter((r) => r.url === '/leased.bin')).toHaveLength(1);
    expectRecord({ outcome: 'waited', bytes: 0, originAsked: false, stored: false });
  });

  test.each([
    ['not-found', 404],
    ['origin-client-error', 403],
    ['origin-error', 500],
  ])('%s (origin %i): asked the origin, stored nothing', async (outcome, status) => {
    origin.route(`/status/${status}`, { status, body: 'no' });
    await invoke(handler, { rawPath: `/status/${status}` });
    expectRecord({ outcome, bytes: 0, originAsked: true, stored: false });
  });

  test('rejected: never reached the origin', async () => {
    const result = await invoke(handler, { rawPath: '/a/../b' });
    expect(result.status).toBe(400);
    expectRecord({ outcome: 'rejected', bytes: 0, originAsked: false, stored: false });
  });

  test.each([['method-not-allowed', 'POST', 405], ['options', 'OPTIONS', 204]])('%s', async (outcome, method, status) => {
    const result = await invoke(handler, { rawPath: '/x', method });
    expect(result.status).toBe(status);
    expectRecord({ outcome, bytes: 0, originAsked: false, stored: false });
  });

  test('timeout: the origin sent no headers in time', async () => {
    origin.route('/hang', { fault: { kind: 'hang-before-headers' } });
    const result = await invoke(container({ originResponseTimeoutMs: 1_000 }), { rawPath: '/hang' });
    expect(result.status).toBe(504);
    expectRecord({ outcome: 'timeout', bytes: 0, originAsked: true, stored: false });
  });

  test('deadline: the function\'s own time ran out first', async () => {
    origin.route('/hang-longer', { fault: { kind: 'hang-before-headers' } });
    const result = await invoke(handler, { rawPath: '/hang-longer' }, { timeoutMs: 2_500 });
    expect(result.status).toBe(504);
    expectRecord({ outcome: 'deadline', bytes: 0, originAsked: true, stored: false });
  });

  test('origin-error with bytes: the body was cut after 100 KiB of 600; what came from the origin is counted', async () => {
    origin.route('/cut.bin', { body: { size: 600 * KiB, seed: 5 }, fault: { kind: 'cut', afterBytes: 100 * KiB } });
    const result = await invoke(handler, { rawPath: '/cut.bin' });
    expect(result.status).toBe(502);
    expectRecord({ outcome: 'origin-error', bytes: 100 * KiB, originAsked: true, stored: false });
  });

  test('timeout with bytes: the body stalled after 50 KiB of 600', async () => {
    origin.route('/stall.bin', { body: { size: 600 * KiB, seed: 6 }, fault: { kind: 'stall', afterBytes: 50 * KiB } });
    const result = await invoke(container({ originIdleTimeoutMs: 1_000 }), { rawPath: '/stall.bin' });
    expect(result.status).toBe(504);
    expectRecord({ outcome: 'timeout', bytes: 50 * KiB, originAsked: true, stored: false });
  });

  test('too-large: refused by its Content-Length', async () => {
    origin.route('/huge.bin', { body: { size: 64 * KiB } });
    const result = await invoke(container({ maxObjectSizeBytes: 32 * KiB }), { rawPath: '/huge.bin' });
    expect(result.status).toBe(502);
    expectRecord({ outcome: 'too-large', bytes: 0, originAsked: true, stored: false });
  });

  test('store-error: S3 refused the write (no such bucket); the body still came from the origin', async () => {
    origin.route('/nowhere.bin', { body: { size: 20 * KiB, seed: 4 } });
    const result = await invoke(container({ bucketName: 'no-such-bucket' }), { rawPath: '/nowhere.bin' });
    expect(result.status).toBe(200);
    expectRecord({ outcome: 'store-error', bytes: 20 * KiB, originAsked: true, stored: true, delivery: 'streamed' });
  });
});

test('every line is one JSON object from its first character (what CloudWatch needs to extract metrics)', () => {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
});

test('the misses CloudWatch would count, in total and per outcome, are the requests made', () => {
  const points = lines.flatMap((line) => datapoints(JSON.parse(line)));
  const total = [...made.values()].reduce((a, b) => a + b, 0);
  expect(total).toBe(18);
  expect(sumOf(points, 'Misses', { Mirror: MIRROR })).toBe(total);
  for (const [outcome, count] of made) expect([outcome, sumOf(points, 'Misses', { Mirror: MIRROR, Outcome: outcome })]).toEqual([outcome, count]);
  expect(sumOf(points, 'BytesFromOrigin', { Mirror: MIRROR })).toBe((100 + 600 + 10 + 10 + 12 + 100 + 50 + 20) * KiB);
});
