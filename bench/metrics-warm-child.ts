/**
 * The warm cost of the handler's log line, in a process of its own whose stdout is /dev/null (bench/metrics-cost.ts
 * bundles and forks this): `jsonLogger` (no metrics), `metricsLogger` (the EMF line that ships, through Powertools)
 * and the same records from a few lines of their own take turns in blocks over the same log lines, each call timed; reports every call's
 * microseconds per logger.
 */
import { metricsLogger as ownLogger } from './own-metrics-log';
import type { LogLine } from '../src/handler/log';
import { jsonLogger } from '../src/handler/log';
import { metricsLogger } from '../src/handler/metrics-log';

/** What the child reports: microseconds per call, every call, by logger. */
export interface WarmReport {
  readonly noMetricsUs: readonly number[];
  readonly metricsUs: readonly number[];
  readonly ownUs: readonly number[];
}

const calls = Number(process.argv[2]);
const base = { requestId: 'c0a8b1d2-0000-4000-8000-000000000000', method: 'GET', totalMs: 41 };
// The lines of a typical mix: stored (streamed and redirected), a 404, an origin error.
const lines: LogLine[] = [
  { ...base, key: 'assets/img/photo-2019-08-01.jpg', outcome: 'stored', status: 200, originStatus: 200, bytes: 482_113, originMs: 38, storeMs: 61, delivery: 'streamed' },
  { ...base, key: 'video/intro.mp4', outcome: 'stored', status: 302, originStatus: 200, bytes: 48_211_300, originMs: 52, storeMs: 2210, delivery: 'redirected' },
  { ...base, key: 'assets/missing.css', outcome: 'not-found', status: 404, originStatus: 404, bytes: 0, originMs: 21 },
  { ...base, key: 'api/broken.json', outcome: 'origin-error', status: 502, originStatus: 503, bytes: 0, originMs: 12, error: 'origin answered 503' },
];
const withMetrics = metricsLogger({ mirrorName: 'Stack/Mirror/Default' });
const withOwnWriter = ownLogger({ mirrorName: 'Stack/Mirror/Default' });
const report = { noMetricsUs: [] as number[], metricsUs: [] as number[], ownUs: [] as number[] };
const block = 100;
for (let done = 0; done < calls; done += block) {
  for (const [log, out] of [[jsonLogger, report.noMetricsUs], [withMetrics, report.metricsUs], [withOwnWriter, report.ownUs]] as const) {
    for (let i = 0; i < block; i++) {
      const line = lines[i % lines.length];
      const started = performance.now();
      log(line);
      out.push((performance.now() - started) * 1000);
    }
  }
}
process.send!(report satisfies WarmReport);
