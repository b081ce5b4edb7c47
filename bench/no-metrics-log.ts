/**
 * Stands in for src/handler/metrics-log.ts in the benchmark's "no metrics" bundle: the handler's log line as it
 * was before metrics, one JSON line on stdout, and no EMF library in the bundle at all.
 */
import { jsonLogger, Logger } from '../src/handler/log';

/** Same signature as the real one; ignores its options. */
export function metricsLogger(_options: unknown): Logger {
  return jsonLogger;
}
