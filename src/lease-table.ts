/**
 * The single-flight lease table of a `MirrorOrigin` (DESIGN.md, "Round 2: single-flight"): DynamoDB on demand, so
 * it costs nothing while no object is missed, items removed by TTL, and out of viewers' reach (the mirror bucket is
 * not: the distribution's OAC reads every key there). The handler may get, put and update items; nothing else.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { LEASE_ATTRIBUTES } from './lease-schema';

/** The lease table's construct id under its mirror. */
export const LEASE_TABLE_ID = 'LeaseTable';

/** Creates the lease table under `mirror`. */
export function newLeaseTable(mirror: Construct): dynamodb.Table {
  return new dynamodb.Table(mirror, LEASE_TABLE_ID, {
    partitionKey: { name: LEASE_ATTRIBUTES.key, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: LEASE_ATTRIBUTES.expiresAt,
    // Leases matter for seconds: there is nothing to keep when the stack goes.
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/** Lets the handler take, renew and release leases: read, create and update items, never delete or scan. */
export function grantLeases(table: dynamodb.ITable, handlerRole: iam.IGrantable): void {
  table.grant(handlerRole, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
}
