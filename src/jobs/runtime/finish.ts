/**
 * The last step of a run: the paths refresh changed are invalidated in every distribution the mirror is bound to,
 * then the summary is written next to the CSV and returned as the execution's output. One invalidation per
 * distribution: the exact paths when they fit in one (CloudFront takes 3,000 at a time), otherwise the mirror's own
 * path patterns as wildcards (each counts as one path). Its caller reference is the run's, so a retried step
 * (CloudFront refused with TooManyInvalidationsInProgress; the state machine waits and retries) never doubles one.
 */
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobsDistribution, RunFunctionConfig } from '../config';
import type { JobSummary } from '../protocol';
import { putText, readLines } from './s3-files';
import type { RunSummary } from './summarise';

/** Most paths in one invalidation (CloudFront's limit on paths in progress at once for a distribution). */
export const MAX_INVALIDATION_PATHS = 3000;

/** The finish step's event. */
export interface FinishEvent {
  readonly summary: RunSummary;
  /** The run's folder. */
  readonly folder: string;
}

/** Invalidates what changed and writes `summary.json`; resolves with the execution's output. */
export async function finish(
  s3: S3Client, cloudFront: CloudFrontClient | undefined, config: RunFunctionConfig, event: FinishEvent,
): Promise<JobSummary> {
  const { summary, folder } = event;
  const invalidations: string[] = [];
  if (summary.changedPaths > 0 && cloudFront) {
    const paths = summary.changedPaths <= MAX_INVALIDATION_PATHS ? await changedPaths(s3, config.reportsBucket, folder) : undefined;
    for (const distribution of config.distributions) {
      invalidations.push(await invalidate(cloudFront, distribution, paths ?? [...distribution.wildcards], summary.run));
    }
  }
  const output: JobSummary = { ...summary, ...(invalidations.length > 0 ? { invalidations } : {}) };
  await putText(s3, config.reportsBucket, `${folder}summary.json`, `${JSON.stringify(output, undefined, 2)}\n`, 'application/json');
  return output;
}

/** The changed paths, each once, sorted (the same batch on a retry). */
async function changedPaths(s3: S3Client, bucket: string, folder: string): Promise<string[]> {
  const paths = new Set<string>();
  for await (const line of readLines(s3, bucket, `${folder}changed-paths.txt`)) paths.add(line);
  return [...paths].sort();
}

/** Creates one invalidation; resolves with its id. */
export async function invalidate(
  cloudFront: CloudFrontClient, distribution: JobsDistribution, paths: readonly string[], run: string,
): Promise<string> {
  const out = await cloudFront.send(new CreateInvalidationCommand({
    DistributionId: distribution.id,
    InvalidationBatch: { CallerReference: `cdk-mirror-origin-${run}`, Paths: { Quantity: paths.length, Items: [...paths] } },
  }));
  return out.Invalidation?.Id ?? '';
}
