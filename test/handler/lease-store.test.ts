/** Leases in DynamoDB (src/handler/lease-store.ts), against dynalite: conditional take, renew, takeover and release. */
import { LocalDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { dynamoLeaseStore, LeaseStore } from '../../src/handler/lease-store';
import { LEASE_RETENTION_SECONDS } from '../../src/lease-schema';

const TABLE = 'leases';
let dynamodb: LocalDynamoDb;
let store: LeaseStore;
const NOW = 1_700_000_000_000;

beforeAll(async () => {
  dynamodb = await startDynamoDb();
  await dynamodb.createLeaseTable(TABLE);
  store = dynamoLeaseStore(dynamodb.client, TABLE);
});

afterAll(async () => {
  await dynamodb?.stop();
});

test('take: one holder per key; a second take of the same key fails', async () => {
  expect(await store.take('a', 'h1', NOW)).toBe(true);
  expect(await store.take('a', 'h2', NOW)).toBe(false);
  expect(await store.read('a')).toEqual({ holder: 'h1', renewedAt: NOW, version: 1, verdict: undefined });
  expect(await store.read('elsewhere')).toBeUndefined();
});

test('of twenty requests racing for a key, exactly one takes it', async () => {
  const taken = await Promise.all(Array.from({ length: 20 }, (_, i) => store.take('race', `h${i}`, NOW)));
  expect(taken.filter(Boolean)).toHaveLength(1);
});

test('renew: only the holder, only while it is not done; each write bumps the version', async () => {
  await store.take('b', 'h1', NOW);
  expect(await store.renew('b', 'h2', NOW + 1)).toBe(false);
  expect(await store.renew('b', 'h1', NOW + 5_000)).toBe(true);
  expect(await store.read('b')).toMatchObject({ holder: 'h1', renewedAt: NOW + 5_000, version: 2 });
  expect(await store.release('b', 'h1', { stored: true }, NOW + 6_000)).toBe(true);
  expect(await store.renew('b', 'h1', NOW + 7_000)).toBe(false);
  expect(await store.read('b')).toEqual({ holder: 'h1', renewedAt: NOW + 6_000, version: 3, verdict: { stored: true } });
});

test('takeover replaces exactly the lease read: the old holder can no longer renew or release, a second taker loses', async () => {
  await store.take('c', 'gone', NOW);
  const stale = (await store.read('c'))!;
  const [first, second] = await Promise.all([store.take('c', 'w1', NOW + 20_000, stale), store.take('c', 'w2', NOW + 20_000, stale)]);
  expect([first, second].filter(Boolean)).toHaveLength(1);
  const winner = first ? 'w1' : 'w2';
  expect(await store.renew('c', 'gone', NOW + 20_001)).toBe(false);
  expect(await store.release('c', 'gone', { stored: true }, NOW + 20_002)).toBe(false);
  expect(await store.read('c')).toMatchObject({ holder: winner, version: 2, verdict: undefined });
});

test('a holder that renewed after the read keeps its lease: the takeover fails', async () => {
  await store.take('d', 'slow', NOW);
  const seen = (await store.read('d'))!;
  await store.renew('d', 'slow', NOW + 14_000);
  expect(await store.take('d', 'w', NOW + 16_000, seen)).toBe(false);
  expect(await store.read('d')).toMatchObject({ holder: 'slow' });
});

test('release leaves the verdict; a finished lease can be taken again for a new fetch', async () => {
  const verdict = { stored: false as const, status: 502, cacheControl: 'no-store', outcome: 'origin-error' as const, message: 'x' };
  await store.take('e', 'h1', NOW);
  expect(await store.release('e', 'h1', verdict, NOW + 10)).toBe(true);
  const done = (await store.read('e'))!;
  expect(done.verdict).toEqual(verdict);
  expect(await store.take('e', 'h2', NOW + 20, done)).toBe(true);
  expect(await store.read('e')).toEqual({ holder: 'h2', renewedAt: NOW + 20, version: 3, verdict: undefined });
});

test('every write sets the TTL attribute an hour past it', async () => {
  await store.take('f', 'h1', NOW);
  const [item] = (await dynamodb.items(TABLE)).filter((i: any) => i.key.S === 'f') as any[];
  expect(Number(item.expiresAt.N)).toBe(NOW / 1000 + LEASE_RETENTION_SECONDS);
});

test('a table that cannot be reached rejects, so the request can fetch without a lease', async () => {
  await expect(dynamoLeaseStore(dynamodb.client, 'no-such-table').read('a')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});
