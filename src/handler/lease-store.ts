/**
 * Leases in the DynamoDB table the construct creates (src/lease-table.ts):
 * one item per key, written only with conditions, so that of two requests
 * racing for a key exactly one holds it, and a takeover replaces exactly the
 * stale lease it read. Reads are strongly consistent.
 */
import {
  AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { LEASE_ATTRIBUTES as A, LEASE_RETENTION_SECONDS } from '../lease-schema';
import type { Lease, Verdict } from './lease-rules';

/** Where leases are kept. Every method rejects when the table cannot be reached. */
export interface LeaseStore {
  /** The key's lease, if there is one. */
  read(key: string): Promise<Lease | undefined>;
  /** Takes the key's lease for `holder`: creates it, or replaces exactly `replacing` (same version). False: another request was first. */
  take(key: string, holder: string, now: number, replacing?: Lease): Promise<boolean>;
  /** The holder's heartbeat. False: the lease is no longer its own, or it is done. */
  renew(key: string, holder: string, now: number): Promise<boolean>;
  /** The holder is done: leaves its verdict. False: the lease was taken over meanwhile. */
  release(key: string, holder: string, verdict: Verdict, now: number): Promise<boolean>;
}

/**
 * How long the handler's DynamoDB client waits, per attempt: a lease costs a few milliseconds, and a table that does
 * not answer must not hold a viewer for long (the request then fetches without a lease).
 */
export const LEASE_CLIENT_TIMEOUTS = { connectionTimeoutMs: 1_000, socketTimeoutMs: 2_000 } as const;

/** The handler's DynamoDB client. */
export function createLeaseClient(): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: LEASE_CLIENT_TIMEOUTS.connectionTimeoutMs, socketTimeout: LEASE_CLIENT_TIMEOUTS.socketTimeoutMs },
  });
}

const NAMES = { '#key': A.key, '#holder': A.holder, '#renewedAt': A.renewedAt, '#version': A.version, '#verdict': A.verdict, '#expiresAt': A.expiresAt };

/** Leases in the DynamoDB table `tableName`. */
export function dynamoLeaseStore(client: DynamoDBClient, tableName: string): LeaseStore {
  const expiry = (now: number): AttributeValue => ({ N: String(Math.ceil(now / 1000) + LEASE_RETENTION_SECONDS) });
  const conditional = async (write: Promise<unknown>): Promise<boolean> => {
    try {
      await write;
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  };
  return {
    read: async (key) => {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { [A.key]: { S: key } }, ConsistentRead: true }));
      return out.Item ? leaseOf(out.Item) : undefined;
    },
    take: (key, holder, now, replacing) => conditional(client.send(new PutItemCommand({
      TableName: tableName,
      Item: {
        [A.key]: { S: key },
        [A.holder]: { S: holder },
        [A.renewedAt]: { N: String(now) },
        [A.version]: { N: String((replacing?.version ?? 0) + 1) },
        [A.expiresAt]: expiry(now),
      },
      ConditionExpression: replacing ? '#version = :version' : 'attribute_not_exists(#key)',
      ExpressionAttributeNames: replacing ? { '#version': A.version } : { '#key': A.key },
      ExpressionAttributeValues: replacing ? { ':version': { N: String(replacing.version) } } : undefined,
    }))),
    renew: (key, holder, now) => conditional(client.send(new UpdateItemCommand({
      TableName: tableName,
      Key: { [A.key]: { S: key } },
      UpdateExpression: 'SET #renewedAt = :now, #expiresAt = :expiresAt ADD #version :one',
      ConditionExpression: '#holder = :holder AND attribute_not_exists(#verdict)',
      ExpressionAttributeNames: pick('#renewedAt', '#expiresAt', '#version', '#holder', '#verdict'),
      ExpressionAttributeValues: { ':now': { N: String(now) }, ':expiresAt': expiry(now), ':one': { N: '1' }, ':holder': { S: holder } },
    }))),
    release: (key, holder, verdict, now) => conditional(client.send(new UpdateItemCommand({
      TableName: tableName,
      Key: { [A.key]: { S: key } },
      UpdateExpression: 'SET #verdict = :verdict, #renewedAt = :now, #expiresAt = :expiresAt ADD #version :one',
      ConditionExpression: '#holder = :holder',
      ExpressionAttributeNames: pick('#verdict', '#renewedAt', '#expiresAt', '#version', '#holder'),
      ExpressionAttributeValues: {
        ':verdict': { S: JSON.stringify(verdict) }, ':now': { N: String(now) }, ':expiresAt': expiry(now), ':one': { N: '1' }, ':holder': { S: holder },
      },
    }))),
  };
}

function pick(...names: Array<keyof typeof NAMES>): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, NAMES[name]]));
}

/** A lease from its item; an item that is not one (written by hand) reads as stale, so a request may replace it. */
function leaseOf(item: Record<string, AttributeValue>): Lease {
  const number = (name: string): number => {
    const value = Number(item[name]?.N);
    return Number.isFinite(value) ? value : 0;
  };
  let verdict: Verdict | undefined;
  const text = item[A.verdict]?.S;
  if (text !== undefined) {
    try {
      verdict = JSON.parse(text) as Verdict;
    } catch {
      verdict = undefined;
    }
  }
  return { holder: item[A.holder]?.S ?? '', renewedAt: number(A.renewedAt), version: number(A.version), verdict };
}
