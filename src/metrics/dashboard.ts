/**
 * `MirrorOriginDashboard`: one CloudWatch dashboard of a distribution and its mirrors, built from the same metrics
 * the `metric*()` methods return (`dashboard: true` on `MirrorOriginDistribution` makes one).
 */
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { cloudFrontMetric, errorRates, mirrorHitRatio } from './distribution-metrics';
import { operationsOf } from './operations';
import type { MirrorOrigin } from '../mirror-origin';
import { validationError } from '../validation';

/** Properties of a `MirrorOriginDashboard`. */
export interface MirrorOriginDashboardProps {
  /** The mirrors to show, one section each (`addMirror` adds more). */
  readonly mirrors: MirrorOrigin[];

  /**
   * The distribution that serves the mirrors: adds its hit ratio (from the handlers of every mirror of this
   * dashboard, so give it every mirror the distribution serves), its requests and its error rates.
   * @default - no distribution graphs
   */
  readonly distribution?: cloudfront.IDistribution;

  /**
   * The dashboard's name.
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
}

/**
 * A CloudWatch dashboard of mirrors and the distribution that serves them: hit ratio, requests and CloudFront's
 * 4xx/5xx error rates; then per mirror misses by outcome, bytes from the origin, objects streamed or redirected,
 * origin latency and time to store (p50, p99), the handler's concurrency and throttles, and the mirror's alarms.
 */
export class MirrorOriginDashboard extends Construct {
  /** The CloudWatch dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly mirrors: MirrorOrigin[] = [];

  /**
   * Builds the dashboard.
   * @param scope the construct this one is defined in
   * @param id its id, unique within `scope`
   * @param props the mirrors to show, and the distribution that serves them
   */
  constructor(scope: Construct, id: string, props: MirrorOriginDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    const distribution = props.distribution;
    if (distribution) {
      this.dashboard.addWidgets(
        // Built when the dashboard is rendered, so that it counts the mirrors added after this line too.
        new LazyWidget(8, 6, () => new cloudwatch.GraphWidget({
          title: 'Hit ratio: requests no mirror handler served (%)',
          left: [mirrorHitRatio(distribution, this.mirrors.map((m) => m.handler))],
          leftYAxis: { min: 0, max: 100 },
          width: 8,
        })),
        new cloudwatch.GraphWidget({ title: 'CloudFront requests', left: [cloudFrontMetric(distribution, 'Requests', { label: 'Requests' })], width: 8 }),
        new cloudwatch.GraphWidget({ title: 'CloudFront error rates (%)', left: errorRates(distribution), width: 8 }),
      );
    }
    for (const mirror of props.mirrors) this.addMirror(mirror);
  }

  /**
   * Adds a mirror's section.
   * @param mirror the mirror to show
   */
  public addMirror(mirror: MirrorOrigin): void {
    const operations = operationsOf(mirror);
    if (!operations) {
      throw validationError(this.node.path, [`mirrors must hold MirrorOrigin constructs of this copy of cdk-mirror-origin, got ${mirror.node.path} ` +
        '(two copies of the library in node_modules? npm ls cdk-mirror-origin)']);
    }
    this.mirrors.push(mirror);
    const metrics = operations.metrics;
    const width = 8;
    const percentiles = (metric: (props: cloudwatch.MetricOptions) => cloudwatch.IMetric) =>
      ['p50', 'p99'].map((statistic) => metric({ statistic, label: statistic }));
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `### Mirror ${mirror.mirrorName}`, width: 24, height: 1 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Misses by outcome', left: [metrics.missesByOutcome()], stacked: true, width }),
      new cloudwatch.GraphWidget({ title: 'Bytes from the origin', left: [metrics.bytesFromOrigin({ label: 'Bytes' })], width }),
      new cloudwatch.GraphWidget({
        title: 'Objects stored: streamed or redirected',
        left: [metrics.delivery('streamed', { label: 'Streamed' }), metrics.delivery('redirected', { label: 'Redirected' })],
        stacked: true,
        width,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Origin first-byte latency (ms)', left: percentiles((p) => metrics.originLatency(p)), width }),
      new cloudwatch.GraphWidget({ title: 'Time to store (ms)', left: percentiles((p) => metrics.storeDuration(p)), width }),
      new cloudwatch.GraphWidget({
        title: 'Handler concurrency and throttles',
        left: [mirror.handler.metric('ConcurrentExecutions', { statistic: 'Maximum', label: 'Concurrent executions (max)' })],
        right: [mirror.handler.metricThrottles({ statistic: 'Sum', label: 'Throttles' })],
        width,
      }),
    );
    if (mirror.alarms.length > 0) {
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: mirror.alarms, width: 24, height: 2 }));
    }
  }
}

/** A widget whose content is built when the dashboard is rendered (at synth). */
class LazyWidget implements cloudwatch.IWidget {
  private x?: number;
  private y?: number;

  constructor(public readonly width: number, public readonly height: number, private readonly build: () => cloudwatch.IWidget) {}

  public position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  public toJson(): any[] {
    const widget = this.build();
    if (this.x !== undefined && this.y !== undefined) widget.position(this.x, this.y);
    return widget.toJson();
  }
}
