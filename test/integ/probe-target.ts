/**
 * Where the probe looks, and the two services that differ between AWS and this machine behind one interface each:
 * the jobs' runner (Step Functions on AWS, local/jobs/runner.ts locally) and the metrics (CloudWatch on AWS, the
 * handler's EMF records as CloudWatch would extract them locally). Everything else is the same code in both places.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobInput, JobSummary } from '../../src/jobs/protocol';

/** Starts and watches the runs of one `MirrorJobs`. */
export interface JobRunner {
  /** Starts a run named `execution` with `input`. */
  start(execution: string, input: JobInput): Promise<void>;
  /** Waits up to `waitSeconds` for the run to end: its status (`RUNNING` when the wait ran out) and its output. */
  finished(execution: string, waitSeconds: number): Promise<{ readonly status: string; readonly output?: JobSummary }>;
}

/** One metric of the handler's, summed. */
export interface MetricQuery {
  readonly metricName: string;
  /** Dimension name → value: exactly the dimension set the metric was written with. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Data points from this time on. */
  readonly since: Date;
}

/** Reads the handler's metrics. */
export interface MetricsSource {
  /** The sum of every data point of the metric since `since` (0 when there is none). */
  sum(query: MetricQuery): Promise<number>;
}

/** Where the probe looks. */
export interface ProbeTarget {
  /** The distribution, e.g. `https://d111111abcdef8.cloudfront.net`. */
  readonly baseUrl: string;
  readonly bucket: string;
  readonly s3: S3Client;
  /** The bucket where the test origin records each request for a counted object. */
  readonly originRequestsBucket?: string;
  /** The jobs of the default mirror, when the scenario has them. */
  readonly jobs?: { readonly manifestBucket: string; readonly runner: JobRunner };
  readonly metrics?: MetricsSource;
}

/** The target's part `name`, or an error naming what the app did not set up. */
export function required<K extends keyof ProbeTarget>(target: ProbeTarget, name: K): NonNullable<ProbeTarget[K]> {
  const value = target[name];
  if (value === undefined) throw new Error(`this step needs the probe's ${String(name)}, which the scenario's app does not set up`);
  return value as NonNullable<ProbeTarget[K]>;
}
