/**
 * The migration jobs' run function: the steps of a run around the Distributed Map, chosen by `step` (prepare the
 * items, summarise the results, finish with invalidations and the summary file). Thin on purpose: each step is a
 * module of its own.
 */
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { fromEnvironment } from '../../config';
import { createS3Client } from '../../handler/s3-client';
import { itemConfigFromEnvironment, runConfigFromEnvironment } from '../config';
import { finish, FinishEvent } from './finish';
import { prepare, PrepareEvent } from './prepare';
import { summarise, SummariseEvent } from './summarise';

const mirror = fromEnvironment(process.env);
const config = runConfigFromEnvironment(process.env);
const rules = { keyPrefix: mirror.keyPrefix, variantQueryStrings: mirror.variantQueryStrings, ...itemConfigFromEnvironment(process.env) };
const s3 = createS3Client();
// No distribution, no CloudFront client (the local stack has no CloudFront API).
const cloudFront = config.distributions.length > 0 ? new CloudFrontClient({}) : undefined;

/** A step's event. */
export type RunEvent = ({ readonly step: 'prepare' } & PrepareEvent) | ({ readonly step: 'summarise' } & SummariseEvent) | ({ readonly step: 'finish' } & FinishEvent);

/** The Lambda handler (`index.handler` in the bundle). */
export const handler = async (event: RunEvent) => {
  switch (event.step) {
    case 'prepare': return prepare(s3, config, event);
    case 'summarise': return summarise(s3, config, rules, event);
    case 'finish': return finish(s3, cloudFront, config, event);
    default: throw new Error(`unknown step ${JSON.stringify((event as { step?: unknown }).step)}`);
  }
};
