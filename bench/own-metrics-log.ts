/**
 * Stands in for src/handler/metrics-log.ts in the benchmark's "EMF (own writer)" bundle: the same records written by
 * a few lines of its own instead of `@aws-lambda-powertools/metrics`, so that bench/results.md shows what the
 * library costs beside the least a writer could. test/metrics/metrics-log.test.ts checks that both write the same
 * records.
 */
import { Logger, writeLine } from '../src/handler/log';
import { metricValues, MetricsLoggerOptions } from '../src/handler/metrics-log';
import { DIMENSIONS, METRICS_NAMESPACE } from '../src/metrics/names';

/** The shipped logger's records, written by hand. */
export function metricsLogger(options: MetricsLoggerOptions): Logger {
  const write = options.write ?? writeLine;
  const now = options.now ?? Date.now;
  const fixed: Record<string, string> = { [DIMENSIONS.mirror]: options.mirrorName, ...options.extraDimensions };
  const fixedNames = Object.keys(fixed);
  // Two sets: a total of every metric, and one per outcome.
  const dimensionSets = [fixedNames, [...fixedNames, DIMENSIONS.outcome]];
  return (line) => {
    const values = metricValues(line, options.countMetricName);
    const record: Record<string, unknown> = {
      ...line,
      _aws: {
        Timestamp: now(),
        CloudWatchMetrics: [{
          Namespace: METRICS_NAMESPACE,
          Dimensions: dimensionSets,
          Metrics: values.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
        }],
      },
      ...fixed,
      [DIMENSIONS.outcome]: line.outcome,
    };
    for (const metric of values) record[metric.name] = metric.value;
    write(JSON.stringify(record));
  };
}
