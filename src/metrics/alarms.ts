/**
 * A mirror's default alarms (`alarms`, on unless `alarms: false`): the origin failing, and the handler failing or
 * throttled. Each description says what happened to viewers and what to do. None has an action: the user adds theirs.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { MirrorMetrics } from './mirror-metrics';
import { describedName, ORIGIN_FAILURE_OUTCOMES } from './names';

/** Thresholds of the default alarms (docs/operations.md states them). */
export const ALARM_THRESHOLDS = {
  /** Percent of the requests to the origin that failed or timed out … */
  originFailurePercent: 10,
  /** … among at least this many requests in the period (fewer are too few to call a rate). */
  originFailureMinRequests: 10,
  /** Handler errors plus throttles in one period. */
  handlerErrorsAndThrottles: 5,
  period: Duration.minutes(5),
} as const;

/** What the default alarms are made from. */
export interface DefaultAlarmsContext {
  readonly metrics: MirrorMetrics;
  readonly handler: lambda.IFunction;
  /** Names the mirror in the descriptions. */
  readonly mirrorName: string;
}

/** Makes the default alarms in `scope`. */
export function defaultAlarms(scope: Construct, context: DefaultAlarmsContext): cloudwatch.Alarm[] {
  return [originErrorsAlarm(scope, context), handlerErrorsAlarm(scope, context)];
}

function originErrorsAlarm(scope: Construct, { metrics, mirrorName }: DefaultAlarmsContext): cloudwatch.Alarm {
  const t = ALARM_THRESHOLDS;
  const period = t.period;
  const usingMetrics: Record<string, cloudwatch.IMetric> = { requests: metrics.originRequests({ period }) };
  const failures = ORIGIN_FAILURE_OUTCOMES.map((outcome, i) => {
    usingMetrics[`failed${i}`] = metrics.misses(outcome, { period });
    return `FILL(failed${i}, 0)`;
  });
  const rate = new cloudwatch.MathExpression({
    expression: `IF(requests >= ${t.originFailureMinRequests}, 100 * (${failures.join(' + ')}) / requests, 0)`,
    usingMetrics,
    period,
    label: 'Origin failures (% of origin requests)',
  });
  return rate.createAlarm(scope, 'OriginErrorsAlarm', {
    alarmDescription: `cdk-mirror-origin ${describedName(mirrorName)}: over ${t.originFailurePercent}% of the requests to the origin failed (5xx, ` +
      `connection errors, cut bodies, redirects to another host) or timed out, in 2 of the last 3 periods of ${period.toHumanString()} ` +
      `with at least ${t.originFailureMinRequests} requests. Viewers of objects not yet mirrored get 502 or 504; objects in the bucket ` +
      'are still served. What to do: check the origin; the handler\'s log lines with outcome origin-error or timeout name each key and ' +
      'the error. If the origin is only slow, raise originResponseTimeout or originIdleTimeout.',
    threshold: t.originFailurePercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

function handlerErrorsAlarm(scope: Construct, { handler, mirrorName }: DefaultAlarmsContext): cloudwatch.Alarm {
  const t = ALARM_THRESHOLDS;
  const period = t.period;
  const total = new cloudwatch.MathExpression({
    expression: 'FILL(errors, 0) + FILL(throttles, 0)',
    usingMetrics: {
      errors: handler.metricErrors({ statistic: 'Sum', period }),
      throttles: handler.metricThrottles({ statistic: 'Sum', period }),
    },
    period,
    label: 'Handler errors + throttles',
  });
  return total.createAlarm(scope, 'HandlerErrorsAlarm', {
    alarmDescription: `cdk-mirror-origin ${describedName(mirrorName)}: the fetch-and-store function failed or was throttled at least ` +
      `${t.handlerErrorsAndThrottles} times in ${period.toHumanString()}. Viewers of objects not yet mirrored got errors from ` +
      'CloudFront; objects in the bucket are still served. Throttles: the function reached its reservedConcurrency or the ' +
      'account\'s concurrency limit (raise it), or the origin budget stopped fetching (its alarm says so). Errors: a response ' +
      'cut while streaming (see the origin-errors alarm), or outcome internal-error in the handler\'s log (a bug: report it).',
    threshold: t.handlerErrorsAndThrottles,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
