/**
 * The S3 stand-in's checksums: a streamed upload arrives `aws-chunked` (the SDK's production settings, nothing turned
 * off) and is stored decoded; every checksum is checked before anything is kept; the handler's writes name CRC32.
 */
import * as http from 'node:http';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalS3, startS3 } from '../../local/s3/server';
import { storeObject } from '../../src/handler/store';
import { handlerS3Client } from '../support/s3-client';

const BUCKET = 'checks';
const MiB = 1024 * 1024;
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET], strict: true });
  // The handler's own client, as Lambda runs it: default checksum settings.
  client = handlerS3Client(s3);
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

function crc32(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(data));
  return out.toString('base64');
}

function bytes(size: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 251));
}

/** A PUT sent as the given raw bytes, no signature (the stand-in does not check V4 signatures). */
function rawPut(key: string, headers: http.OutgoingHttpHeaders, body: Buffer): Promise<{ status?: number; text: string }> {
  const url = new URL(`${s3.endpoint}/${BUCKET}/${key}`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { ...headers, 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `data` framed aws-chunked in `pieces` chunks, with `trailer` after the last. */
function awsChunked(data: Buffer, pieces: number, trailer: string): Buffer {
  const size = Math.ceil(data.length / pieces);
  const frames: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) {
    const chunk = data.subarray(at, at + size);
    frames.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  frames.push(Buffer.from(`0\r\n${trailer}\r\n\r\n`));
  return Buffer.concat(frames);
}

test('a streamed PutObject goes aws-chunked with a CRC32 trailer; the object is stored decoded and S3 answers its checksum', async () => {
  const body = bytes(300_000, 1);
  const out = await client.send(new PutObjectCommand({
    Bucket: BUCKET,
    Key: 'streamed.bin',
    Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
    ContentLength: body.length,
    ContentType: 'application/octet-stream',
    ContentEncoding: 'gzip',
  }));
  expect(out.ChecksumCRC32).toBe(crc32(body));
  const put = s3.requests.find((r) => r.method === 'PUT' && r.key === 'streamed.bin')!;
  expect(put.checksum).toEqual({ algorithm: 'CRC32', chunked: true, trailer: true, value: crc32(body), verified: true });
  const stored = await s3.getObject(BUCKET, 'streamed.bin');
  expect(stored?.body.equals(body)).toBe(true);
  // aws-chunked is how it travelled, not what it is: S3 keeps the rest of the Content-Encoding.
  expect(stored?.contentEncoding).toBe('gzip');
});

test('a checksum that does not match the bytes: 400 BadDigest and nothing stored (header or trailer)', async () => {
  const body = bytes(1000, 2);
  await expect(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad-header.bin', Body: body, ChecksumCRC32: crc32(bytes(1000, 3)) })))
    .rejects.toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
  expect(await s3.getObject(BUCKET, 'bad-header.bin')).toBeUndefined();

  const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(body.length), 'x-amz-trailer': 'x-amz-checksum-crc32' };
  const bad = await rawPut('bad-trailer.bin', headers, awsChunked(body, 3, `x-amz-checksum-crc32:${crc32(bytes(1000, 3))}`));
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('<Code>BadDigest</Code>');
  expect(await s3.getObject(BUCKET, 'bad-trailer.bin')).toBeUndefined();

  const good = await rawPut('good-trailer.bin', headers, awsChunked(body, 3, `x-amz-checksum-crc32:${crc32(body)}`));
  expect(good.status).toBe(200);
  expect((await s3.getObject(BUCKET, 'good-trailer.bin'))?.body.equals(body)).toBe(true);
});

test('aws-chunked framing that is cut or longer than declared: 400 IncompleteBody and nothing stored', async () => {
  const body = bytes(1000, 4);
  const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(body.length), 'x-amz-trailer': 'x-amz-checksum-crc32' };
  const framed = awsChunked(body, 2, `x-amz-checksum-crc32:${crc32(body)}`);
  const cut = await rawPut('cut.bin', headers, framed.subarray(0, framed.length - 30));
  expect(cut.status).toBe(400);
  expect(cut.text).toContain('<Code>IncompleteBody</Code>');
  const short = await rawPut('short.bin', { ...headers, 'x-amz-decoded-content-length': String(body.length + 1) }, framed);
  expect(short.status).toBe(400);
  expect(await s3.getObject(BUCKET, 'cut.bin')).toBeUndefined();
  expect(await s3.getObject(BUCKET, 'short.bin')).toBeUndefined();
});

test('the handler\'s store names CRC32 on CreateMultipartUpload and carries a matching CRC32 on each part and on a single PUT', async () => {
  const big = bytes(11 * MiB, 5);
  const stored = await storeObject({ s3: client, bucket: BUCKET, key: 'multipart.bin', contentLength: big.length, maxBytes: big.length, headers: { metadata: {} }, body: Readable.from([big]) });
  expect(stored.outcome).toBe('stored');
  const ofKey = s3.requests.filter((r) => r.key === 'multipart.bin');
  expect(ofKey.find((r) => r.method === 'POST' && /(^|&)uploads(=|&|$)/.test(r.query))?.checksum.algorithm).toBe('CRC32');
  const parts = ofKey.filter((r) => r.method === 'PUT' && /partNumber=/.test(r.query));
  expect(parts.map((r) => [r.status, r.checksum.algorithm, r.checksum.verified, r.checksum.chunked])).toEqual([
    [200, 'CRC32', true, undefined], [200, 'CRC32', true, undefined], [200, 'CRC32', true, undefined],
  ]);
  expect((await s3.getObject(BUCKET, 'multipart.bin'))?.body.equals(big)).toBe(true);

  const small = bytes(2 * MiB, 6);
  await storeObject({ s3: client, bucket: BUCKET, key: 'single.bin', contentLength: small.length, maxBytes: small.length, headers: { metadata: {} }, body: Readable.from([small]) });
  const single = s3.requests.find((r) => r.key === 'single.bin' && r.method === 'PUT')!;
  expect(single.checksum).toMatchObject({ algorithm: 'CRC32', value: crc32(small), verified: true });
});
