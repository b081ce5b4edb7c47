/**
 * The first step of a run, against s3rver: a manifest of lines becomes the JSONL items Distributed Map reads; an
 * S3 Inventory is checked (Distributed Map reads CSV inventories only) and left to Distributed Map; refresh without
 * a manifest walks the listing; an input the jobs cannot run fails with InvalidJobInput and why.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalS3, startS3 } from '../../local/s3/server';
import type { RunFunctionConfig } from '../../src/jobs/config';
import { prepare } from '../../src/jobs/runtime/prepare';

let s3: LocalS3;
const CONFIG: RunFunctionConfig = { reportsBucket: 'reports', reportsPrefix: 'jobs/', manifestBucket: 'manifests', distributions: [] };
const event = (input: unknown, run = 'run-1') => ({ input, run, startedAt: '2026-01-01T00:00:00.000Z' });
const putManifest = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: 'manifests', Key: key, Body: body }));

beforeAll(async () => {
  s3 = await startS3({ buckets: ['reports', 'manifests'], strict: true });
});

afterAll(async () => {
  await s3.stop();
});

test('a keys manifest becomes JSONL items, one per line, untouched; the run\'s folders named after the execution', async () => {
  await putManifest('keys.txt', 'a "b",c\r\n\nd\te\n');
  const run = await prepare(s3.client, CONFIG, event({ mode: 'prewarm', manifest: { key: 'keys.txt', format: 'keys' } }));
  expect(run).toEqual({
    mode: 'prewarm',
    source: 'keys',
    reader: 'lines',
    items: { bucket: 'reports', key: 'jobs/run-1/items.jsonl' },
    count: 2,
    stripPrefix: '',
    run: 'run-1',
    folder: 'jobs/run-1/',
    resultsPrefix: 'jobs/run-1/results',
    startedAt: '2026-01-01T00:00:00.000Z',
  });
  expect((await s3.getObject('reports', 'jobs/run-1/items.jsonl'))!.body.toString()).toBe('{"line":1,"text":"a \\"b\\",c"}\n{"line":3,"text":"d\\te"}\n');
});

test('an S3 Inventory in CSV is left to Distributed Map\'s reader; another format, or no Key column, is refused', async () => {
  await putManifest('inv/manifest.json', JSON.stringify({ fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size', files: [] }));
  await putManifest('orc/manifest.json', JSON.stringify({ fileFormat: 'ORC', fileSchema: 'Bucket, Key', files: [] }));
  const run = await prepare(s3.client, CONFIG, event({ mode: 'coverage', manifest: { key: 'inv/manifest.json', format: 'inventory', stripPrefix: 'assets/' } }, 'run-2'));
  expect(run).toMatchObject({ source: 'inventory', reader: 'inventory', items: { bucket: 'manifests', key: 'inv/manifest.json' }, stripPrefix: 'assets/' });
  await expect(prepare(s3.client, CONFIG, event({ mode: 'coverage', manifest: { key: 'orc/manifest.json', format: 'inventory' } }, 'run-3')))
    .rejects.toMatchObject({ name: 'InvalidJobInput', message: 'the inventory must be CSV (Distributed Map reads no other), got "ORC"' });
});

test('refresh without a manifest walks the bucket\'s listing', async () => {
  const run = await prepare(s3.client, CONFIG, event({ mode: 'refresh' }, 'run-4'));
  expect(run).toMatchObject({ source: 'listing', reader: 'listing' });
  expect(run.items).toBeUndefined();
});

test('a manifest that is not there, or a report that is not one, fails the run at once, saying why', async () => {
  await expect(prepare(s3.client, CONFIG, event({ mode: 'prewarm', manifest: { key: 'nope.txt', format: 'paths' } }, 'run-5')))
    .rejects.toMatchObject({ name: 'InvalidJobInput', message: 'manifest nope.txt is not in manifests' });
  await putManifest('report.csv', 'path,outcome\r\n/a,origin-error\r\n');
  await expect(prepare(s3.client, CONFIG, event({ mode: 'prewarm', manifest: { key: 'report.csv', format: 'report' } }, 'run-6')))
    .rejects.toMatchObject({ name: 'InvalidJobInput', message: expect.stringMatching(/report.csv: the report's first row must name its columns/) });
  expect(await s3.getObject('reports', 'jobs/run-6/items.jsonl')).toBeUndefined();
});
