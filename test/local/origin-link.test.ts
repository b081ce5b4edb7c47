/**
 * The benchmark's realistic origin: https with a local CA, behind a link with a round trip and a bandwidth cap.
 * The link can only slow things down, so its figures are checked as lower bounds (never a timed upper bound).
 */
import * as https from 'node:https';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import { createLocalTls, LocalTls } from '../../local/origin/tls';

const RTT = 60;
const BYTES_PER_SECOND = 8 * 1024 * 1024;
let tls: LocalTls;
let origin: LocalOrigin;
let agent: https.Agent;

beforeAll(async () => {
  tls = createLocalTls();
  origin = await startOrigin({ tls, link: { roundTripMs: RTT, bytesPerSecond: BYTES_PER_SECOND } });
  agent = new https.Agent({ keepAlive: true, ca: tls.ca });
});

afterAll(async () => {
  agent?.destroy();
  await origin?.close();
  tls?.dispose();
});

/** GETs `path` through the agent; resolves with the body and the milliseconds to the first and last byte. */
function get(path: string): Promise<{ body: Buffer; firstByteMs: number; totalMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    https.get(`${origin.url}${path}`, { agent }, (res) => {
      const chunks: Buffer[] = [];
      let firstByteMs: number | undefined;
      res.on('data', (chunk: Buffer) => {
        firstByteMs ??= performance.now() - started;
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks), firstByteMs: firstByteMs ?? 0, totalMs: performance.now() - started }));
    }).on('error', reject);
  });
}

test('through the link, bytes arrive intact; a new TLS connection costs its round trips, a kept one only the request\'s', async () => {
  const body = patternBuffer({ size: 200_000, seed: 3 });
  origin.route('/x.bin', { body });
  const fresh = await get('/x.bin');
  expect(fresh.body.equals(body)).toBe(true);
  // TCP handshake, TLS 1.3 handshake, then the request: three round trips at least.
  expect(fresh.firstByteMs).toBeGreaterThanOrEqual(3 * RTT);
  const kept = await get('/x.bin');
  expect(kept.body.equals(body)).toBe(true);
  expect(kept.firstByteMs).toBeGreaterThanOrEqual(RTT);
  expect(origin.connections).toHaveLength(1);
});

test('the bandwidth cap paces the body', async () => {
  const size = 2 * 1024 * 1024;
  origin.route('/big.bin', { body: { size, seed: 4 } });
  const got = await get('/big.bin');
  expect(got.body.length).toBe(size);
  expect(got.totalMs).toBeGreaterThanOrEqual((size / BYTES_PER_SECOND) * 1000);
});
