/**
 * What a scenario puts in its stack beside the test's own fixtures, the same on AWS (app.ts) and locally
 * (local-run.test.ts): the mirror under test, whatever `extend` adds to it, and its jobs.
 */
import type { Stack } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IntegScenario } from './scenario';
import { MirrorJobs, MirrorOriginDistribution } from '../../src';

/** The constructs under test. */
export interface ScenarioConstructs {
  readonly mirror: MirrorOriginDistribution;
  readonly jobs?: MirrorJobs;
}

/** Builds the scenario's mirror (in front of `originUrl`, which ends with "/") and its jobs in `stack`. */
export function buildScenario(
  stack: Stack, scenario: IntegScenario, options: { readonly originUrl: string; readonly bucket?: s3.IBucket; readonly reportsBucket?: s3.IBucket },
): ScenarioConstructs {
  const mirror = new MirrorOriginDistribution(stack, 'Mirror', { ...scenario.mirrorProps, endpoint: options.originUrl, bucket: options.bucket });
  scenario.extend?.(mirror, { originUrl: options.originUrl });
  const jobs = scenario.jobs ? new MirrorJobs(stack, 'Jobs', { ...scenario.jobs, mirror: mirror.mirror, reportsBucket: options.reportsBucket }) : undefined;
  return { mirror, jobs };
}
