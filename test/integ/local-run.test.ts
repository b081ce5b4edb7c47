/**
 * Every integration test scenario, run on this machine: the same steps and expectations the integ apps assert
 * on AWS, with the same probe code, against the local stand-ins (s3rver, dynalite, the bundled handler behind the
 * local function URL, the CloudFront stand-in, the jobs' bundled functions run as the state machine runs them) and
 * the test origin's handler behind a local HTTP server. So an expectation that cannot hold for the library as the
 * stand-ins model it fails here, before anyone pays for a run. Two parts differ, each behind one interface: a job
 * runs through local/jobs/runner.ts instead of Step Functions, and metrics are summed from the handler's EMF records
 * as CloudWatch would extract them (local/emf.ts) instead of read from CloudWatch.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { buildScenario } from './build';
import { RecordRequest, answer as originAnswer, s3Recorder } from './origin-handler';
import { runStep } from './probe';
import type { JobRunner, MetricsSource, ProbeTarget } from './probe-target';
import { SCENARIOS } from './scenarios';
import { datapoints, emfRecords, sumOf } from '../../local/emf';
import { runLocalJob, LocalJobResult } from '../../local/jobs/runner';
import { readJobsSpec } from '../../local/jobs/spec';
import type { InvocationRecord } from '../../local/lambda/function-url';
import { startLocalMirror } from '../../local/stack';
import { METRICS_NAMESPACE } from '../../src/metrics/names';
import { synthesizeForTest } from '../local/helpers';

/** The bucket the local test origin records counted requests in. */
const ORIGIN_REQUESTS_BUCKET = 'integ-origin-requests';

/**
 * The test origin's handler behind a local HTTP server, fed function URL events (payload 2.0) as AWS does; its URL
 * ends with "/", as a function URL's does. `recorder()` says where it records counted requests, once S3 is up.
 */
async function startTestOrigin(recorder: () => RecordRequest | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    void originAnswer({
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      requestContext: { http: { method: req.method } },
    }, recorder()).then((result) => {
      const body = Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
      // A buffered function URL sends the length of the whole answer.
      res.writeHead(result.statusCode, { ...result.headers, 'content-length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Runs of the jobs on the local stand-ins: the manifest the probe uploaded, run by local/jobs/runner.ts under the run's name. */
function localJobRunner(options: Omit<Parameters<typeof runLocalJob>[0], 'mode' | 'manifestFile' | 'format' | 'runName'>, work: string): JobRunner {
  const runs = new Map<string, Promise<LocalJobResult>>();
  return {
    start: async (name, input) => {
      if (!input.manifest) throw new Error('the local run needs a manifest');
      const manifest = await options.s3.getObject(input.manifest.bucket ?? options.spec.reportsBucket, input.manifest.key);
      if (!manifest) throw new Error(`no manifest at ${input.manifest.key}`);
      const file = path.join(work, `${name}.manifest`);
      fs.writeFileSync(file, manifest.body);
      const format = input.manifest.format === 'inventory' ? undefined : input.manifest.format;
      const run = runLocalJob({ ...options, mode: input.mode, manifestFile: file, format, runName: name });
      // Reported by `finished`; never an unhandled rejection meanwhile.
      run.catch(() => undefined);
      runs.set(name, run);
    },
    finished: async (name) => {
      const run = runs.get(name);
      if (!run) return { status: 'NOT_STARTED' };
      try {
        const { summary } = await run;
        return { status: summary.error ? 'FAILED' : 'SUCCEEDED', output: summary };
      } catch {
        return { status: 'FAILED' };
      }
    },
  };
}

/** The handler's metrics from the EMF records of its log lines, by the minute as CloudWatch keeps them. */
function emfMetrics(lines: readonly string[]): MetricsSource {
  return {
    sum: async (query) => {
      const since = Math.floor(query.since.getTime() / 60_000) * 60_000;
      const points = emfRecords(lines).flatMap(datapoints).filter((point) => point.namespace === METRICS_NAMESPACE && point.timestamp >= since);
      return sumOf(points, query.metricName, query.dimensions);
    },
  };
}

describe.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('integ scenario %s, run locally', (_, scenario) => {
  let record: RecordRequest | undefined;
  let origin: Awaited<ReturnType<typeof startTestOrigin>>;
  let synthesized: ReturnType<typeof synthesizeForTest>;
  let mirror: Awaited<ReturnType<typeof startLocalMirror>>;
  let target: ProbeTarget;
  let work: string;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-local-'));
    origin = await startTestOrigin(() => record);
    synthesized = synthesizeForTest((stack) => buildScenario(stack, scenario, { originUrl: origin.url }));
    mirror = await startLocalMirror({ spec: synthesized.spec });
    const handlerLines: string[] = [];
    for (const functionUrl of mirror.functionUrls) functionUrl.on('invocation', (invocation: InvocationRecord) => handlerLines.push(...invocation.logs));
    target = { baseUrl: mirror.viewerUrl, bucket: mirror.spec.bucketName, s3: mirror.s3.client, metrics: emfMetrics(handlerLines) };
    if (scenario.countOriginRequests) {
      await mirror.s3.client.send(new CreateBucketCommand({ Bucket: ORIGIN_REQUESTS_BUCKET }));
      record = s3Recorder(mirror.s3.client, ORIGIN_REQUESTS_BUCKET);
      target = { ...target, originRequestsBucket: ORIGIN_REQUESTS_BUCKET };
    }
    if (scenario.jobs) {
      const spec = readJobsSpec(synthesized.template, path.dirname(synthesized.templateFile));
      // The local stack makes the buckets the distribution serves; the reports bucket is the jobs' own.
      await mirror.s3.client.send(new CreateBucketCommand({ Bucket: spec.reportsBucket }));
      const batches = { concurrency: scenario.jobs.maxConcurrency ?? 2, batchSize: scenario.jobs.batchSize ?? 20 };
      const runner = localJobRunner({ spec, s3: mirror.s3, ...batches }, work);
      target = { ...target, jobs: { manifestBucket: spec.reportsBucket, runner } };
    }
  }, 120_000);

  afterAll(async () => {
    await mirror?.close();
    await origin?.close();
    synthesized?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  // In order: each step sees what the earlier ones did, as on AWS.
  test.each(scenario.steps.map((step) => [step.id, step] as const))('%s', async (_id, step) => {
    const observed = await runStep(step.probe, target);
    expect(observed).toMatchObject(step.expect);
  }, 120_000);
});
