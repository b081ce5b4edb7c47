/**
 * The fetch-and-store function behind the distribution's fallback origin (a
 * Lambda function URL, response streaming). Thin on purpose: the work is in
 * `mirror.ts` and its siblings. Built once per container; a bad configuration
 * fails the init with the list of problems.
 */
import { fromEnvironment } from '../config';
import { createLeaseClient, dynamoLeaseStore } from './lease-store';
import { createMirrorHandler } from './mirror';
import { createS3Client } from './s3-client';

const config = fromEnvironment(process.env);
// Single-flight, when the construct made a lease table.
const leases = config.leaseTableName === '' ? undefined : dynamoLeaseStore(createLeaseClient(), config.leaseTableName);

/** The Lambda handler (`index.handler` in the bundle). */
export const handler = awslambda.streamifyResponse(createMirrorHandler({ config, s3: createS3Client(), leases }));
