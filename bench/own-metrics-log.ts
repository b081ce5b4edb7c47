/**
 * Stands in for src/handler/metrics-log.ts in the benchmark's "EMF (Powertools)" bundle: the same records, serialized
 * by `@aws-lambda-powertools/metrics` (what the handler shipped before its own writer), so that bench/results.md
 * shows what the library would cost beside the writer that ships. test/metrics/metrics-log.test.ts checks that both
 * write the same records.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Logger, writeLine } from '../src/handler/log';
import { metricValues, MetricsLoggerOptions } from '../src/handler/metrics-log';
import { DIMENSIONS, METRICS_NAMESPACE } from '../src/metrics/names';

/** The shipped logger's records, through Powertools. */
export function metricsLogger(options: MetricsLoggerOptions): Logger {
  const write = options.write ?? writeLine;
  const now = options.now ?? Date.now;
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
  // Powertools adds a `service` dimension to every set unless told otherwise: the sets are exactly [Mirror] and [Mirror, Outcome].
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ [DIMENSIONS.mirror]: options.mirrorName, ...options.extraDimensions });
  return (line) => {
    // A set of no dimensions beyond the default ones is [Mirror] (plus any extra): a total as well as one per outcome.
    metrics.addDimensions({});
    metrics.addDimensions({ [DIMENSIONS.outcome]: line.outcome });
    for (const metric of metricValues(line, options.countMetricName)) {
      metrics.addMetric(metric.name, metric.unit as Parameters<Metrics['addMetric']>[1], metric.value);
    }
    metrics.setTimestamp(now());
    const record = metrics.serializeMetrics();
    metrics.clearMetrics();
    metrics.clearDimensions();
    write(JSON.stringify({ ...line, ...record }));
  };
}
