/**
 * The fetch-and-store core without a viewer (what jobs will run), from the
 * source modules: against s3rver (strict: atomic, honours If-None-Match) and a
 * real local origin; and, for S3 answers s3rver cannot give (If-Match losing
 * to a concurrent write), against aws-sdk-client-mock on one client instance.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { preconditionFailed, s3Error } from './s3-errors';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import type { MirrorConfig } from '../../src/config';
import { FetchAndStoreRequest, FetchEnvironment, fetchAndStore } from '../../src/handler/fetch-store';
import { requestKeyFromRawPath } from '../../src/handler/variant-key';
import { handlerS3Client } from '../support/s3-client';

const MiB = 1024 * 1024;
const BUCKET = 'mirror';

let origin: LocalOrigin;
let s3: LocalS3;

beforeAll(async () => {
  [origin, s3] = await Promise.all([startOrigin(), startS3({ buckets: [BUCKET], strict: true })]);
});

afterAll(async () => {
  await Promise.all([origin.close(), s3.stop()]);
});

function config(): MirrorConfig {
  return {
    bucketName: BUCKET,
    endpoint: `${origin.url}/base`,
    keyPrefix: 'm/',
    notFoundTtlSeconds: 10,
    forwardHeaders: [],
    originHeaders: {},
    originResponseTimeoutMs: 30_000,
    originIdleTimeoutMs: 30_000,
    streamThresholdBytes: 1 * MiB,
    maxObjectSizeBytes: 100 * MiB,
    variantQueryStrings: [],
    mirrorName: 'Stack/Mirror/Default',
    leaseTableName: '',
    leaseStaleMs: 15_000,
    leaseWaitMs: 10_000,
  };
}

/** The core's environment with `client` as its S3, and no deadline. */
function environment(client: S3Client): FetchEnvironment {
  const c = config();
  return { config: c, s3: client, endpoint: new URL(c.endpoint), clock: () => performance.now(), deadline: new AbortController().signal };
}

/** The handler's own S3 client, pointed at s3rver. */
function localClient(): S3Client {
  return handlerS3Client(s3);
}

function keyOf(rawPath: string): FetchAndStoreRequest['key'] {
  const key = requestKeyFromRawPath(rawPath, 'm/', []);
  if (!key.ok) throw new Error(key.reason);
  return key;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function originRequests(path: string): number {
  return origin.requests.filter((r) => r.url === `/base${path}`).length;
}

describe('without a viewer, against s3rver', () => {
  test.each([
    ['one PUT', 300 * 1024, false],
    ['multipart', 12 * MiB + 5, false],
    ['multipart, unknown length (chunked)', 7 * MiB, true],
  ])('stores the object byte-exact (%s) and reports it', async (label, size, chunked) => {
    const path = `/jobs/${label.replace(/\W+/g, '-')}.bin`;
    const body = patternBuffer({ size, seed: size % 97 });
    origin.route(`/base${path}`, { body, chunked, headers: { 'content-type': 'application/x-job', 'etag': '"o1"' } });
    const result = await fetchAndStore(environment(localClient()), { key: keyOf(path) });
    expect(result).toMatchObject({ key: `m${path}`, outcome: 'stored', status: 200, bytes: size, originStatus: 200 });
    expect(result.delivery).toBeUndefined();
    expect(result.originMs).toEqual(expect.any(Number));
    expect(result.storeMs).toEqual(expect.any(Number));
    const stored = await s3.getObject(BUCKET, `m${path}`);
    expect(stored?.body.length).toBe(size);
    expect(sha256(stored!.body)).toBe(sha256(body));
    expect(stored).toMatchObject({ contentType: 'application/x-job', metadata: { 'origin-etag': '"o1"' } });
    expect(originRequests(path)).toBe(1);
  });

  test('a key already stored is not overwritten: outcome exists, the bucket keeps its bytes', async () => {
    const path = '/jobs/twice.txt';
    origin.route(`/base${path}`, { body: 'first', headers: { 'content-type': 'text/plain' } });
    const env = environment(localClient());
    expect(await fetchAndStore(env, { key: keyOf(path) })).toMatchObject({ outcome: 'stored' });
    origin.route(`/base${path}`, { body: 'second', headers: { 'content-type': 'text/plain' } });
    expect(await fetchAndStore(env, { key: keyOf(path) })).toMatchObject({ outcome: 'exists', status: 200, bytes: 6 });
    expect((await s3.getObject(BUCKET, `m${path}`))?.body.toString()).toBe('first');
  });

  test('with the stored copy\'s validators the origin is asked conditionally; its 304 is the verdict unchanged, nothing stored', async () => {
    const path = '/jobs/same.txt';
    origin.route(`/base${path}`, { status: 304 });
    const writesBefore = s3.requests.length;
    const validators = { etag: '"v7"', lastModified: 'Tue, 15 Nov 1994 12:45:26 GMT' };
    const result = await fetchAndStore(environment(localClient()), { key: keyOf(path), validators });
    expect(result).toMatchObject({ outcome: 'unchanged', status: 304, originStatus: 304, bytes: 0 });
    expect(result.storeMs).toBeUndefined();
    const seen = await origin.requested(`/base${path}`);
    expect(seen.headers).toMatchObject({ 'if-none-match': '"v7"', 'if-modified-since': validators.lastModified, 'accept-encoding': 'identity' });
    expect(s3.requests.length).toBe(writesBefore);
  });

  test('without validators the origin gets no conditional header, and a 304 stays an origin error', async () => {
    const path = '/jobs/unasked-304.txt';
    origin.route(`/base${path}`, { status: 304 });
    const result = await fetchAndStore(environment(localClient()), { key: keyOf(path) });
    expect(result).toMatchObject({ outcome: 'origin-error', status: 502, originStatus: 304 });
    const seen = await origin.requested(`/base${path}`);
    expect(seen.headers['if-none-match']).toBeUndefined();
    expect(seen.headers['if-modified-since']).toBeUndefined();
  });
});

describe('a refresh (If-Match on the S3 ETag it checked)', () => {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const s3Mock = mockClient(client);
  const checked = { ifMatch: '"s3-etag-1"' };

  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"s3-etag-2"' });
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
    s3Mock.on(UploadPartCommand).callsFake((input) => ({ ETag: `"${input.PartNumber}"` }));
    s3Mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"s3-etag-3"' });
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
  });

  test('new bytes replace exactly the version checked: PutObject carries If-Match, outcome updated', async () => {
    origin.route('/base/refresh/new.txt', { body: 'new bytes' });
    const result = await fetchAndStore(environment(client), { key: keyOf('/refresh/new.txt'), precondition: checked });
    expect(result).toMatchObject({ outcome: 'updated', status: 200, bytes: 9 });
    const [put] = s3Mock.commandCalls(PutObjectCommand);
    expect(put.args[0].input).toMatchObject({ Key: 'm/refresh/new.txt', IfMatch: '"s3-etag-1"' });
    expect(put.args[0].input.IfNoneMatch).toBeUndefined();
  });

  test.each([
    ['412 PreconditionFailed', preconditionFailed],
    ['409 ConditionalRequestConflict', () => s3Error('ConditionalRequestConflict', 409)],
    ['404 NoSuchKey (deleted since)', () => s3Error('NoSuchKey', 404)],
  ])('losing to a concurrent write (%s) on PutObject stores nothing and says conflict', async (_label, error) => {
    origin.route('/base/refresh/raced.txt', { body: 'racing bytes' });
    s3Mock.on(PutObjectCommand).rejects(error());
    const result = await fetchAndStore(environment(client), { key: keyOf('/refresh/raced.txt'), precondition: checked });
    expect(result).toMatchObject({ outcome: 'conflict', status: 200, bytes: 12 });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  test('losing on CompleteMultipartUpload: the completion carried If-Match, the upload is aborted, outcome conflict', async () => {
    origin.route('/base/refresh/raced-large.bin', { body: { size: 11 * MiB, seed: 4 } });
    s3Mock.on(CompleteMultipartUploadCommand).rejects(preconditionFailed());
    const result = await fetchAndStore(environment(client), { key: keyOf('/refresh/raced-large.bin'), precondition: checked });
    expect(result).toMatchObject({ outcome: 'conflict', bytes: 11 * MiB });
    const [complete] = s3Mock.commandCalls(CompleteMultipartUploadCommand);
    expect(complete.args[0].input).toMatchObject({ IfMatch: '"s3-etag-1"', UploadId: 'u-1' });
    expect(complete.args[0].input.IfNoneMatch).toBeUndefined();
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)[0].args[0].input).toEqual({ Bucket: BUCKET, Key: 'm/refresh/raced-large.bin', UploadId: 'u-1' });
  });

  test('another S3 failure is a store error, not a conflict', async () => {
    origin.route('/base/refresh/broken.txt', { body: 'bytes' });
    s3Mock.on(PutObjectCommand).rejects(s3Error('InternalError', 500));
    const result = await fetchAndStore(environment(client), { key: keyOf('/refresh/broken.txt'), precondition: checked });
    expect(result).toMatchObject({ outcome: 'store-error', status: 502 });
  });

  test('an origin that answers 404 for a stored object: gone, nothing written', async () => {
    origin.route('/base/refresh/deleted.txt', { status: 404 });
    const result = await fetchAndStore(environment(client), { key: keyOf('/refresh/deleted.txt'), precondition: checked });
    expect(result).toMatchObject({ outcome: 'gone', status: 404, originStatus: 404 });
    expect(s3Mock.calls()).toHaveLength(0);
  });
});
