/**
 * The probe's Lambda entry on AWS: the invocation payload is the probe; the distribution, the buckets and the jobs'
 * state machine come from the environment; the jobs run on Step Functions and the metrics are read from CloudWatch.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { runStep } from './probe';
import type { JobRunner, MetricQuery, MetricsSource, ProbeTarget } from './probe-target';
import type { Probe } from './steps';
import { METRICS_NAMESPACE } from '../../src/metrics/names';

/** The environment variables the probe function is given. */
export const PROBE_ENVIRONMENT = {
  distributionUrl: 'DISTRIBUTION_URL',
  mirrorBucket: 'MIRROR_BUCKET',
  originRequestsBucket: 'ORIGIN_REQUESTS_BUCKET',
  jobsStateMachine: 'JOBS_STATE_MACHINE_ARN',
  jobsManifestBucket: 'JOBS_MANIFEST_BUCKET',
} as const;

/** Runs one step on AWS. */
export async function handler(probe: Probe): Promise<object> {
  const env = (name: keyof typeof PROBE_ENVIRONMENT): string | undefined => process.env[PROBE_ENVIRONMENT[name]] || undefined;
  const baseUrl = env('distributionUrl');
  const bucket = env('mirrorBucket');
  if (!baseUrl || !bucket) throw new Error(`${PROBE_ENVIRONMENT.distributionUrl} and ${PROBE_ENVIRONMENT.mirrorBucket} must be set`);
  const stateMachine = env('jobsStateMachine');
  const manifestBucket = env('jobsManifestBucket');
  const target: ProbeTarget = {
    baseUrl,
    bucket,
    s3: new S3Client({}),
    originRequestsBucket: env('originRequestsBucket'),
    jobs: stateMachine && manifestBucket ? { manifestBucket, runner: stepFunctionsRunner(stateMachine) } : undefined,
    metrics: cloudWatchMetrics(),
  };
  return runStep(probe, target);
}

/** Runs of the jobs' state machine. */
function stepFunctionsRunner(stateMachineArn: string): JobRunner {
  const sfn = new SFNClient({});
  // arn:aws:states:region:account:stateMachine:name → arn:aws:states:region:account:execution:name:<execution>
  const executionArn = (name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return {
    start: async (name, input) => {
      await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    },
    finished: async (name, waitSeconds) => {
      const deadline = Date.now() + waitSeconds * 1000;
      for (;;) {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(name) }));
        const status = execution.status ?? 'UNKNOWN';
        if (status !== 'RUNNING' || Date.now() >= deadline) return { status, output: execution.output ? JSON.parse(execution.output) : undefined };
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    },
  };
}

/** Sums of the handler's metrics in CloudWatch, by the minute. */
function cloudWatchMetrics(): MetricsSource {
  const cloudWatch = new CloudWatchClient({});
  return {
    sum: async (query: MetricQuery) => {
      const found = await cloudWatch.send(new GetMetricDataCommand({
        StartTime: query.since,
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: [{
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: METRICS_NAMESPACE,
              MetricName: query.metricName,
              Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 60,
            Stat: 'Sum',
          },
        }],
      }));
      return (found.MetricDataResults ?? []).flatMap((result) => result.Values ?? []).reduce((sum, value) => sum + value, 0);
    },
  };
}
