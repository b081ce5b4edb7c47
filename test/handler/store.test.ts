import { PassThrough, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { conditionalConflict, internalError, preconditionFailed } from './s3-errors';
import { partSizeFor } from '../../src/config';
import { ObjectStore, storeObject, StoreRequest } from '../../src/handler/store';
import { parseHttpDate, storedHeaders } from '../../src/handler/stored-headers';

const MiB = 1024 * 1024;
const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

const headers = storedHeaders({
  'content-type': 'image/png',
  'cache-control': 'max-age=60',
  'content-disposition': 'inline',
  'content-encoding': 'gzip',
  'content-language': 'en',
  'expires': 'Thu, 01 Dec 2044 16:00:00 GMT',
  'etag': '"abc"',
  'last-modified': 'Tue, 15 Nov 1994 12:45:26 GMT',
}).headers;

function request(body: Readable, contentLength?: number): StoreRequest {
  return { s3, bucket: 'mirror', key: 'a/b.png', body, contentLength, maxBytes: 100 * MiB, headers };
}

function bytes(size: number): Buffer {
  return Buffer.alloc(size, 7);
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"put"' });
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3Mock.on(UploadPartCommand).callsFake((input) => ({ ETag: `"part-${input.PartNumber}"` }));
  s3Mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"complete"' });
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
});

describe('storeObject, one PUT', () => {
  test('writes conditionally, with the origin headers and metadata', async () => {
    const body = bytes(1000);
    expect(await storeObject(request(Readable.from([body]), 1000))).toMatchObject({ outcome: 'stored', etag: '"put"' });
    const [call] = s3Mock.commandCalls(PutObjectCommand);
    expect(call.args[0].input).toMatchObject({
      Bucket: 'mirror',
      Key: 'a/b.png',
      IfNoneMatch: '*',
      ContentLength: 1000,
      ContentType: 'image/png',
      CacheControl: 'max-age=60',
      ContentDisposition: 'inline',
      ContentEncoding: 'gzip',
      ContentLanguage: 'en',
      Expires: new Date('Thu, 01 Dec 2044 16:00:00 GMT'),
      Metadata: { 'origin-etag': '"abc"', 'origin-last-modified': 'Tue, 15 Nov 1994 12:45:26 GMT' },
    });
    expect(Buffer.compare(call.args[0].input.Body as Buffer, body)).toBe(0);
  });

  test('412 on the conditional PUT means the object is already there', async () => {
    s3Mock.on(PutObjectCommand).rejects(preconditionFailed());
    expect(await storeObject(request(Readable.from([bytes(10)]), 10))).toMatchObject({ outcome: 'precondition-failed' });
  });

  test('409 ConditionalRequestConflict means another write of the key is in flight', async () => {
    s3Mock.on(PutObjectCommand).rejects(conditionalConflict());
    expect(await storeObject(request(Readable.from([bytes(10)]), 10))).toMatchObject({ outcome: 'precondition-failed' });
  });

  test('a 5xx is a store error', async () => {
    s3Mock.on(PutObjectCommand).rejects(internalError());
    expect(await storeObject(request(Readable.from([bytes(10)]), 10))).toMatchObject({ outcome: 'store-error', error: { name: 'InternalError' } });
  });

  test('a body that fails before its end sends nothing', async () => {
    const body = new PassThrough();
    const storing = storeObject(request(body, 100));
    body.write(bytes(50));
    body.destroy(new Error('origin cut'));
    expect(await storing).toMatchObject({ outcome: 'store-error', error: { message: 'origin cut' } });
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('storeObject, multipart', () => {
  const size = 12 * MiB;

  test('completes conditionally once every part is in', async () => {
    expect(await storeObject(request(Readable.from([bytes(size)]), size))).toMatchObject({ outcome: 'stored', etag: '"complete"' });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input).toMatchObject({
      Key: 'a/b.png', ContentType: 'image/png', ContentEncoding: 'gzip', Metadata: { 'origin-etag': '"abc"' },
    });
    expect(s3Mock.commandCalls(UploadPartCommand)).toHaveLength(3);
    const complete = s3Mock.commandCalls(CompleteMultipartUploadCommand);
    expect(complete).toHaveLength(1);
    expect(complete[0].args[0].input).toMatchObject({
      IfNoneMatch: '*', UploadId: 'upload-1', MultipartUpload: { Parts: [{ PartNumber: 1 }, { PartNumber: 2 }, { PartNumber: 3 }] },
    });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  test('a 5xx on UploadPart aborts the upload', async () => {
    s3Mock.on(UploadPartCommand).rejects(internalError());
    expect(await storeObject(request(Readable.from([bytes(size)]), size))).toMatchObject({ outcome: 'store-error' });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)[0].args[0].input).toEqual({ Bucket: 'mirror', Key: 'a/b.png', UploadId: 'upload-1' });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  test('a 5xx on CompleteMultipartUpload aborts the upload', async () => {
    s3Mock.on(CompleteMultipartUploadCommand).rejects(internalError());
    expect(await storeObject(request(Readable.from([bytes(size)]), size))).toMatchObject({ outcome: 'store-error' });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  test('412 on CompleteMultipartUpload means the object is already there; the parts are dropped', async () => {
    s3Mock.on(CompleteMultipartUploadCommand).rejects(preconditionFailed());
    expect(await storeObject(request(Readable.from([bytes(size)]), size))).toMatchObject({ outcome: 'precondition-failed' });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  test('a body that fails after some parts aborts the upload and never completes it', async () => {
    const body = new PassThrough();
    const storing = storeObject(request(body, size));
    body.write(bytes(11 * MiB));
    await new Promise<void>((resolve) => s3Mock.on(UploadPartCommand).callsFake((input) => {
      resolve();
      return { ETag: `"part-${input.PartNumber}"` };
    }));
    body.destroy(new Error('origin cut'));
    expect(await storing).toMatchObject({ outcome: 'store-error', error: { message: 'origin cut' } });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});

describe('ObjectStore, interrupted', () => {
  test('a write waiting for S3 returns at once; end() stores nothing and aborts the upload, once however often asked', async () => {
    let releaseParts!: () => void;
    const partsHeld = new Promise<void>((resolve) => (releaseParts = resolve));
    s3Mock.on(UploadPartCommand).callsFake(async (input) => {
      await partsHeld;
      return { ETag: `"part-${input.PartNumber}"` };
    });
    const store = new ObjectStore({ s3, bucket: 'mirror', key: 'a/b.png', contentLength: 40 * MiB, maxBytes: 100 * MiB, headers });
    // Two parts in flight and the third buffer full: this write has to wait for S3.
    const waiting = store.write(bytes(20 * MiB));
    expect(waiting).toBeInstanceOf(Promise);
    store.interrupt(new Error('time ran out'));
    await waiting;
    expect(store.failed).toBe(true);
    releaseParts();
    const [first, second] = await Promise.all([store.end(), store.abort(new Error('again'))]);
    expect(first).toMatchObject({ outcome: 'store-error', error: { message: 'time ran out' } });
    expect(second).toBe(first);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});

describe('storedHeaders', () => {
  test('drops what S3 cannot keep and names it', () => {
    const { headers: kept, dropped } = storedHeaders({ 'content-disposition': 'attachment; filename="\u00e9.txt"', 'etag': ['"a"', '"b"'] });
    expect(kept).toMatchObject({ contentDisposition: undefined, metadata: { 'origin-etag': '"a", "b"' } });
    expect(dropped).toEqual(['content-disposition']);
  });

  test.each([
    ['IMF-fixdate', 'Thu, 01 Dec 2044 16:00:00 GMT'],
    ['RFC 850', 'Thursday, 01-Dec-44 16:00:00 GMT'],
    ['asctime', 'Thu Dec  1 16:00:00 2044'],
  ])('an Expires in the %s form is kept as the date it names', (_, value) => {
    expect(storedHeaders({ expires: value }).headers.expires).toEqual(new Date(Date.UTC(2044, 11, 1, 16, 0, 0)));
  });

  test('a two-digit RFC 850 year more than 50 years ahead is in the past century', () => {
    const now = new Date(Date.UTC(2026, 10, 26));
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).toEqual(new Date(Date.UTC(1994, 10, 6, 8, 49, 37)));
    expect(parseHttpDate('Monday, 06-Nov-62 08:49:37 GMT', now)).toEqual(new Date(Date.UTC(2062, 10, 6, 8, 49, 37)));
  });

  test.each(['0', '-1', 'never', '2044-12-01', 'Thu, 31 Feb 2044 16:00:00 GMT', 'Thu, 01 Dec 2044 25:00:00 GMT', 'Thu, 01 Dec 2044 16:00:00 UTC'])('an Expires that is not an HTTP date (%s) is stored as already expired', (value) => {
    expect(storedHeaders({ expires: value }).headers.expires).toEqual(new Date(0));
  });

  test('an origin without a content type gets application/octet-stream', () => {
    expect(storedHeaders({}).headers).toEqual({
      contentType: 'application/octet-stream',
      cacheControl: undefined,
      contentDisposition: undefined,
      contentEncoding: undefined,
      contentLanguage: undefined,
      expires: undefined,
      metadata: {},
    });
  });
});

describe('storeObject, part assembly', () => {
  test('parts are full-size but the last, byte-exact in order, in at most queueSize + 1 reused buffers', async () => {
    const size = 41 * MiB + 17;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) body.writeUInt32BE(i, i);
    const seen = new Map<number, Buffer>();
    const buffers = new Set<ArrayBufferLike>();
    let inFlight = 0;
    let maxInFlight = 0;
    s3Mock.on(UploadPartCommand).callsFake(async (input) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const part = input.Body as Buffer;
      buffers.add(part.buffer);
      // Copied at once: the buffer is reused for a later part once this one is done.
      seen.set(input.PartNumber, Buffer.from(part));
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { ETag: `"${input.PartNumber}"`, ChecksumCRC32: `crc-${input.PartNumber}` };
    });
    // 64 KiB pieces, as a socket delivers them.
    const pieces = Array.from({ length: Math.ceil(size / 65536) }, (_, i) => body.subarray(i * 65536, (i + 1) * 65536));
    expect(await storeObject({ ...request(Readable.from(pieces), size), queueSize: 3 })).toMatchObject({ outcome: 'stored' });

    const numbers = [...seen.keys()].sort((a, b) => a - b);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(numbers.slice(0, -1).every((n) => seen.get(n)!.length === 5 * MiB)).toBe(true);
    expect(Buffer.compare(Buffer.concat(numbers.map((n) => seen.get(n)!)), body)).toBe(0);
    expect(maxInFlight).toBe(3);
    expect(buffers.size).toBeLessThanOrEqual(4);
    const complete = s3Mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    expect(complete.MultipartUpload?.Parts?.map((p) => [p.PartNumber, p.ETag, p.ChecksumCRC32])).toEqual(numbers.map((n) => [n, `"${n}"`, `crc-${n}`]));
  });

  test('every write names its checksum (CRC32), whatever the client computes by default', async () => {
    await storeObject(request(Readable.from([bytes(11 * MiB)]), 11 * MiB));
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input.ChecksumAlgorithm).toBe('CRC32');
    expect(s3Mock.commandCalls(UploadPartCommand).map((call) => call.args[0].input.ChecksumAlgorithm)).toEqual(['CRC32', 'CRC32', 'CRC32']);
    s3Mock.resetHistory();
    await storeObject(request(Readable.from([bytes(MiB)]), MiB));
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.ChecksumAlgorithm).toBe('CRC32');
  });

  test.each([
    [5 * MiB, 'one PUT', 0],
    [10 * MiB, 'two parts', 2],
  ])('%i bytes exactly: %s, no empty part', async (size, _label, parts) => {
    expect(await storeObject(request(Readable.from([bytes(size)]), size))).toMatchObject({ outcome: 'stored' });
    expect(s3Mock.commandCalls(UploadPartCommand)).toHaveLength(parts);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(parts === 0 ? 1 : 0);
  });

  test('an empty body is one empty PUT', async () => {
    expect(await storeObject(request(Readable.from([]), 0))).toMatchObject({ outcome: 'stored' });
    expect((s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.Body as Buffer).length).toBe(0);
  });

  test('parts grow past 5 MiB to fit a large object in 10,000 parts', () => {
    expect(partSizeFor(1)).toBe(5 * MiB);
    expect(partSizeFor(5 * 1024 * MiB)).toBe(5 * MiB);
    expect(partSizeFor(100 * 1024 * MiB)).toBe(Math.ceil(100 * 1024 * MiB / 10_000));
  });
});
