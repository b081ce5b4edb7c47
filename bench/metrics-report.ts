/**
 * The metrics-cost section of bench/results.md (section `metrics-cost`, see results-sections.ts, so that
 * `npx projen bench --metrics-only` can rewrite it alone): both options side by side, the difference, and the
 * issue's thresholds judged on the medians.
 */
import { METRICS_COST_LIMITS, MetricsOption } from './metrics-cost';
import { formatMs, median } from './report';

/** The section's name in bench/results.md. */
export const METRICS_SECTION = 'metrics-cost';

/** The section's markdown (without its markers). */
export function renderMetricsCost(options: readonly MetricsOption[], writtenBy?: string): string {
  const [none, emf] = options;
  const us = (values: readonly number[]) => median(values)!;
  const coldDelta = median(emf.loadMs)! - median(none.loadMs)!;
  const cpuDelta = median(emf.loadCpuMs)! - median(none.loadCpuMs)!;
  const readyDelta = median(emf.readyMs)! - median(none.readyMs)!;
  const warmDeltaMs = (us(emf.lineUs) - us(none.lineUs)) / 1000;
  const row = (o: MetricsOption) => `| ${o.option} | ${(o.bundleBytes / 1024).toFixed(0)} KiB | ${formatMs(median(o.loadMs))} | ` +
    `${formatMs(median(o.loadCpuMs))} | ${formatMs(median(o.readyMs))} | ${us(o.lineUs).toFixed(1)} µs |`;
  const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${formatMs(Math.abs(ms))}`;
  const signedUs = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms * 1000).toFixed(1)} µs`;
  return [
    ...(writtenBy ? [writtenBy, ''] : []),
    'Metrics cost: the shipped handler (each log line also an EMF record, serialized by @aws-lambda-powertools/metrics) against ' +
      'the same handler built with the plain JSON log line and no EMF library. Cold start: each bundle loaded in fresh processes ' +
      `started as Lambda starts them, alternating (median of ${none.loadMs.length}). Warm: one log line written to /dev/null, every ` +
      `call timed, the two loggers alternating in blocks over four typical lines (median of ${none.lineUs.length} calls each). ` +
      'The cold-start target is judged on the CPU time of require(): on a machine shared with other work, the wall-clock ' +
      'figures wait for a core and vary by more than the difference measured.',
    '',
    '| handler | bundle | require() of the bundle | its CPU time | process start → handler ready | one log line (warm) |',
    '|---|---:|---:|---:|---:|---:|',
    row(none),
    row(emf),
    `| metrics add | ${((emf.bundleBytes - none.bundleBytes) / 1024).toFixed(0)} KiB | ${signed(coldDelta)} | ${signed(cpuDelta)} | ${signed(readyDelta)} | ` +
      `${signedUs(warmDeltaMs)} |`,
    '',
    '| target | met | figures |',
    '|---|:---:|---|',
    `| metrics add at most ${METRICS_COST_LIMITS.coldStartMs} ms to a cold start | ${cpuDelta <= METRICS_COST_LIMITS.coldStartMs ? 'yes' : '**no**'} | ` +
      `${signed(cpuDelta)} of CPU in require() (${signed(coldDelta)} wall-clock, ${signed(readyDelta)} to ready) |`,
    `| metrics add at most ${METRICS_COST_LIMITS.warmMs} ms to a warm request | ${warmDeltaMs <= METRICS_COST_LIMITS.warmMs ? 'yes' : '**no**'} | ` +
      `${signedUs(warmDeltaMs)} per request (${(warmDeltaMs / METRICS_COST_LIMITS.warmMs * 100).toFixed(1)}% of the limit) |`,
    '',
  ].join('\n');
}
