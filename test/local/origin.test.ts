/** The pattern origin shared by the tests, the local run and the benchmark: what it serves, and its faults. */
import { createHash } from 'node:crypto';
import { send } from './helpers';
import { LocalOrigin, patternBuffer, patternSha256, startOrigin } from '../../local/origin/server';

const MiB = 1024 * 1024;
let origin: LocalOrigin;
beforeAll(async () => {
  origin = await startOrigin();
});
afterAll(async () => {
  await origin.close();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('a pattern body: every 64 KiB block differs, and the stream, the buffer and the served bytes agree', async () => {
  const body = { size: 3 * MiB + 5, seed: 42 };
  const bytes = patternBuffer(body);
  expect(bytes.length).toBe(body.size);
  expect(bytes.subarray(0, 65536).equals(bytes.subarray(65536, 131072))).toBe(false);
  // Another seed, another body; the same seed, the same body.
  expect(sha256(patternBuffer({ size: 1000, seed: 43 }))).not.toBe(sha256(bytes.subarray(0, 1000)));
  expect(patternBuffer({ size: 1000, seed: 42 }).equals(bytes.subarray(0, 1000))).toBe(true);
  expect(await patternSha256(body)).toBe(sha256(bytes));

  origin.route('/p.bin', { body, headers: { 'content-type': 'application/octet-stream' } });
  const reply = await send(origin.url, '/p.bin');
  expect(reply.status).toBe(200);
  expect(reply.headers['content-length']).toBe(String(body.size));
  expect(reply.complete).toBe(true);
  expect(sha256(reply.body)).toBe(sha256(bytes));
});

test('HEAD answers the headers only; a target with no route is a 404; requests are recorded as sent', async () => {
  origin.route('/h.txt', { body: 'hello', headers: { 'content-type': 'text/plain' } });
  const head = await send(origin.url, '/h.txt', { method: 'HEAD' });
  expect(head.headers['content-length']).toBe('5');
  expect(head.body.length).toBe(0);
  const missing = await send(origin.url, '/h.txt?v=1');
  expect([missing.status, missing.body.toString()]).toEqual([404, 'not here']);
  expect(await origin.requested('/h.txt?v=1')).toMatchObject({ method: 'GET', url: '/h.txt?v=1' });
});

test('a cut sends the full Content-Length, then only the bytes it was told to, and closes', async () => {
  origin.route('/cut.bin', { body: { size: MiB, seed: 1 }, fault: { kind: 'cut', afterBytes: 100_000 } });
  const reply = await send(origin.url, '/cut.bin');
  expect(reply.headers['content-length']).toBe(String(MiB));
  expect(reply.complete).toBe(false);
  expect(reply.body.equals(patternBuffer({ size: MiB, seed: 1 }).subarray(0, 100_000))).toBe(true);
});

test('chunked: no Content-Length, the body whole', async () => {
  origin.route('/chunked.bin', { body: { size: 200_000, seed: 2 }, chunked: true });
  const reply = await send(origin.url, '/chunked.bin');
  expect(reply.headers['content-length']).toBeUndefined();
  expect(reply.headers['transfer-encoding']).toBe('chunked');
  expect(reply.body.equals(patternBuffer({ size: 200_000, seed: 2 }))).toBe(true);
});
