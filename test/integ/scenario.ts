/**
 * An integration test scenario: how its mirror is configured, and the steps that check it. The same object
 * builds the app deployed to AWS (`test/<name>.integ.ts`) and the local run of its steps (`local-run.test.ts`).
 */
import type { Step } from './steps';
import type { MirrorJobsProps, MirrorOriginDistribution, MirrorOriginDistributionProps } from '../../src';

/** What a scenario may configure: every prop but the two the test app sets (the test origin and its own bucket). */
export type ScenarioMirrorProps = Omit<MirrorOriginDistributionProps, 'endpoint' | 'bucket'>;

/** One integration test app. */
export interface IntegScenario {
  /** The app's name: `test/<name>.integ.ts`, tasks `integ:<name>:*`, stack `cdk-mirror-origin-integ-<name>`. */
  readonly name: string;
  /** What the app shows, one line (the stack's description). */
  readonly description: string;
  /** The mirror's props, beyond the endpoint (the test origin) and the bucket (emptied and deleted on destroy). */
  readonly mirrorProps: ScenarioMirrorProps;
  /**
   * Anything else to set up on the mirror once it exists (a second mirror, say), the same on AWS and locally.
   * `originUrl` is the test origin's URL, ending with "/" (a second endpoint is a path under it).
   */
  readonly extend?: (mirror: MirrorOriginDistribution, context: { readonly originUrl: string }) => void;
  /** `MirrorJobs` on the default mirror, with these props; its reports (and manifests) go to a test bucket emptied on destroy. */
  readonly jobs?: Omit<MirrorJobsProps, 'mirror' | 'reportsBucket' | 'manifestBucket'>;
  /** The test origin records each request for a counted object (`content.ts`) in a test bucket the probe lists. */
  readonly countOriginRequests?: boolean;
  /** Run in order; the first usually waits for the new distribution to answer. */
  readonly steps: readonly Step[];
}

/** The first step of every scenario: ask until the new distribution answers (it may take a moment once created). */
export const WARM_UP: Step = {
  id: 'WarmUp',
  proves: 'the distribution answers through the mirror',
  probe: { kind: 'http', path: '/warmup.txt', retryForSeconds: 60 },
  expect: { status: 200 },
};

/** Viewer requests a scenario makes and bytes it moves through CloudFront (for the cost estimate). */
export function traffic(scenario: IntegScenario): { readonly requests: number; readonly bytes: number } {
  let requests = 0;
  let bytes = 0;
  for (const step of scenario.steps) {
    const probe = step.probe;
    if (probe.kind === 'abandon') {
      requests += 1;
      bytes += probe.afterBytes;
    }
    if (probe.kind === 'herd') {
      requests += probe.viewers;
      if (typeof step.expect.bytes === 'number') bytes += probe.viewers * step.expect.bytes;
    }
    if (probe.kind !== 'http') continue;
    requests += probe.follow ? 2 : 1;
    const expected = (probe.follow ? step.expect.then : step.expect) as { bytes?: unknown } | undefined;
    if (typeof expected?.bytes === 'number') bytes += expected.bytes;
  }
  return { requests, bytes };
}
