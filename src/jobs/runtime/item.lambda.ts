/**
 * The migration jobs' item function: Distributed Map invokes it with one batch of items (`{ BatchInput, Items }`)
 * and writes what it returns to the run's result files. Thin on purpose: the work is in `item-batch.ts` and its
 * siblings. The mirror's configuration comes from the same environment variables as the handler's.
 */
import { fromEnvironment } from '../../config';
import { createS3Client } from '../../handler/s3-client';
import { itemConfigFromEnvironment } from '../config';
import type { JobBatch } from '../protocol';
import { ItemContext, processBatch } from './item-batch';
import { jobMetricsLogger } from './job-metrics';

const config = fromEnvironment(process.env);
// Each item's line is also an EMF record: JobItems, and the job's bytes from the origin, with the Job dimension.
const deps = {
  config,
  jobs: itemConfigFromEnvironment(process.env),
  s3: createS3Client(),
  logger: jobMetricsLogger({ mirrorName: config.mirrorName }),
};

/** The Lambda handler (`index.handler` in the bundle). */
export const handler = (batch: JobBatch, context: ItemContext) => processBatch(deps, batch, context);
