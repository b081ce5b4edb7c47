/**
 * The jobs end to end over the local stack: the synthesized template's item and run functions, bundled, run as the
 * state machine runs them (local/jobs/runner.ts) against the S3 stand-in and a local origin that counts every
 * request. A 200-key manifest mixing keys already stored, missing, 404, 500 and illegal gives exact counts in each
 * mode; a second prewarm asks the origin nothing for what is stored; the CSV fed back retries exactly what it lists;
 * refresh updates exactly the one key changed at the origin, byte-exact, and finds the rest unchanged with 0 bytes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalJobOptions, runLocalJob } from '../../local/jobs/runner';
import { JobsSpec, readJobsSpec } from '../../local/jobs/spec';
import { LocalOrigin, patternBuffer, startOrigin } from '../../local/origin/server';
import { LocalS3, startS3 } from '../../local/s3/server';
import { synthesizeMirror } from '../../local/synth';
import { MirrorJobs, MirrorOriginDistribution } from '../../src';

const LAST_MODIFIED = 'Tue, 15 Nov 1994 12:45:26 GMT';
const pad = (n: number) => String(n).padStart(3, '0');
const OK = Array.from({ length: 120 }, (_, i) => `ok/${pad(i)}.bin`);
const NOT_FOUND = Array.from({ length: 30 }, (_, i) => `gone/${pad(i)}.txt`);
const BROKEN = Array.from({ length: 20 }, (_, i) => `err/${pad(i)}.txt`);
const ILLEGAL = Array.from({ length: 20 }, (_, i) => (i % 2 ? `bad/${pad(i)}/../x` : `bad/./${pad(i)}`));
const PRESENT = Array.from({ length: 10 }, (_, i) => `pre/${pad(i)}.txt`);
const CHANGED = 'ok/007.bin';

let origin: LocalOrigin;
let s3: LocalS3;
let spec: JobsSpec;
let mirrorBucket: string;
let work: string;
let manifest: string;

const bodyOf = (key: string) => patternBuffer({ size: 1000 + (key.length * 997) % 50_000, seed: key.charCodeAt(key.length - 5) });
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-e2e-'));
  origin = await startOrigin();
  for (const key of [...OK, ...PRESENT]) {
    origin.route(`/${key}`, { body: bodyOf(key), headers: { 'content-type': 'application/octet-stream', 'etag': `"${key}-1"`, 'last-modified': LAST_MODIFIED } });
  }
  for (const key of NOT_FOUND) origin.route(`/${key}`, { status: 404, body: 'not here' });
  for (const key of BROKEN) origin.route(`/${key}`, { status: 500, body: 'boom' });
  const synthesized = synthesizeMirror({
    outdir: path.join(work, 'cdk.out'),
    build: (stack) => {
      const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: origin.url });
      new MirrorJobs(stack, 'Jobs', { mirror: mirror.mirror });
    },
  });
  spec = readJobsSpec(synthesized.template, path.dirname(synthesized.templateFile));
  mirrorBucket = spec.mirrorBucket;
  // The mirror the local stack serves is the one the jobs fill.
  expect(mirrorBucket).toBe(synthesized.spec.bucketName);
  s3 = await startS3({ buckets: [mirrorBucket, spec.reportsBucket], strict: true });
  // Stored before the jobs, as the handler stores a miss (the origin's validators in the metadata).
  for (const key of PRESENT) {
    await s3.client.send(new PutObjectCommand({
      Bucket: mirrorBucket, Key: key, Body: bodyOf(key), Metadata: { 'origin-etag': `"${key}-1"`, 'origin-last-modified': LAST_MODIFIED },
    }));
  }
  manifest = path.join(work, 'keys.txt');
  // Shuffled, so no batch holds one kind only.
  const all = [...OK, ...NOT_FOUND, ...BROKEN, ...ILLEGAL, ...PRESENT];
  fs.writeFileSync(manifest, all.map((_, i) => all[(i * 37) % all.length]).join('\n'));
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await origin?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs a job; resolves with its result and the origin requests it made. */
async function job(options: Partial<LocalJobOptions>) {
  const before = origin.requests.length;
  const result = await runLocalJob({
    spec, s3, mode: 'prewarm', manifestFile: manifest, format: 'keys', concurrency: 4, batchSize: 20, outputDir: work, ...options,
  });
  return { ...result, requests: origin.requests.slice(before) };
}

test('a 200-key manifest, mode by mode', async () => {
  expect(new Set(fs.readFileSync(manifest, 'utf8').split('\n')).size).toBe(200);

  const coverage = await job({ mode: 'coverage' });
  expect(coverage.summary.outcomes).toEqual({ present: 10, missing: 170, rejected: 20 });
  expect(coverage.requests).toEqual([]);

  const prewarm = await job({ mode: 'prewarm' });
  expect(prewarm.summary).toMatchObject({
    mode: 'prewarm',
    items: 200,
    failedBatches: 0,
    changedPaths: 0,
    outcomes: { 'present': 10, 'stored': 120, 'not-found': 30, 'origin-error': 20, 'rejected': 20 },
    bytesFromOrigin: OK.reduce((sum, key) => sum + bodyOf(key).length, 0),
  });
  expect(prewarm.requests.map((r) => r.url.slice(1)).sort()).toEqual([...OK, ...NOT_FOUND, ...BROKEN].sort());
  for (const key of [OK[0], OK[119], CHANGED]) expect(sha256((await s3.getObject(mirrorBucket, key))!.body)).toBe(sha256(bodyOf(key)));
  // The files a person reads: the summary as the output, and the CSV of every key that needs more.
  expect(JSON.parse(fs.readFileSync(prewarm.files!.summary, 'utf8'))).toEqual(prewarm.summary);
  const csv = fs.readFileSync(prewarm.files!.failures, 'utf8').trim().split('\r\n');
  expect(csv[0]).toBe('key,outcome,status,bytes');
  expect(csv.slice(1).sort()).toEqual([
    ...NOT_FOUND.map((k) => `${k},not-found,404,0`), ...BROKEN.map((k) => `${k},origin-error,502,0`), ...ILLEGAL.map((k) => `${k},rejected,400,0`),
  ].sort());

  const again = await job({ mode: 'prewarm' });
  expect(again.summary.outcomes).toEqual({ 'present': 130, 'not-found': 30, 'origin-error': 20, 'rejected': 20 });
  // Nothing stored is asked for again: only what the origin did not give the first time.
  expect(again.requests.filter((r) => !/^\/(gone|err)\//.test(r.url))).toEqual([]);
  expect(again.requests).toHaveLength(50);

  const retry = await job({ mode: 'prewarm', manifestFile: prewarm.files!.failures, format: 'report' });
  expect(retry.summary.outcomes).toEqual({ 'not-found': 30, 'origin-error': 20, 'rejected': 20 });
  expect(retry.requests.map((r) => r.url.slice(1)).sort()).toEqual([...NOT_FOUND, ...BROKEN].sort());

  const changedBody = Buffer.from('the origin changed this one');
  origin.route(`/${CHANGED}`, { body: changedBody, headers: { 'content-type': 'text/plain', 'etag': `"${CHANGED}-2"` } });
  const refresh = await job({ mode: 'refresh', manifestFile: undefined });
  expect(refresh.summary).toMatchObject({
    items: 130, outcomes: { unchanged: 129, updated: 1 }, bytesFromOrigin: changedBody.length, changedPaths: 1,
  });
  expect(refresh.requests).toHaveLength(130);
  expect(refresh.requests.every((r) => r.headers['if-none-match'] === `"${r.url.slice(1)}-1"`)).toBe(true);
  const updated = await s3.getObject(mirrorBucket, CHANGED);
  expect(updated!.body.equals(changedBody)).toBe(true);
  expect(updated!.metadata['origin-etag']).toBe(`"${CHANGED}-2"`);
  expect(fs.readFileSync(refresh.files!.failures, 'utf8')).toBe('key,outcome,status,bytes\r\n');
  const changedPaths = await s3.getObject(spec.reportsBucket, `${spec.reportsPrefix}${refresh.summary.run}/changed-paths.txt`);
  expect(changedPaths!.body.toString()).toBe(`/${CHANGED}\n`);
}, 600_000);
