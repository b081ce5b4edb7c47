/**
 * The local run's one-line summary, computed the way the dashboard computes it: requests as CloudFront counts them,
 * hits as the requests no handler served, and the rest from the EMF records the handler wrote (the same lines
 * CloudWatch turns into metrics): misses by outcome, bytes from the origin, origin errors.
 */
import { datapoints, emfRecords } from './emf';
import { formatBytes } from './request-log';
import type { MirrorRequestRecord } from './stack';
import { DIMENSIONS, METRICS, ORIGIN_FAILURE_OUTCOMES } from '../src/metrics/names';

/** Running totals of the local run. */
export class MetricsSummary {
  /** Viewer requests (CloudFront's `Requests`). */
  public requests = 0;
  /** Requests sent to a handler (its invocations and throttles). */
  private failovers = 0;
  private misses = 0;
  private bytesFromOrigin = 0;
  private readonly missesByOutcome = new Map<string, number>();

  /** Counts one viewer request and the EMF records its handler wrote. */
  public add(record: MirrorRequestRecord): void {
    this.requests++;
    if (record.cloudFront.failover) this.failovers++;
    for (const emf of emfRecords(record.invocation?.logs ?? [])) {
      for (const point of datapoints(emf)) {
        const value = point.values.reduce((a, b) => a + b, 0);
        const names = Object.keys(point.dimensions);
        const outcome = point.dimensions[DIMENSIONS.outcome];
        // The [Mirror] set holds the totals; [Mirror, Outcome] the same values split by outcome.
        if (names.length === 1 && point.metricName === METRICS.misses.name) this.misses += value;
        if (names.length === 1 && point.metricName === METRICS.bytesFromOrigin.name) this.bytesFromOrigin += value;
        if (outcome !== undefined && point.metricName === METRICS.misses.name) {
          this.missesByOutcome.set(outcome, (this.missesByOutcome.get(outcome) ?? 0) + value);
        }
      }
    }
  }

  /** `summary: 12 requests, 7 hits (58%), 5 misses (4 stored, 1 not-found), 1.2 MiB from the origin, 0 origin errors`. */
  public line(): string {
    const hits = this.requests - this.failovers;
    const ratio = this.requests === 0 ? '' : ` (${Math.round((100 * hits) / this.requests)}%)`;
    const outcomes = [...this.missesByOutcome].sort(([a], [b]) => (a === 'stored' ? -1 : b === 'stored' ? 1 : a.localeCompare(b)));
    const split = outcomes.length === 0 ? '' : ` (${outcomes.map(([outcome, n]) => `${n} ${outcome}`).join(', ')})`;
    const originErrors = ORIGIN_FAILURE_OUTCOMES.reduce((sum, outcome) => sum + (this.missesByOutcome.get(outcome) ?? 0), 0);
    return `summary: ${plural(this.requests, 'request')}, ${plural(hits, 'hit')}${ratio}, ${plural(this.misses, 'miss', 'misses')}${split}, ` +
      `${formatBytes(this.bytesFromOrigin)} from the origin, ${plural(originErrors, 'origin error')}`;
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
