import { once } from 'node:events';
import * as net from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, S3_TIMEOUTS } from '../../src/handler/s3-client';

/** An "S3" that accepts connections and reads requests but never answers. */
let silent: net.Server;
let endpoint: string;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

const testConfig = () => ({
  endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

test('the shipped timeouts: 5 s to connect, 30 s without a byte', () => {
  expect(S3_TIMEOUTS).toEqual({ connectionTimeoutMs: 5_000, socketTimeoutMs: 30_000 });
});

test('a request S3 never answers is given up after the idle timeout, not waited for forever', async () => {
  const s3 = createS3Client({ connectionTimeoutMs: 5_000, socketTimeoutMs: 300 }, testConfig());
  try {
    const started = performance.now();
    await expect(s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }))).rejects.toThrow(/timed? ?out|timeout/i);
    // Well before jest's own timeout, and not before the idle timeout.
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(20_000);
  } finally {
    s3.destroy();
  }
});
