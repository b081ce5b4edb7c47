/**
 * The handler's answers for S3 outcomes a local S3 cannot produce (412, 409,
 * 5xx: aws-sdk-client-mock) and for an HTTP client that would miss a wrong
 * Content-Length (a fake transport), against the source modules.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { invoke } from './invoke';
import { conditionalConflict, internalError, preconditionFailed } from './s3-errors';
import { installAwsLambdaGlobals, StreamingHandler } from '../../local/lambda/runtime';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import type { MirrorConfig } from '../../src/config';
import { deadlineAfter } from '../../src/handler/deadline';
import type { LogLine } from '../../src/handler/log';
import { createMirrorHandler, MirrorDependencies } from '../../src/handler/mirror';
import type { OriginTransport } from '../../src/handler/origin';
import { isEncoded } from '../../src/handler/transfer';
import { testConfig } from '../support/test-config';

const MiB = 1024 * 1024;
const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

let origin: LocalOrigin;
let logs: LogLine[];

function mirror(overrides: Partial<MirrorDependencies> = {}, config: Partial<MirrorConfig> = {}): StreamingHandler {
  installAwsLambdaGlobals();
  return awslambda.streamifyResponse(createMirrorHandler({
    config: testConfig({
      endpoint: origin.url,
      originResponseTimeoutMs: 30_000,
      originIdleTimeoutMs: 30_000,
      streamThresholdBytes: 1 * MiB,
      maxObjectSizeBytes: 100 * MiB,
      ...config,
    }),
    s3,
    logger: (line) => logs.push(line),
    ...overrides,
  })) as unknown as StreamingHandler;
}

const small = patternBuffer({ size: 200 * 1024, seed: 1 });
const large = patternBuffer({ size: 12 * MiB, seed: 2 });

beforeAll(async () => {
  origin = await startOrigin();
  origin.route('/small.bin', { body: small });
  origin.route('/large.bin', { body: large });
});

afterAll(() => origin.close());

beforeEach(() => {
  logs = [];
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
  s3Mock.on(UploadPartCommand).callsFake((input) => ({ ETag: `"${input.PartNumber}"` }));
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
});

describe('when the object is already there', () => {
  test.each([
    ['412', preconditionFailed],
    ['409', conditionalConflict],
  ])('a %s on the conditional PUT still answers the viewer with the whole object (outcome exists)', async (_code, error) => {
    s3Mock.on(PutObjectCommand).rejects(error());
    const result = await invoke(mirror(), { rawPath: '/small.bin' });
    expect(result.invocationError).toBeUndefined();
    expect(result.status).toBe(200);
    expect(Buffer.compare(result.body, small)).toBe(0);
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Key: 'small.bin', IfNoneMatch: '*' });
    expect(logs).toEqual([expect.objectContaining({ outcome: 'exists', status: 200, bytes: small.length })]);
  });

  test('a 412 on CompleteMultipartUpload of a large object still redirects the viewer (outcome exists)', async () => {
    s3Mock.on(CompleteMultipartUploadCommand).rejects(preconditionFailed());
    const result = await invoke(mirror(), { rawPath: '/large.bin' });
    expect(result.status).toBe(302);
    expect(result.headers.location).toBe('/large.bin');
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input).toMatchObject({ IfNoneMatch: '*' });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(logs).toEqual([expect.objectContaining({ outcome: 'exists', status: 302 })]);
  });
});

describe('when S3 fails', () => {
  test('a small object already streamed ends cleanly for the viewer; the log says store-error', async () => {
    s3Mock.on(PutObjectCommand).rejects(internalError());
    const result = await invoke(mirror(), { rawPath: '/small.bin' });
    expect(result.bodyError).toBeUndefined();
    expect(result.invocationError).toBeUndefined();
    expect(Buffer.compare(result.body, small)).toBe(0);
    expect(logs).toEqual([expect.objectContaining({ outcome: 'store-error', status: 200, error: expect.stringMatching(/InternalError/) })]);
  });

  test.each([
    ['UploadPart', UploadPartCommand],
    ['CompleteMultipartUpload', CompleteMultipartUploadCommand],
  ])('a 5xx on %s of a large object: 502 no-store, the upload aborted, nothing claimed stored', async (_name, command) => {
    s3Mock.on(command as typeof UploadPartCommand).rejects(internalError());
    const result = await invoke(mirror(), { rawPath: '/large.bin' });
    expect(result.invocationError).toBeUndefined();
    expect(result.status).toBe(502);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)[0].args[0].input).toEqual({ Bucket: 'mirror', Key: 'large.bin', UploadId: 'u-1' });
    expect(logs).toEqual([expect.objectContaining({ outcome: 'store-error', status: 502 })]);
  });
});

describe('a body shorter or longer than declared, unnoticed by the HTTP client', () => {
  // A transport that hands over whatever body it was given, whatever Content-Length says.
  const liar = (declared: number, sent: number): OriginTransport => async () => ({
    status: 200,
    headers: { 'content-length': String(declared) },
    body: Readable.from([Buffer.alloc(sent, 1)]),
  });

  test('a shorter body is never answered as the object and never stored', async () => {
    const result = await invoke(mirror({ transport: liar(1000, 10) }), { rawPath: '/short.bin' });
    // Body and end arrive together, so the shortfall shows before a byte goes out: a clean 502. (A shortfall after
    // bytes went out aborts the stream: the integration tests cut a real origin's body for that.)
    expect(result.status).toBe(502);
    expect(result.bodyError).toBeUndefined();
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(logs).toEqual([expect.objectContaining({ outcome: 'origin-error', error: expect.stringMatching(/BodyLengthError: .*10 of the 1000 bytes/) })]);
  });

  test('a longer body fails on its first extra byte: a clean 502, never stored', async () => {
    const result = await invoke(mirror({ transport: liar(5, 10) }), { rawPath: '/long.bin' });
    expect(result.status).toBe(502);
    expect(result.bodyError).toBeUndefined();
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(logs).toEqual([expect.objectContaining({ outcome: 'origin-error', status: 502, error: expect.stringMatching(/BodyLengthError: .*more than the 5 bytes/) })]);
  });
});

describe('the log line', () => {
  test('one JSON-ready line per request with key, method, outcome, status, bytes, origin, store and total ms, and how it was delivered', async () => {
    // Each reading of the clock is 5 ms later: start, origin asked, origin answered, PutObject sent, confirmed, end.
    let now = 1000;
    const clock = () => (now += 5);
    await invoke(mirror({ clock }), { rawPath: '/small.bin', method: 'GET', requestId: 'abc' });
    expect(logs).toEqual([{
      requestId: 'abc',
      method: 'GET',
      key: 'small.bin',
      originStatus: 200,
      originMs: 5,
      outcome: 'stored',
      status: 200,
      bytes: small.length,
      storeMs: 5,
      delivery: 'streamed',
      totalMs: 25,
    }]);
  });
});

describe('deadlineAfter', () => {
  test('keeps 5 s back from a long invocation, a fifth of a short one', () => {
    expect(deadlineAfter(300_000)).toBe(295_000);
    expect(deadlineAfter(25_000)).toBe(20_000);
    expect(deadlineAfter(3_000)).toBe(2_400);
    expect(deadlineAfter(0)).toBe(0);
  });
});

describe('isEncoded', () => {
  test('any content coding but identity, in any case or list form', () => {
    expect(isEncoded('gzip')).toBe(true);
    expect(isEncoded('BR')).toBe(true);
    expect(isEncoded('identity, gzip')).toBe(true);
    expect(isEncoded(['identity', 'deflate'])).toBe(true);
    expect(isEncoded(undefined)).toBe(false);
    expect(isEncoded('')).toBe(false);
    expect(isEncoded(' Identity ')).toBe(false);
    expect(isEncoded(['identity', ''])).toBe(false);
  });
});
