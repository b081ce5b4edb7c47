/**
 * The handler's logger: each request's log line is also a CloudWatch Embedded Metric Format (EMF) record, so
 * CloudWatch Logs turns it into metrics with no API call and nothing in the request's path but building the line.
 * Namespace `CdkMirrorOrigin`, dimension sets [Mirror] and [Mirror, Outcome], metrics from `../metrics/names`: the
 * log fields and the EMF members side by side in one JSON object.
 *
 * The record is serialized by `@aws-lambda-powertools/metrics`, as the issue asks unless the library adds more than
 * 20 ms to a cold start or 1 ms to a warm request: the recorded benchmark (bench/results.md, section metrics-cost,
 * beside no metrics and a few-line writer of the same records) has it within both. The tests validate every
 * outcome's record against a JSON schema written from the EMF specification.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Logger, LogLine, writeLine } from './log';
import { DIMENSIONS, METRICS, METRICS_NAMESPACE } from '../metrics/names';

/** How the metrics logger is set up. */
export interface MetricsLoggerOptions {
  /** The mirror's name: the value of the `Mirror` dimension. */
  readonly mirrorName: string;
  /**
   * The metric counted once per line: `Misses` for the viewer path (the default). Something that mirrors without a
   * viewer (a job's item function) passes its own name, so that it neither counts as a miss nor skews the hit ratio,
   * while its bytes from the origin still count.
   */
  readonly countMetricName?: string;
  /** Dimensions every record also has, in both of its sets (a job's item function: `Job`). */
  readonly extraDimensions?: Readonly<Record<string, string>>;
  /** Where each line goes (default: stdout). */
  readonly write?: (text: string) => void;
  /** Milliseconds since the epoch, the record's timestamp (default `Date.now`). */
  readonly now?: () => number;
}

/** One metric value of a line. */
export interface MetricValue {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
}

/** The metric values of one line: the count, bytes from the origin, the delivery split, and the durations it has. */
export function metricValues(line: LogLine, countMetricName: string = METRICS.misses.name): MetricValue[] {
  const values: MetricValue[] = [
    { name: countMetricName, unit: METRICS.misses.unit, value: 1 },
    { ...METRICS.bytesFromOrigin, value: line.bytes },
    { ...METRICS.streamed, value: line.delivery === 'streamed' ? 1 : 0 },
    { ...METRICS.redirected, value: line.delivery === 'redirected' ? 1 : 0 },
  ];
  // Only requests that asked the origin or wrote to S3 have a latency or a store time: no zeros in the percentiles.
  if (line.originMs !== undefined) values.push({ ...METRICS.originLatency, value: line.originMs });
  if (line.storeMs !== undefined) values.push({ ...METRICS.storeDuration, value: line.storeMs });
  return values;
}

/** A logger that writes each line as one JSON object that is also an EMF record. */
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
