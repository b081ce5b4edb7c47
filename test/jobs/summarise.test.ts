/**
 * Summarise against s3rver, reading result files as Distributed Map writes them (a manifest.json per map run
 * listing JSONL files): the counts, the CSV and the changed paths written, a failed Map state's reason kept.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalS3, startS3 } from '../../local/s3/server';
import type { RunFunctionConfig } from '../../src/jobs/config';
import type { PreparedRun } from '../../src/jobs/runtime/prepare';
import { summarise } from '../../src/jobs/runtime/summarise';

let s3: LocalS3;
const CONFIG: RunFunctionConfig = { reportsBucket: 'reports', reportsPrefix: 'jobs/', manifestBucket: 'reports', distributions: [] };
const RULES = { keyPrefix: '', variantQueryStrings: [], served: [], others: [] };
const RUN: PreparedRun = {
  mode: 'refresh', source: 'keys', reader: 'lines', stripPrefix: '', run: 'r', folder: 'jobs/r/', resultsPrefix: 'jobs/r/results', startedAt: '2026-01-01T00:00:00.000Z',
};
const put = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: 'reports', Key: key, Body: body }));

beforeAll(async () => {
  s3 = await startS3({ buckets: ['reports'], strict: true });
});

afterAll(async () => {
  await s3.stop();
});

test('every result file of every map run is counted; the CSV and changed paths are written next to the summary', async () => {
  await put('jobs/r/results/run-1/SUCCEEDED_0.json', [
    { key: 'a', outcome: 'unchanged', status: 304, bytes: 0 },
    { key: 'b', outcome: 'updated', status: 200, bytes: 7, invalidate: ['/b'] },
    { key: 'c', outcome: 'gone', status: 404, bytes: 0 },
  ].map((r) => JSON.stringify(r)).join('\n'));
  await put('jobs/r/results/run-1/FAILED_0.json', JSON.stringify({ Status: 'FAILED', Error: 'States.Timeout', Input: JSON.stringify({ Items: [{ line: 1, text: 'd' }] }) }));
  await put('jobs/r/results/run-1/manifest.json', JSON.stringify({
    ResultFiles: { SUCCEEDED: [{ Key: 'jobs/r/results/run-1/SUCCEEDED_0.json' }], FAILED: [{ Key: 'jobs/r/results/run-1/FAILED_0.json' }], PENDING: [] },
  }));
  const summary = await summarise(s3.client, CONFIG, RULES, { state: { run: RUN, mapError: { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'too many' } } },
    () => Date.parse(RUN.startedAt) + 1500);
  expect(summary).toEqual({
    mode: 'refresh',
    run: 'r',
    items: 4,
    outcomes: { 'unchanged': 1, 'updated': 1, 'gone': 1, 'internal-error': 1 },
    bytesFromOrigin: 7,
    durationMs: 1500,
    failedBatches: 1,
    error: 'States.ExceedToleratedFailureThreshold: too many',
    changedPaths: 1,
    reports: { summary: 's3://reports/jobs/r/summary.json', failures: 's3://reports/jobs/r/failures.csv' },
  });
  expect((await s3.getObject('reports', 'jobs/r/failures.csv'))!.body.toString()).toBe('key,outcome,status,bytes\r\nc,gone,404,0\r\nd,internal-error,,0\r\n');
  expect((await s3.getObject('reports', 'jobs/r/changed-paths.txt'))!.body.toString()).toBe('/b\n');
});
