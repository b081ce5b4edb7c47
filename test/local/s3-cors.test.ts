/**
 * The S3 stand-in with a bucket's CORS rules, as S3 answers: a preflight that
 * passes a rule gets 200 with the rule's headers (whatever the key, stored or
 * not), one that does not gets 403 without CORS headers, and so does every
 * preflight to a bucket without rules, also one whose kept data held old rules.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { send } from './helpers';
import type { BucketCorsRule } from '../../local/s3/cors';
import { LocalS3, startS3 } from '../../local/s3/server';

const RULES: BucketCorsRule[] = [
  { allowedOrigins: ['https://app.example'], allowedMethods: ['GET', 'HEAD'], allowedHeaders: ['*'], exposedHeaders: ['etag'], maxAgeSeconds: 3600 },
  { allowedOrigins: ['*'], allowedMethods: ['PUT'], allowedHeaders: ['content-type'], exposedHeaders: [] },
];
const preflight = (origin: string, method = 'GET', extra: Record<string, string> = {}) =>
  ({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, ...extra } });

let directory: string;
let s3: LocalS3;
beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3-cors-'));
  s3 = await startS3({ buckets: ['with-cors', 'without'], cors: { 'with-cors': RULES }, directory, strict: true });
  await s3.client.send(new PutObjectCommand({ Bucket: 'with-cors', Key: 'stored.txt', Body: 'stored', ContentType: 'text/plain' }));
});
afterAll(async () => {
  await s3?.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

test('a preflight an S3 rule allows: 200 with that origin, the rule\'s methods and max age, the requested headers; stored key or not', async () => {
  for (const key of ['stored.txt', 'not/stored/yet.txt']) {
    const reply = await send(s3.endpoint, `/with-cors/${key}`, preflight('https://app.example', 'GET', { 'access-control-request-headers': 'range' }));
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-allow-headers': 'range',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '3600',
      'access-control-expose-headers': 'etag',
    });
  }
  // A rule that allows any origin answers "*", and has no max age to give.
  const put = await send(s3.endpoint, '/with-cors/x', preflight('https://anyone.example', 'PUT'));
  expect(put.status).toBe(200);
  expect(put.headers['access-control-allow-origin']).toBe('*');
  expect(put.headers['access-control-allow-credentials']).toBeUndefined();
  expect(put.headers['access-control-max-age']).toBeUndefined();
});

test('a preflight no rule allows, or to a bucket without rules: 403, no CORS headers', async () => {
  for (const [target, options] of [
    ['/with-cors/stored.txt', preflight('https://evil.example')],
    ['/with-cors/stored.txt', preflight('https://app.example', 'DELETE')],
    ['/with-cors/stored.txt', preflight('https://app.example', 'PUT', { 'access-control-request-headers': 'x-not-allowed' })],
    ['/without/stored.txt', preflight('https://app.example')],
  ] as const) {
    const reply = await send(s3.endpoint, target, options);
    expect({ target, options, status: reply.status }).toEqual({ target, options, status: 403 });
    expect(Object.keys(reply.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  }
});

test('a GET from an allowed origin carries CORS headers; from another origin, none', async () => {
  const allowed = await send(s3.endpoint, '/with-cors/stored.txt', { headers: { origin: 'https://app.example' } });
  expect(allowed.body.toString()).toBe('stored');
  expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
  const other = await send(s3.endpoint, '/with-cors/stored.txt', { headers: { origin: 'https://evil.example' } });
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
});

test('the same data directory started without rules has none left', async () => {
  await s3.stop();
  s3 = await startS3({ buckets: ['with-cors', 'without'], directory, strict: true });
  const reply = await send(s3.endpoint, '/with-cors/stored.txt', preflight('https://app.example'));
  expect(reply.status).toBe(403);
  expect((await s3.getObject('with-cors', 'stored.txt'))?.body.toString()).toBe('stored');
});
