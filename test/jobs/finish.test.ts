/**
 * The end of a run: the summary written next to the CSV and returned; the paths refresh changed invalidated in each
 * distribution the mirror is bound to (exact and sorted up to CloudFront's 3,000, the mirror's wildcards beyond),
 * with the run's caller reference so a retry never doubles one. CloudFront has no local stand-in, so its client is
 * aws-sdk-client-mock; the reports are in s3rver.
 */
import { CloudFrontClient, CreateInvalidationCommand, TooManyInvalidationsInProgress } from '@aws-sdk/client-cloudfront';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalS3, startS3 } from '../../local/s3/server';
import type { RunFunctionConfig } from '../../src/jobs/config';
import { finish, MAX_INVALIDATION_PATHS } from '../../src/jobs/runtime/finish';
import type { RunSummary } from '../../src/jobs/runtime/summarise';

const BUCKET = 'reports';
let s3: LocalS3;
const cloudFront = mockClient(CloudFrontClient);

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET], strict: true });
});

afterAll(async () => {
  await s3.stop();
});

beforeEach(() => {
  cloudFront.reset();
  cloudFront.on(CreateInvalidationCommand).callsFake((input) => ({ Invalidation: { Id: `I-${input.DistributionId}` } }));
});

const CONFIG: RunFunctionConfig = {
  reportsBucket: BUCKET,
  reportsPrefix: 'jobs/',
  manifestBucket: BUCKET,
  distributions: [{ id: 'EDFDVBD6EXAMPLE', wildcards: ['/*'] }, { id: 'E2ND', wildcards: ['/legacy/*'] }],
};

function summary(run: string, changedPaths: number): RunSummary {
  return {
    mode: 'refresh',
    run,
    items: 5,
    outcomes: { updated: changedPaths, unchanged: 5 - changedPaths },
    bytesFromOrigin: 10,
    durationMs: 1,
    failedBatches: 0,
    reports: { summary: `s3://${BUCKET}/jobs/${run}/summary.json`, failures: `s3://${BUCKET}/jobs/${run}/failures.csv` },
    changedPaths,
  };
}

async function changed(run: string, paths: readonly string[]): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `jobs/${run}/changed-paths.txt`, Body: paths.map((p) => `${p}\n`).join('') }));
}

test('the changed paths, sorted and each once, in one invalidation per distribution; the summary written and returned', async () => {
  await changed('r1', ['/b.txt', '/a.txt', '/b.txt']);
  const out = await finish(s3.client, new CloudFrontClient({}), CONFIG, { summary: summary('r1', 3), folder: 'jobs/r1/' });
  expect(cloudFront.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input)).toEqual(['EDFDVBD6EXAMPLE', 'E2ND'].map((id) => ({
    DistributionId: id, InvalidationBatch: { CallerReference: 'cdk-mirror-origin-r1', Paths: { Quantity: 2, Items: ['/a.txt', '/b.txt'] } },
  })));
  expect(out.invalidations).toEqual(['I-EDFDVBD6EXAMPLE', 'I-E2ND']);
  expect(JSON.parse((await s3.getObject(BUCKET, 'jobs/r1/summary.json'))!.body.toString())).toEqual(out);
});

test(`more than ${MAX_INVALIDATION_PATHS} changed paths: the mirror's wildcards instead`, async () => {
  await finish(s3.client, new CloudFrontClient({}), CONFIG, { summary: summary('r2', MAX_INVALIDATION_PATHS + 1), folder: 'jobs/r2/' });
  expect(cloudFront.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input.InvalidationBatch?.Paths)).toEqual([
    { Quantity: 1, Items: ['/*'] }, { Quantity: 1, Items: ['/legacy/*'] },
  ]);
});

test('nothing changed, or no CloudFront (the local stack): no invalidation, the summary still written', async () => {
  const out = await finish(s3.client, undefined, CONFIG, { summary: summary('r3', 1), folder: 'jobs/r3/' });
  await finish(s3.client, new CloudFrontClient({}), CONFIG, { summary: summary('r4', 0), folder: 'jobs/r4/' });
  expect(cloudFront.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
  expect(out.invalidations).toBeUndefined();
  expect(await s3.getObject(BUCKET, 'jobs/r4/summary.json')).toBeDefined();
});

test('CloudFront busy: the error keeps its name, which the state machine retries on; no summary yet', async () => {
  await changed('r5', ['/x']);
  cloudFront.on(CreateInvalidationCommand).rejects(new TooManyInvalidationsInProgress({ message: 'busy', $metadata: {} }));
  await expect(finish(s3.client, new CloudFrontClient({}), CONFIG, { summary: summary('r5', 1), folder: 'jobs/r5/' }))
    .rejects.toMatchObject({ name: 'TooManyInvalidationsInProgress' });
  expect(await s3.getObject(BUCKET, 'jobs/r5/summary.json')).toBeUndefined();
});
