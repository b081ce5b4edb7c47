/**
 * The item function's logger: each item's log line is also an EMF record, as the handler's are, counted as
 * `JobItems` (not `Misses`, so a job never skews the viewer path's figures) and with the job's mode as the `Job`
 * dimension in both sets, so the mirror's [Mirror] metrics, which the alarms and the origin budget read, stay the
 * viewer path's, while the job's bytes from the origin are the same `BytesFromOrigin` metric, per job.
 */
import type { JobLogLine } from './item-batch';
import type { Logger } from '../../handler/log';
import { metricsLogger, MetricsLoggerOptions } from '../../handler/metrics-log';
import { DIMENSIONS, METRICS } from '../../metrics/names';

/** A logger for job items of `mirrorName`, one EMF logger per mode (the `Job` dimension is fixed per logger). */
export function jobMetricsLogger(options: Pick<MetricsLoggerOptions, 'mirrorName' | 'write' | 'now'>): Logger {
  const loggers = new Map<string, Logger>();
  return (line) => {
    const job = (line as Partial<JobLogLine>).job ?? 'unknown';
    let logger = loggers.get(job);
    if (logger === undefined) {
      logger = metricsLogger({ ...options, countMetricName: METRICS.jobItems.name, extraDimensions: { [DIMENSIONS.job]: job } });
      loggers.set(job, logger);
    }
    logger(line);
  };
}
