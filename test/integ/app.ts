/**
 * Builds the integration test app of a scenario: a stack with the test origin, the mirror under test and the
 * probe, and an assertion stack that invokes the probe once per step, in order, matching what it reports.
 * Synth fails on any cdk-nag finding nobody acknowledged, so the snapshot check also checks cdk-nag.
 */
import { ExpectedResult, IntegTest, LambdaInvokeFunction, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Aspects, CfnResource, IAspect, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { buildScenario } from './build';
import { Probe, TestOrigin, testBucket } from './fixture';
import type { IntegScenario } from './scenario';

/** The stack under test's name; the assertion stack's is this plus `-assertions`. */
export function stackName(scenario: IntegScenario): string {
  return `cdk-mirror-origin-integ-${scenario.name}`;
}

/** Prefix of the assertion outputs (`AssertionResultsStep<id>`) that integ-tests writes for each step. */
export const STEP_OUTPUT_PREFIX = 'AssertionResultsStep';

/** The app of `scenario`, ready to synthesize. */
export function integApp(scenario: IntegScenario, app = newApp()): App {
  const stack = new Stack(app, 'Test', { stackName: stackName(scenario), description: scenario.description });
  const requestsBucket = scenario.countOriginRequests ? testBucket(stack, 'OriginRequestsBucket') : undefined;
  const origin = new TestOrigin(stack, 'Origin', { requestsBucket });
  const bucket = testBucket(stack, 'MirrorBucket');
  const reportsBucket = scenario.jobs ? testBucket(stack, 'ReportsBucket') : undefined;
  const { mirror, jobs } = buildScenario(stack, scenario, { originUrl: origin.url, bucket, reportsBucket });
  const probe = new Probe(stack, 'Probe', {
    distribution: mirror.distribution,
    bucket,
    originRequestsBucket: requestsBucket,
    jobs,
    readsMetrics: scenario.steps.some((step) => step.probe.kind === 'metrics'),
  });

  const assertions = new Stack(app, 'Assertions', {
    stackName: `${stackName(scenario)}-assertions`,
    description: `${scenario.description}: the assertions`,
  });
  new IntegTest(app, 'Integ', { testCases: [stack], assertionStack: assertions, diffAssets: false });
  let previous: LambdaInvokeFunction | undefined;
  for (const step of scenario.steps) {
    const call = new LambdaInvokeFunction(assertions, `Step${step.id}`, {
      functionName: probe.function.functionName,
      payload: JSON.stringify(step.probe),
    });
    call.expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike({ ...step.expect, ...step.expectOnAws })) }));
    // One after the other: a step sees what the steps before it did (a miss stored, then a hit).
    previous?.next(call);
    previous = call;
  }

  for (const scope of [stack, assertions]) Aspects.of(scope).add(new EveryFunctionLogsToItsOwnGroup());
  Aspects.of(assertions).add(new FixedSalt());
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** An app whose cross-stack reference (the probe's name, read by the assertion stack) is explicitly a plain export. */
function newApp(): App {
  return new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
}

/**
 * integ-tests salts each assertion with `Date.now()` so that a redeploy runs it again; every run here deploys
 * afresh and destroys, and the snapshot must equal a fresh synth, so the salt is fixed.
 */
class FixedSalt implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnResource && node.cfnResourceType.startsWith('Custom::DeployAssert')) node.addPropertyOverride('salt', 'integ');
  }
}

/**
 * Functions created by other libraries (integ-tests' assertion provider, the bucket's auto-delete provider)
 * log to a group Lambda creates, which outlives the stack: each gets a group of the stack, deleted with it.
 */
class EveryFunctionLogsToItsOwnGroup implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== 'AWS::Lambda::Function') return;
    if (node instanceof lambda.CfnFunction && node.loggingConfig !== undefined) return;
    const group = new logs.CfnLogGroup(node.node.scope!, `${node.node.id}LogGroup`, { retentionInDays: 1 });
    group.applyRemovalPolicy(RemovalPolicy.DESTROY);
    node.addPropertyOverride('LoggingConfig.LogGroup', group.ref);
  }
}
