/**
 * The CloudWatch metrics of one mirror, as the handler writes them (`../handler/metrics-log`): what the
 * `metric*()` methods of `MirrorOrigin` return, and what its alarms and dashboard are built from. A default
 * statistic and period for each, which `MetricOptions` override.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DIMENSIONS, METRICS, METRICS_NAMESPACE, OUTCOMES } from './names';
import { validationError } from '../validation';

/** The job modes that fetch from the origin (`coverage` never does). */
export const FETCHING_JOB_MODES = ['prewarm', 'refresh'] as const;

/** The period every metric defaults to. */
export const DEFAULT_PERIOD = Duration.minutes(5);
/** The statistic of the latency metrics by default: the median, which one slow request does not move. */
export const DEFAULT_LATENCY_STATISTIC = 'p50';

/** A metric of the mirror named `mirrorName` (its construct path is for error messages). */
export class MirrorMetrics {
  constructor(private readonly mirrorName: string, private readonly path: string) {}

  /** Requests the handler served, all of them or those of one outcome; Sum. */
  public misses(outcome?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (outcome !== undefined && !Token.isUnresolved(outcome) && !(OUTCOMES as readonly string[]).includes(outcome)) {
      throw validationError(this.path, [`metricMisses outcome must be one of ${OUTCOMES.map((o) => `"${o}"`).join(', ')}, got "${outcome}"`]);
    }
    return this.metric(METRICS.misses.name, 'Sum', props, outcome);
  }

  /** Body bytes received from the origin; Sum. */
  public bytesFromOrigin(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.bytesFromOrigin.name, 'Sum', props);
  }

  /**
   * Body bytes a migration job fetched from the origin (its records carry the `Job` dimension, so the mirror's own
   * bytes, which the budget reads, stay the viewer path's); Sum. One mode's, or prewarm's and refresh's together.
   */
  public jobBytesFromOrigin(mode?: string, props: cloudwatch.MetricOptions = {}): cloudwatch.IMetric {
    if (mode !== undefined && !Token.isUnresolved(mode) && !(FETCHING_JOB_MODES as readonly string[]).includes(mode)) {
      throw validationError(this.path, [`metricBytesFromOrigin mode must be one of ${FETCHING_JOB_MODES.map((m) => `"${m}"`).join(', ')} (coverage fetches nothing), got "${mode}"`]);
    }
    const ofMode = (job: string, options: cloudwatch.MetricOptions) =>
      this.metric(METRICS.bytesFromOrigin.name, 'Sum', options, undefined, { [DIMENSIONS.job]: job });
    if (mode !== undefined) return ofMode(mode, props);
    const period = props.period ?? DEFAULT_PERIOD;
    return new cloudwatch.MathExpression({
      label: props.label ?? 'Bytes from the origin (jobs)',
      expression: FETCHING_JOB_MODES.map((job) => `FILL(${job}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(FETCHING_JOB_MODES.map((job) => [job, ofMode(job, { ...props, period })])),
      period,
    });
  }

  /** Milliseconds to the origin's response headers; the median. Its SampleCount is the number of requests sent to the origin. */
  public originLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.originLatency.name, DEFAULT_LATENCY_STATISTIC, props);
  }

  /** Milliseconds from the first write to S3 to its confirmation or refusal; the median. */
  public storeDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.storeDuration.name, DEFAULT_LATENCY_STATISTIC, props);
  }

  /** Requests sent to the origin (the sample count of the origin latency). */
  public originRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.originLatency.name, 'SampleCount', props);
  }

  /** Objects the viewer got streamed, or redirected to once stored; Sum. */
  public delivery(how: 'streamed' | 'redirected', props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(how === 'streamed' ? METRICS.streamed.name : METRICS.redirected.name, 'Sum', props);
  }

  /** A `SEARCH` of the misses of every outcome this mirror has reported, one line each (dashboards only; alarms refuse it). */
  public missesByOutcome(period: Duration = DEFAULT_PERIOD): cloudwatch.MathExpression {
    const mirror = this.mirrorName.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    const schema = `{${METRICS_NAMESPACE},${DIMENSIONS.mirror},${DIMENSIONS.outcome}}`;
    return new cloudwatch.MathExpression({
      expression: `SEARCH('${schema} MetricName="${METRICS.misses.name}" ${DIMENSIONS.mirror}="${mirror}"', 'Sum', ${period.toSeconds()})`,
      usingMetrics: {},
      label: '',
      period,
    });
  }

  private metric(
    metricName: string, statistic: string, props: cloudwatch.MetricOptions = {}, outcome?: string, extra: Record<string, string> = {},
  ): cloudwatch.Metric {
    const dimensionsMap: Record<string, string> = { [DIMENSIONS.mirror]: this.mirrorName, ...extra };
    if (outcome !== undefined) dimensionsMap[DIMENSIONS.outcome] = outcome;
    return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, statistic, period: DEFAULT_PERIOD, ...props });
  }
}
