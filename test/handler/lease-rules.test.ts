/** The rules of single-flight (src/handler/lease-rules.ts): take, wait, stale and takeover, verdicts, polling. */
import { DEFAULTS } from '../../src/config';
import { isTakeover, Lease, MAX_POLL_MS, nextStep, pollDelay, renewIntervalMs, verdictOf } from '../../src/handler/lease-rules';
import type { RequestResult } from '../../src/handler/result';

const STALE = 15_000;
const NOW = 1_000_000;
const held: Lease = { holder: 'h1', renewedAt: NOW - 1_000, version: 3 };

describe('nextStep', () => {
  test('no lease: take it', () => {
    expect(nextStep(undefined, NOW, STALE, false)).toEqual({ kind: 'take' });
  });

  test('a lease renewed within the stale age: wait, however long it has been held', () => {
    expect(nextStep(held, NOW, STALE, false)).toEqual({ kind: 'wait', lease: held });
    expect(nextStep({ ...held, renewedAt: NOW - STALE + 1 }, NOW, STALE, true)).toMatchObject({ kind: 'wait' });
  });

  test('a lease not renewed for the stale age: take it over, conditional on the version read', () => {
    const stale = { ...held, renewedAt: NOW - STALE };
    expect(nextStep(stale, NOW, STALE, true)).toEqual({ kind: 'take', replacing: stale });
    expect(isTakeover(stale)).toBe(true);
  });

  test('the holder stored the object: answer from the bucket, waiter or newcomer', () => {
    const done = { ...held, verdict: { stored: true as const } };
    expect(nextStep(done, NOW, STALE, true)).toEqual({ kind: 'bucket', lease: done });
    expect(nextStep({ ...done, renewedAt: 0 }, NOW, STALE, false)).toMatchObject({ kind: 'bucket' });
  });

  test('a no-store verdict answers the waiters only: a newcomer fetches again, and that is no takeover', () => {
    const failed: Lease = { ...held, verdict: { stored: false, status: 502, cacheControl: 'no-store', outcome: 'origin-error', message: 'x' } };
    expect(nextStep(failed, NOW, STALE, true)).toEqual({ kind: 'verdict', verdict: failed.verdict });
    expect(nextStep(failed, NOW, STALE, false)).toEqual({ kind: 'take', replacing: failed });
    expect(isTakeover(failed)).toBe(false);
  });

  test('a cacheable 404 answers newcomers too, until it would have expired from a cache', () => {
    const missing: Lease = {
      ...held, verdict: { stored: false, status: 404, cacheControl: 'public, max-age=10', outcome: 'not-found', message: 'Not Found', until: NOW + 1 },
    };
    expect(nextStep(missing, NOW, STALE, false)).toMatchObject({ kind: 'verdict' });
    expect(nextStep(missing, NOW + 1, STALE, false)).toMatchObject({ kind: 'take' });
    expect(nextStep(missing, NOW + 1, STALE, true)).toMatchObject({ kind: 'verdict' });
  });
});

describe('verdictOf', () => {
  const result = (outcome: RequestResult['outcome'], status: number): RequestResult => ({ outcome, status, bytes: 0 });

  test('stored, or already there: the waiters answer from the bucket', () => {
    expect(verdictOf(result('stored', 200), 10, NOW)).toEqual({ stored: true });
    expect(verdictOf(result('exists', 302), 10, NOW)).toEqual({ stored: true });
  });

  test('404 and 410: the same status, cacheable for notFoundTtl from now', () => {
    expect(verdictOf(result('not-found', 404), 10, NOW)).toEqual({
      stored: false, status: 404, cacheControl: 'public, max-age=10', outcome: 'not-found', message: 'Not Found', until: NOW + 10_000,
    });
    expect(verdictOf(result('not-found', 410), 0, NOW)).toMatchObject({ status: 410, cacheControl: 'public, max-age=0', until: undefined });
  });

  test('a key that makes no origin URL (400): the waiters, on the same key, answer the holder\'s 400, no-store', () => {
    expect(verdictOf({ outcome: 'rejected', status: 400, bytes: 0, error: 'the origin URL would leave the endpoint' }, 10, NOW)).toEqual({
      stored: false, status: 400, cacheControl: 'no-store', outcome: 'rejected', message: 'the origin URL would leave the endpoint',
    });
  });

  test.each([
    ['origin-client-error', 403, 403],
    ['origin-error', 502, 502],
    ['timeout', 504, 504],
    ['deadline', 504, 504],
    ['too-large', 502, 502],
    // The holder's viewer got the object streamed, but it is not in the bucket: its waiters cannot have it.
    ['store-error', 200, 502],
    ['internal-error', 500, 502],
  ] as const)('%s (the holder answered %i): the waiters answer %i, no-store', (outcome, status, expected) => {
    expect(verdictOf(result(outcome, status), 10, NOW)).toMatchObject({ stored: false, status: expected, cacheControl: 'no-store' });
  });
});

test('a waiter looks again after 25 ms, then twice as long each time, never more than 250 ms apart', () => {
  const delays = Array.from({ length: 40 }, (_, i) => pollDelay(i));
  expect(delays.slice(0, 6)).toEqual([25, 50, 100, 200, 250, 250]);
  expect(Math.max(...delays)).toBe(MAX_POLL_MS);
  expect(MAX_POLL_MS).toBe(250);
});

test('with the shipped figures, a waiter takes over from a killed holder within 20 s (the issue\'s bound; the e2e runs a shorter stale age)', () => {
  const staleMs = DEFAULTS.leaseStaleMs;
  expect(staleMs).toBe(15_000);
  expect(renewIntervalMs(staleMs)).toBe(5_000);
  // A killed holder renewed last at most when it died: the lease is stale staleMs later at the latest, and a waiter
  // sees it at its next look, at most MAX_POLL_MS on. (Where it died between two renewals only makes that sooner.)
  expect(staleMs + MAX_POLL_MS).toBeLessThan(20_000);
});
