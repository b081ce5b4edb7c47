/**
 * The local run's summary line, computed from the EMF records the bundled handler writes: on the local stack
 * started from the synthesized template (`npx projen bundle` first), and from records made by hand to show each
 * count moves on its own.
 */
import { MetricsSummary } from '../../local/metrics-summary';
import { LocalOrigin, startOrigin } from '../../local/origin/server';
import { LocalMirror, MirrorRequestRecord, startLocalMirror } from '../../local/stack';
import { MirrorOriginDistribution } from '../../src';
import type { LogLine } from '../../src/handler/log';
import { metricsLogger } from '../../src/handler/metrics-log';
import { sendAndSettle, synthesizeForTest } from '../local/helpers';

const KiB = 1024;

describe('on the local stack', () => {
  let origin: LocalOrigin;
  let mirror: LocalMirror;
  let dispose: () => void;

  beforeAll(async () => {
    origin = await startOrigin();
    const synthesized = synthesizeForTest((stack) => new MirrorOriginDistribution(stack, 'Mirror', { endpoint: origin.url }));
    dispose = synthesized.dispose;
    mirror = await startLocalMirror({ spec: synthesized.spec });
  });

  afterAll(async () => {
    await mirror?.close();
    await origin?.close();
    dispose?.();
  });

  test('a miss stored, its hit, a 404 and an origin failure: what the dashboard would show', async () => {
    origin.route('/a.bin', { body: { size: 10 * KiB, seed: 1 } });
    origin.route('/broken', { status: 503, body: 'down' });
    const summary = new MetricsSummary();
    for (const target of ['/a.bin', '/a.bin', '/missing', '/broken']) {
      const { record } = await sendAndSettle(mirror, target);
      summary.add(record);
    }
    expect(summary.line()).toBe(
      'summary: 4 requests, 1 hit (25%), 3 misses (1 stored, 1 not-found, 1 origin-error), 10 KiB from the origin, 1 origin error');
  });
});

describe('from records', () => {
  /** A viewer request record whose handler (if it failed over) wrote `line` through the handler's own logger. */
  function record(failover: boolean, line?: Omit<LogLine, 'requestId' | 'method' | 'totalMs' | 'status'>): MirrorRequestRecord {
    const logs: string[] = [];
    if (line) metricsLogger({ mirrorName: 'Local/Mirror/Default', write: (text) => logs.push(text) })({ method: 'GET', totalMs: 1, status: 200, ...line });
    return {
      cloudFront: { failover } as MirrorRequestRecord['cloudFront'],
      invocation: failover ? ({ logs: ['START RequestId: x', ...logs, 'END RequestId: x'] } as unknown as MirrorRequestRecord['invocation']) : undefined,
    };
  }

  test('nothing yet', () => {
    expect(new MetricsSummary().line()).toBe('summary: 0 requests, 0 hits, 0 misses, 0 B from the origin, 0 origin errors');
  });

  test('each count from its own metric: hits from the requests no handler served, the rest from the EMF records', () => {
    const summary = new MetricsSummary();
    summary.add(record(false));
    summary.add(record(false));
    summary.add(record(true, { outcome: 'stored', bytes: 3 * 1024 * 1024, originMs: 5, storeMs: 9, delivery: 'redirected' }));
    summary.add(record(true, { outcome: 'timeout', bytes: 0, originMs: 10_000 }));
    // A handler that wrote no line (it crashed, or was throttled): not a hit, and no miss either.
    summary.add(record(true));
    expect(summary.requests).toBe(5);
    expect(summary.line()).toBe('summary: 5 requests, 2 hits (40%), 2 misses (1 stored, 1 timeout), 3.0 MiB from the origin, 1 origin error');
  });
});
