/**
 * What a run of the integration tests costs and how long it takes, estimated from the scenarios' own steps at
 * on-demand list prices (us-east-1, before any free tier). The figures are printed before anything is deployed.
 */
import { IntegScenario, traffic } from './scenario';

/** List prices the estimate uses (USD). */
export const PRICES = {
  cloudFrontHttpsRequest: 0.01 / 10_000,
  cloudFrontPerGb: 0.085,
  cloudFrontFunctionInvocation: 0.1 / 1_000_000,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaArmGbSecond: 0.0000133334,
  s3WriteOrListRequest: 0.005 / 1_000,
  s3ReadRequest: 0.0004 / 1_000,
  // The test origin's answers to the handler leave Lambda through its public URL: charged at most as internet egress.
  originEgressPerGb: 0.09,
  stepFunctionsTransition: 0.025 / 1_000,
  // GetMetricData: per metric requested.
  cloudWatchMetricRequested: 0.01 / 1_000,
  dynamoDbWriteRequest: 1.25 / 1_000_000,
  dynamoDbReadRequest: 0.25 / 1_000_000,
  // A custom metric (the handler's EMF ones are) costs $0.30 a month, prorated by the hour it receives data.
  customMetricHour: 0.30 / 730,
} as const;

/**
 * Upper bounds per use of what the new capabilities add: a job run's state transitions (Prepare, the Map and its one
 * child execution per batch, Summarise, Finish, with their choices and passes) and its Lambda invocations (prepare,
 * summarise, finish, one per batch); the metrics probe's GetMetricData calls (one per outcome and one for bytes, every
 * 5 s for at most its wait); and the lease writes and reads of each miss (take, renew, release; a waiter's polls).
 */
export const PER_USE = {
  jobTransitions: 40,
  jobLambdaInvocations: 4,
  metricsPollSeconds: 5,
  leaseWritesPerMiss: 3,
  leaseReadsPerMiss: 40,
  // Six metrics (Misses or the job's count, BytesFromOrigin, Streamed, Redirected, OriginLatency, StoreDuration), each
  // for the mirror and for each outcome it had: up to 4 sets per handler (or jobs' item function) in a run, for an hour.
  customMetricsPerWriter: 6 * 4,
} as const;

const GB = 1e9;

/** The estimate of one scenario. */
export interface ScenarioCost {
  readonly name: string;
  readonly viewerRequests: number;
  readonly viewerBytes: number;
  readonly lambdaInvocations: number;
  /** Step Functions state transitions of the jobs' runs. */
  readonly stateTransitions: number;
  /** Metrics requested from CloudWatch (GetMetricData). */
  readonly metricsRequested: number;
  /** Custom metrics the handlers and the jobs write (EMF), each billed for the hour of the run. */
  readonly customMetrics: number;
  readonly dollars: number;
}

/** Upper estimate for one scenario: every viewer request may invoke the handler and the origin once. */
export function scenarioCost(scenario: IntegScenario): ScenarioCost {
  const { requests, bytes } = traffic(scenario);
  const steps = scenario.steps.length;
  const jobRuns = scenario.steps.filter((step) => step.probe.kind === 'job-start').length;
  const stateTransitions = jobRuns * PER_USE.jobTransitions;
  const metricsRequested = scenario.steps.reduce((sum, step) => (step.probe.kind === 'metrics'
    ? sum + (step.probe.outcomes.length + 1) * Math.ceil(step.probe.waitSeconds / PER_USE.metricsPollSeconds + 1) : sum), 0);
  // The probe and the assertion provider once per step; the handler and the origin at most once per request;
  // the buckets' auto-delete provider on create and delete; the jobs' functions.
  const lambdaInvocations = 2 * steps + 2 * requests + 2 + jobRuns * PER_USE.jobLambdaInvocations;
  // The default mirror's handler, a second mirror's (what `extend` adds), the jobs' item function.
  const writers = 1 + (scenario.extend ? 1 : 0) + (scenario.jobs ? 1 : 0);
  const customMetrics = writers * PER_USE.customMetricsPerWriter;
  // At most 2 s at 1 GB each, plus the probe's waits (at 256 MB) for the distribution and for stores.
  const waitSeconds = scenario.steps.reduce((sum, step) => {
    const probe = step.probe;
    if (probe.kind === 'http') return sum + (probe.retryForSeconds ?? 0);
    if (probe.kind === 'head-object') return sum + (probe.waitSeconds ?? 0);
    if (probe.kind === 'abandon') return sum + probe.waitSeconds;
    if (probe.kind === 'job-report' || probe.kind === 'metrics') return sum + probe.waitSeconds;
    return sum;
  }, 0);
  const gbSeconds = lambdaInvocations * 2 + waitSeconds * 0.25;
  const dollars = requests * PRICES.cloudFrontHttpsRequest
    + (bytes / GB) * (PRICES.cloudFrontPerGb + PRICES.originEgressPerGb)
    + (scenario.mirrorProps.variantQueryStrings ? requests * PRICES.cloudFrontFunctionInvocation : 0)
    + lambdaInvocations * PRICES.lambdaRequest + gbSeconds * PRICES.lambdaArmGbSecond
    + requests * PRICES.s3WriteOrListRequest + (requests + steps) * PRICES.s3ReadRequest
    + requests * (PER_USE.leaseWritesPerMiss * PRICES.dynamoDbWriteRequest + PER_USE.leaseReadsPerMiss * PRICES.dynamoDbReadRequest)
    + stateTransitions * PRICES.stepFunctionsTransition + metricsRequested * PRICES.cloudWatchMetricRequested
    + customMetrics * PRICES.customMetricHour;
  return {
    name: scenario.name, viewerRequests: requests, viewerBytes: bytes, lambdaInvocations, stateTransitions, metricsRequested, customMetrics, dollars,
  };
}

/** Minutes one app takes, low and high: CloudFront takes 3–10 min to create and 5–15 min to delete a distribution. */
export const MINUTES_PER_APP = { low: 12, high: 30 } as const;

/** The lines printed before a run. */
export function costReport(scenarios: readonly IntegScenario[]): string[] {
  const costs = scenarios.map(scenarioCost);
  const total = costs.reduce((sum, cost) => sum + cost.dollars, 0);
  const lines = [`Estimate for ${scenarios.length} integ app(s), at us-east-1 on-demand list prices, before any free tier:`];
  for (const cost of costs) {
    const extras = [
      ...(cost.stateTransitions > 0 ? [`${cost.stateTransitions} Step Functions transitions`] : []),
      ...(cost.metricsRequested > 0 ? [`at most ${cost.metricsRequested} metrics read from CloudWatch`] : []),
      `at most ${cost.customMetrics} custom metrics for an hour`,
    ];
    lines.push(`  ${cost.name}: ${cost.viewerRequests} viewer requests, ${(cost.viewerBytes / 1e6).toFixed(1)} MB through CloudFront, ` +
      `at most ${cost.lambdaInvocations} Lambda invocations${extras.map((extra) => `, ${extra}`).join('')}: about $${cost.dollars.toFixed(4)}`);
  }
  lines.push(
    '  Free: creating and deleting CloudFront distributions, CloudFormation (custom resources included).',
    '  Counted: CloudFront requests ($0.01 per 10,000) and data ($0.085/GB), the test origin\'s egress (at most $0.09/GB),',
    '  Lambda (2 s at 1 GB per invocation, an upper bound), S3 requests, lease reads and writes (DynamoDB on demand),',
    '  Step Functions transitions ($0.025 per 1,000), GetMetricData ($0.01 per 1,000 metrics), the handlers\' EMF metrics',
    '  (custom metrics, $0.30 a month each, prorated: an hour each); storage (a few MB for under an hour) and CloudWatch',
    '  Logs (a few KB) round to nothing.',
    `  Total: about $${total.toFixed(4)}${total < 0.01 ? ', under one US cent' : ''}. Time: ${MINUTES_PER_APP.low}–${MINUTES_PER_APP.high} min per app, ` +
      `one after another: ${MINUTES_PER_APP.low * scenarios.length}–${MINUTES_PER_APP.high * scenarios.length} min.`,
  );
  return lines;
}
