/**
 * The props of `MirrorJobs`, apart from the construct, so that validation reads them without importing it.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { MirrorOrigin } from '../mirror-origin';

/** Properties of `MirrorJobs`: the migration jobs (prewarm, coverage, refresh) of one mirror. */
export interface MirrorJobsProps {
  /**
   * The mirror the jobs fill, check and refresh, bound to a distribution in the same stack (for a
   * `MirrorOriginDistribution`, its `mirror`, or what `addMirror()` returned).
   */
  readonly mirror: MirrorOrigin;

  /**
   * Batches in flight at once. A batch's items run one after another, so this is also the most requests the jobs
   * send the origin at a time: the old origin must survive the migration. From 1 to 10,000.
   * @default 10
   */
  readonly maxConcurrency?: number;

  /**
   * Items per batch (one item function invocation), from 1 to 1,000. A batch that fails as a whole (the function
   * crashed) fails all its items; items not started when the function's time runs out are reported `deadline`.
   * @default 20
   */
  readonly batchSize?: number;

  /**
   * Percentage of items, an integer from 0 to 100, that may fail with their whole batch before the run stops. An item with an
   * outcome (even `origin-error`) is never a failure here: only a batch the function could not finish is. The items
   * of a failed batch are still listed in the CSV report.
   * @default 5
   */
  readonly toleratedFailurePercentage?: number;

  /**
   * Where the runs' reports go (Distributed Map's result files, the summary and the CSV of keys that need more), and
   * the default manifest bucket. Not the mirror's bucket: viewers can read that one through the distribution.
   * @default - a new private bucket: all public access blocked, SSL enforced, S3-managed encryption, bucket owner
   * enforced, reports expiring after reportsExpiration, retained when the stack is deleted
   */
  readonly reportsBucket?: s3.IBucket;

  /**
   * Prefix of every report the jobs write: empty, or a path ending with "/". Each run writes under
   * `<reportsPrefix><execution name>/`.
   * @default "mirror-jobs/"
   */
  readonly reportsPrefix?: string;

  /**
   * How long the reports bucket the construct creates keeps a report (ignored with your own reportsBucket).
   * @default Duration.days(90)
   */
  readonly reportsExpiration?: Duration;

  /**
   * The bucket the jobs read manifests from (the only one they may read them from): a key list, a path list, an
   * S3 Inventory of the old provider, or a previous run's report.
   * @default - the reports bucket
   */
  readonly manifestBucket?: s3.IBucket;
}
