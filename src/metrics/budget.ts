/**
 * The origin budget (`originBudget`): one alarm (a metric alarm for one limit; with both, a composite alarm over one
 * metric alarm per limit), whose Lambda action runs the brake function (`./brake`), which sets the handler's reserved
 * concurrency to 0. All AWS-native and off the hit
 * path: hits never reach the handler, and nothing runs until an alarm fires. With `resetAfter`, the brake schedules
 * its own reset in an EventBridge Scheduler group of its own (deleted with the stack); a deploy that updates the
 * stack resets it too (CloudFormation's own event), so the template's concurrency holds after every deploy.
 */
import { Duration, RemovalPolicy, Stack, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { BrakeFunction } from './brake/brake-function';
import { RESET_SCHEDULE_NAME, ResetSchedule, toBrakeEnvironment } from './brake/environment';
import type { MirrorMetrics } from './mirror-metrics';
import { describedName } from './names';
import type { MirrorOriginBudget } from '../props';

/** What the budget is made from. */
export interface BudgetContext {
  readonly budget: MirrorOriginBudget;
  readonly metrics: MirrorMetrics;
  /** The handler the brake acts on. */
  readonly handler: lambda.IFunction;
  /** The reserved concurrency the template gives the handler (a reset restores it). */
  readonly reservedConcurrency?: number;
  readonly mirrorName: string;
  readonly logRetention: logs.RetentionDays;
}

/** The most characters CloudWatch takes in an alarm's description. */
export const ALARM_DESCRIPTION_MAX = 1024;

/** The budget's alarm and the brake it runs. */
export class OriginBudget extends Construct {
  /** The alarm that stops fetching: the only one of the budget with an action. */
  public readonly alarm: cloudwatch.AlarmBase;
  /** The function that stops fetching, and turns it back on (`{"action":"reset"}`). */
  public readonly brake: lambda.Function;

  constructor(scope: Construct, id: string, context: BudgetContext) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'BrakeLogGroup', { retention: context.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'BrakeRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-mirror-origin origin budget: sets the mirror handler\'s reserved concurrency, writes its logs',
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'],
      resources: [context.handler.functionArn],
    }));
    const reset = context.budget.resetAfter ? this.resetSchedule(role, context.budget.resetAfter) : undefined;
    this.brake = new BrakeFunction(this, 'Brake', {
      description: 'cdk-mirror-origin: stops the mirror from fetching when its origin budget is exceeded, and turns it back on',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      environment: toBrakeEnvironment(
        { handlerName: context.handler.functionName, reservedConcurrency: context.reservedConcurrency, reset: reset?.schedule },
        (value) => Tokenization.stringifyNumber(value),
      ),
    });
    // Invoked only by the alarms, the schedule and people with lambda:InvokeFunction: never on a viewer's path.
    reset?.schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.brake.functionArn] }));

    // CloudFormation only writes the reserved concurrency when the template's value changes: without this, a deploy
    // would leave a braked handler braked.
    new events.Rule(this, 'ResetOnDeploy', {
      description: 'cdk-mirror-origin: a deploy of this stack turns fetching back on (the origin budget\'s reset)',
      eventPattern: {
        source: ['aws.cloudformation'],
        detailType: ['CloudFormation Stack Status Change'],
        resources: [Stack.of(this).stackId],
        detail: { 'status-details': { status: ['UPDATE_COMPLETE'] } },
      },
      targets: [new targets.LambdaFunction(this.brake, { event: events.RuleTargetInput.fromObject({ action: 'reset', trigger: 'deploy' }) })],
    });
    this.alarm = this.budgetAlarm(context);
    // aws-cdk's LambdaAction names its permission the same for every alarm (unless a feature flag says otherwise).
    this.brake.addPermission(`${this.alarm.node.id}Invoke`, {
      principal: new iam.ServicePrincipal('lambda.alarms.cloudwatch.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
      sourceArn: this.alarm.alarmArn,
    });
    this.alarm.addAlarmAction({ bind: () => ({ alarmActionArn: this.brake.functionArn }) });
  }

  /** The group and role of the reset's one-time schedule, and the brake's right to use them. */
  private resetSchedule(brakeRole: iam.Role, after: Duration): { schedule: ResetSchedule; schedulerRole: iam.Role } {
    const group = new scheduler.ScheduleGroup(this, 'ResetSchedules', { removalPolicy: RemovalPolicy.DESTROY });
    const schedulerRole = new iam.Role(this, 'ResetSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'cdk-mirror-origin origin budget: lets EventBridge Scheduler run the brake\'s reset',
    });
    brakeRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      resources: [Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group.scheduleGroupName}/${RESET_SCHEDULE_NAME}` })],
    }));
    schedulerRole.grantPassRole(brakeRole);
    return { schedule: { afterSeconds: after.toSeconds(), groupName: group.scheduleGroupName, roleArn: schedulerRole.roleArn }, schedulerRole };
  }

  /**
   * The alarm that stops fetching, saying what happened and how to turn fetching back on: the one limit's alarm, or,
   * with both limits, a composite alarm over the two (so that a mirror has at most three alarms to watch and act on).
   */
  private budgetAlarm(context: BudgetContext): cloudwatch.AlarmBase {
    const { budget, metrics, mirrorName } = context;
    const turnOn = 'To turn fetching back on (it restores the reservedConcurrency of the template, or none; a deploy that updates ' +
      'the stack does it too): aws lambda invoke ' +
      `--function-name ${this.brake.functionName} --cli-binary-format raw-in-base64-out --payload '{"action":"reset"}' /dev/stdout` +
      (budget.resetAfter ? `. It also turns back on by itself ${budget.resetAfter.toHumanString()} after the brake.` : '.');
    const what = `cdk-mirror-origin ${describedName(mirrorName)}: ORIGIN BUDGET EXCEEDED. When this alarm fires, fetching from the origin stops ` +
      '(the handler\'s reserved concurrency is set to 0): objects in the bucket are still served, misses get errors from CloudFront. ' +
      'Find out why first: the handler\'s log lines name every key fetched (a flood of unique missing paths is a crawler or an attack: ' +
      'a WAF rate rule stops it). ';
    // One alarm per limit: above its threshold in one period of its metric.
    const limit = (id: string, metric: cloudwatch.Metric, threshold: number, exceeded: string) => ({
      exceeded,
      alarm: (description: string) => metric.createAlarm(this, id, {
        alarmDescription: description,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    });
    const limits = [];
    if (budget.bytesPerHour) {
      const bytes = budget.bytesPerHour.toBytes();
      limits.push(limit('BytesAlarm', metrics.bytesFromOrigin({ period: Duration.hours(1) }), bytes, `More than ${bytes} bytes came from the origin in an hour.`));
    }
    if (budget.requestsPerMinute !== undefined) {
      const requests = budget.requestsPerMinute;
      limits.push(limit('RequestsAlarm', metrics.originRequests({ period: Duration.minutes(1) }), requests, `More than ${requests} requests went to the origin in a minute.`));
    }
    if (limits.length === 1) return limits[0].alarm(`${what}${limits[0].exceeded} ${turnOn}`);
    const parts = limits.map((one) => one.alarm(`cdk-mirror-origin ${describedName(mirrorName)}: one limit of the ` +
      `origin budget. ${one.exceeded} It has no action of its own: the budget's composite alarm (BudgetAlarm) stops fetching.`));
    return new cloudwatch.CompositeAlarm(this, 'BudgetAlarm', {
      alarmRule: cloudwatch.AlarmRule.anyOf(...parts.map((alarm) => cloudwatch.AlarmRule.fromAlarm(alarm, cloudwatch.AlarmState.ALARM))),
      alarmDescription: `${what}${limits.map((one, i) => sentencePart(one.exceeded, i)).join(', or ')}. ${turnOn}`,
    });
  }
}

/** A sentence as the `i`th clause of a longer one: without its full stop, and lower-cased after the first. */
function sentencePart(sentence: string, i: number): string {
  const clause = sentence.replace(/\.$/, '');
  return i === 0 ? clause : clause[0].toLowerCase() + clause.slice(1);
}
