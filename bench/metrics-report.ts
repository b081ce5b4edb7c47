/**
 * The metrics-cost section of bench/results.md (section `metrics-cost`, see results-sections.ts, so that
 * `npx projen bench --metrics-only` can rewrite it alone): no metrics, Powertools (which ships) and a writer of its own
 * side by side, what each adds, and the thresholds judged on the medians of the one that ships.
 */
import { METRICS_COST_LIMITS, MetricsOption } from './metrics-cost';
import { formatMs, median } from './report';

/** The section's name in bench/results.md. */
export const METRICS_SECTION = 'metrics-cost';

/** The section's markdown (without its markers). */
export function renderMetricsCost(options: readonly MetricsOption[], writtenBy?: string): string {
  const [none, emf] = options;
  const us = (values: readonly number[]) => median(values)!;
  const deltas = (o: MetricsOption) => ({
    cold: median(o.loadMs)! - median(none.loadMs)!,
    cpu: median(o.loadCpuMs)! - median(none.loadCpuMs)!,
    ready: median(o.readyMs)! - median(none.readyMs)!,
    warmMs: (us(o.lineUs) - us(none.lineUs)) / 1000,
  });
  const { cold: coldDelta, cpu: cpuDelta, ready: readyDelta, warmMs: warmDeltaMs } = deltas(emf);
  const row = (o: MetricsOption) => `| ${o.option} | ${(o.bundleBytes / 1024).toFixed(0)} KiB | ${formatMs(median(o.loadMs))} | ` +
    `${formatMs(median(o.loadCpuMs))} | ${formatMs(median(o.readyMs))} | ${us(o.lineUs).toFixed(1)} µs |`;
  const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${formatMs(Math.abs(ms))}`;
  const signedUs = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms * 1000).toFixed(1)} µs`;
  return [
    ...(writtenBy ? [writtenBy, ''] : []),
    'Metrics cost: the shipped handler (each log line also an EMF record, serialized by @aws-lambda-powertools/metrics) ' +
      'against the same handler built with the plain JSON log line and no metrics, and with the same records written by ' +
      'a few lines of its own instead. Cold start: each bundle loaded in fresh processes ' +
      `started as Lambda starts them, in turn (median of ${none.loadMs.length}). Warm: one log line written to /dev/null, every ` +
      `call timed, the loggers taking turns in blocks over four typical lines (median of ${none.lineUs.length} calls each). ` +
      'The cold-start target is judged on the CPU time of require(): on a machine shared with other work, the wall-clock ' +
      'figures wait for a core and vary by more than the difference measured.',
    '',
    '| handler | bundle | require() of the bundle | its CPU time | process start → handler ready | one log line (warm) |',
    '|---|---:|---:|---:|---:|---:|',
    ...options.map(row),
    ...options.slice(1).map((o) => {
      const d = deltas(o);
      return `| ${o.option} adds | ${((o.bundleBytes - none.bundleBytes) / 1024).toFixed(0)} KiB | ${signed(d.cold)} | ${signed(d.cpu)} | ` +
        `${signed(d.ready)} | ${signedUs(d.warmMs)} |`;
    }),
    '',
    '| target | met | figures |',
    '|---|:---:|---|',
    `| metrics (as shipped) add at most ${METRICS_COST_LIMITS.coldStartMs} ms to a cold start | ${cpuDelta <= METRICS_COST_LIMITS.coldStartMs ? 'yes' : '**no**'} | ` +
      `${signed(cpuDelta)} of CPU in require() (${signed(coldDelta)} wall-clock, ${signed(readyDelta)} to ready) |`,
    `| metrics (as shipped) add at most ${METRICS_COST_LIMITS.warmMs} ms to a warm request | ${warmDeltaMs <= METRICS_COST_LIMITS.warmMs ? 'yes' : '**no**'} | ` +
      `${signedUs(warmDeltaMs)} per request (${(warmDeltaMs / METRICS_COST_LIMITS.warmMs * 100).toFixed(1)}% of the limit) |`,
    '',
  ].join('\n');
}
