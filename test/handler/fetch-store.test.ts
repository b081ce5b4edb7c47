/**
 * The fetch-and-store core without a viewer (what the jobs run), from the source modules, against the strict S3
 * stand-in (atomic writes; `If-None-Match: *` and `If-Match` on PutObject and CompleteMultipartUpload, answering
 * 412, or 404 NoSuchKey for a version deleted since, as S3 does) and a real local origin. aws-sdk-client-mock only
 * for the S3 answers the stand-in cannot give: 409 ConditionalRequestConflict and a 500.
 */
import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3Error } from './s3-errors';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import { FetchAndStoreRequest, FetchEnvironment, fetchAndStore } from '../../src/handler/fetch-store';
import { requestKeyFromRawPath } from '../../src/handler/variant-key';
import { handlerS3Client } from '../support/s3-client';
import { testConfig } from '../support/test-config';

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

/** The core's environment with `client` as its S3, and no deadline. */
function environment(client: S3Client): FetchEnvironment {
  const config = testConfig({ bucketName: BUCKET, endpoint: `${origin.url}/base`, keyPrefix: 'm/' });
  return { config, s3: client, endpoint: new URL(config.endpoint), clock: () => performance.now(), deadline: new AbortController().signal };
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

describe('without a viewer, against the S3 stand-in', () => {
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

describe('a refresh (If-Match on the S3 ETag it checked), against the S3 stand-in', () => {
  /** Stores `body` at `key` as the bucket's current version; resolves with its S3 ETag. */
  async function storedVersion(key: string, body: string): Promise<string> {
    const client = localClient();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    client.destroy();
    return head.ETag!;
  }

  /** The writes of `key` since request number `from`: method, query parameter names, status (none for an abort: s3rver has no AbortMultipartUpload). */
  function writes(key: string, from: number): string[] {
    return s3.requests.slice(from).filter((r) => r.key === key && r.method !== 'GET' && r.method !== 'HEAD').map((r) => {
      const names = r.query.split('&').map((p) => p.split('=')[0]).filter((name) => name !== '' && name !== 'x-id').join('&');
      return r.method === 'DELETE' ? `${r.method} ${names}` : `${r.method} ${names} ${r.status}`;
    });
  }

  test('new bytes replace exactly the version checked (outcome updated); the version replaced is then stale: conflict', async () => {
    const checked = await storedVersion('m/refresh/new.txt', 'old bytes');
    origin.route('/base/refresh/new.txt', { body: 'new bytes' });
    const env = environment(localClient());
    const result = await fetchAndStore(env, { key: keyOf('/refresh/new.txt'), precondition: { ifMatch: checked } });
    expect(result).toMatchObject({ outcome: 'updated', status: 200, bytes: 9 });
    expect((await s3.getObject(BUCKET, 'm/refresh/new.txt'))?.body.toString()).toBe('new bytes');

    origin.route('/base/refresh/new.txt', { body: 'newer bytes' });
    const before = s3.requests.length;
    const stale = await fetchAndStore(env, { key: keyOf('/refresh/new.txt'), precondition: { ifMatch: checked } });
    expect(stale).toMatchObject({ outcome: 'conflict', status: 200, bytes: 11 });
    expect(writes('m/refresh/new.txt', before)).toEqual(['PUT  412']);
    expect((await s3.getObject(BUCKET, 'm/refresh/new.txt'))?.body.toString()).toBe('new bytes');
  });

  test('the object deleted since it was checked (404 NoSuchKey): conflict, nothing stored', async () => {
    const checked = await storedVersion('m/refresh/other.txt', 'some version');
    origin.route('/base/refresh/deleted-since.txt', { body: 'racing bytes' });
    const before = s3.requests.length;
    const result = await fetchAndStore(environment(localClient()), { key: keyOf('/refresh/deleted-since.txt'), precondition: { ifMatch: checked } });
    expect(result).toMatchObject({ outcome: 'conflict', status: 200, bytes: 12 });
    expect(writes('m/refresh/deleted-since.txt', before)).toEqual(['PUT  404']);
    expect(await s3.getObject(BUCKET, 'm/refresh/deleted-since.txt')).toBeUndefined();
  });

  test('losing on CompleteMultipartUpload (412): the upload is aborted, the version in the bucket kept, outcome conflict', async () => {
    const checked = await storedVersion('m/refresh/raced-large.bin', 'the version checked');
    await storedVersion('m/refresh/raced-large.bin', 'written meanwhile');
    origin.route('/base/refresh/raced-large.bin', { body: { size: 11 * MiB, seed: 4 } });
    const before = s3.requests.length;
    const result = await fetchAndStore(environment(localClient()), { key: keyOf('/refresh/raced-large.bin'), precondition: { ifMatch: checked } });
    expect(result).toMatchObject({ outcome: 'conflict', bytes: 11 * MiB });
    const part = 'PUT partNumber&uploadId 200';
    expect(writes('m/refresh/raced-large.bin', before)).toEqual(['POST uploads 200', part, part, part, 'POST uploadId 412', 'DELETE uploadId']);
    expect((await s3.getObject(BUCKET, 'm/refresh/raced-large.bin'))?.body.toString()).toBe('written meanwhile');
  });

  test('an origin that answers 404 for a stored object: gone, nothing written', async () => {
    const checked = await storedVersion('m/refresh/deleted.txt', 'kept');
    origin.route('/base/refresh/deleted.txt', { status: 404 });
    const before = s3.requests.length;
    const result = await fetchAndStore(environment(localClient()), { key: keyOf('/refresh/deleted.txt'), precondition: { ifMatch: checked } });
    expect(result).toMatchObject({ outcome: 'gone', status: 404, originStatus: 404 });
    expect(s3.requests.length).toBe(before);
    expect((await s3.getObject(BUCKET, 'm/refresh/deleted.txt'))?.body.toString()).toBe('kept');
  });
});

describe('a refresh, for S3 answers the stand-in cannot give (aws-sdk-client-mock)', () => {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const s3Mock = mockClient(client);
  const checked = { ifMatch: '"s3-etag-1"' };

  beforeEach(() => s3Mock.reset());

  test('409 ConditionalRequestConflict (another conditional write of the key in flight) on PutObject: conflict', async () => {
    origin.route('/base/refresh/in-flight.txt', { body: 'racing bytes' });
    s3Mock.on(PutObjectCommand).rejects(s3Error('ConditionalRequestConflict', 409));
    const result = await fetchAndStore(environment(client), { key: keyOf('/refresh/in-flight.txt'), precondition: checked });
    expect(result).toMatchObject({ outcome: 'conflict', status: 200, bytes: 12 });
    const [put] = s3Mock.commandCalls(PutObjectCommand);
    expect(put.args[0].input).toMatchObject({ Key: 'm/refresh/in-flight.txt', IfMatch: '"s3-etag-1"' });
    expect(put.args[0].input.IfNoneMatch).toBeUndefined();
  });

  test('another S3 failure (500) is a store error, not a conflict', async () => {
    origin.route('/base/refresh/broken.txt', { body: 'bytes' });
    s3Mock.on(PutObjectCommand).rejects(s3Error('InternalError', 500));
    const result = await fetchAndStore(environment(client), { key: keyOf('/refresh/broken.txt'), precondition: checked });
    expect(result).toMatchObject({ outcome: 'store-error', status: 502 });
  });
});
