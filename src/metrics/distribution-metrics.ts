/**
 * CloudFront's metrics of a distribution, built the way CloudFront publishes them (in us-east-1, with the dimension
 * `Region=Global`, which aws-cdk's own `Distribution.metric*()` leaves out), and the mirror hit ratio built on them.
 * CloudWatch refuses alarms across regions, so these are for graphs: the alarms use the handler's own metrics.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_PERIOD } from './mirror-metrics';

/** The region CloudFront publishes its metrics in. */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';

/** A CloudFront metric of `distribution` (Requests, 4xxErrorRate, 5xxErrorRate, BytesDownloaded …). */
export function cloudFrontMetric(
  distribution: cloudfront.IDistribution, metricName: string, props: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/CloudFront',
    metricName,
    dimensionsMap: { DistributionId: distribution.distributionId, Region: 'Global' },
    region: CLOUDFRONT_METRICS_REGION,
    period: DEFAULT_PERIOD,
    statistic: 'Sum',
    ...props,
  });
}

/**
 * The share of the distribution's requests that no mirror's handler had to serve, in percent:
 * 100 × (1 − (invocations + throttles of every handler) ÷ CloudFront requests). Throttled misses count as misses
 * (they were not served from the bucket), which is what a braked origin budget produces.
 */
export function mirrorHitRatio(
  distribution: cloudfront.IDistribution,
  handlers: readonly lambda.IFunction[],
  props: cloudwatch.MathExpressionOptions = {},
): cloudwatch.MathExpression {
  const period = props.period ?? DEFAULT_PERIOD;
  const usingMetrics: Record<string, cloudwatch.IMetric> = { requests: cloudFrontMetric(distribution, 'Requests', { period }) };
  const misses = handlers.flatMap((handler, i) => {
    usingMetrics[`invocations${i}`] = handler.metricInvocations({ statistic: 'Sum', period });
    usingMetrics[`throttles${i}`] = handler.metricThrottles({ statistic: 'Sum', period });
    // A handler that was not called in a period has no data point there: none is zero.
    return [`FILL(invocations${i}, 0)`, `FILL(throttles${i}, 0)`];
  });
  return new cloudwatch.MathExpression({
    label: 'Hit ratio (%)',
    ...props,
    expression: misses.length === 0 ? '100 * requests / requests' : `100 * (1 - (${misses.join(' + ')}) / requests)`,
    usingMetrics,
    period,
  });
}

/** CloudFront's error rates (percent of all requests), 4xx and 5xx, averaged per period. */
export function errorRates(distribution: cloudfront.IDistribution, period: Duration = DEFAULT_PERIOD): cloudwatch.Metric[] {
  return ['4xxErrorRate', '5xxErrorRate'].map((name) => cloudFrontMetric(distribution, name, { statistic: 'Average', period, label: name }));
}
