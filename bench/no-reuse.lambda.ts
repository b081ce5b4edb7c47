/**
 * The library's handler with one change, for the benchmark only (never shipped): every origin request on a
 * connection of its own (TCP and TLS set up each time), as the handler did before it kept connections. So
 * "connections kept" against "a connection per request" is the cost of setting up each miss's connection.
 */
import { fromEnvironment } from '../src/config';
import { createLeaseClient, dynamoLeaseStore } from '../src/handler/lease-store';
import { createMirrorHandler } from '../src/handler/mirror';
import { createNodeTransport } from '../src/handler/origin';
import { createS3Client } from '../src/handler/s3-client';

const config = fromEnvironment(process.env);
const leases = config.leaseTableName === '' ? undefined : dynamoLeaseStore(createLeaseClient(), config.leaseTableName);

/** The streaming handler (`index.handler`). */
export const handler = awslambda.streamifyResponse(
  createMirrorHandler({ config, s3: createS3Client(), leases, transport: createNodeTransport(false) }),
);
