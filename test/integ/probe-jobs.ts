/**
 * A migration job run as a user runs one: the manifest uploaded to the jobs' manifest bucket, a run started with the
 * execution input of src/jobs/protocol.ts, then, once it ended, its summary read from the reports bucket (the file a
 * person reads, `summary.json`, found where the execution's output says it is).
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ProbeTarget, required } from './probe-target';
import type { JobReportObservation, JobReportProbe, JobStartObservation, JobStartProbe } from './steps';
import type { JobSummary } from '../../src/jobs/protocol';

/** Uploads the manifest and starts the run. */
export async function jobStart(probe: JobStartProbe, target: ProbeTarget): Promise<JobStartObservation> {
  const jobs = required(target, 'jobs');
  const { key, format, lines } = probe.manifest;
  await target.s3.send(new PutObjectCommand({ Bucket: jobs.manifestBucket, Key: key, Body: `${lines.join('\n')}\n`, ContentType: 'text/plain' }));
  await jobs.runner.start(probe.execution, { mode: probe.mode, manifest: { key, format } });
  return { execution: probe.execution, started: true };
}

/** Waits for the run to end and reads its summary file. */
export async function jobReport(probe: JobReportProbe, target: ProbeTarget): Promise<JobReportObservation> {
  const jobs = required(target, 'jobs');
  const { status, output } = await jobs.runner.finished(probe.execution, probe.waitSeconds);
  if (!output?.reports?.summary) return { status };
  const summary = await readSummary(target, output.reports.summary);
  return {
    status,
    mode: summary.mode,
    items: summary.items,
    outcomes: summary.outcomes as Record<string, number>,
    bytesFromOrigin: summary.bytesFromOrigin,
    failedBatches: summary.failedBatches,
  };
}

/** The summary at `s3://bucket/key`. */
async function readSummary(target: ProbeTarget, uri: string): Promise<JobSummary> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`the run's summary is not at an s3:// URI: ${uri}`);
  const object = await target.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  return JSON.parse(await object.Body!.transformToString('utf8')) as JobSummary;
}
