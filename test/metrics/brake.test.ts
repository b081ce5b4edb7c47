/**
 * The origin budget's brake and its reset, against the AWS SDK (aws-sdk-client-mock: no AWS account here), with the
 * configuration the construct writes into the template: braking sets the handler's reserved concurrency to 0 (and
 * schedules the automatic reset), a reset restores exactly the template's value (or none) and drops the schedule.
 */
import { DeleteFunctionConcurrencyCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { MirrorOriginDistribution, MirrorOriginDistributionProps } from '../../src';
import { BrakeResult, handleBrakeEvent } from '../../src/metrics/brake/brake';
import { BrakeConfig, fromBrakeEnvironment, toBrakeEnvironment } from '../../src/metrics/brake/environment';

const lambdaMock = mockClient(LambdaClient);
const schedulerMock = mockClient(SchedulerClient);
const lambda = new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const scheduler = new SchedulerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

const BRAKE_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:Stack-MirrorBrake-abc';
const NOW = new Date('2026-03-04T05:06:07.890Z');
/** What CloudWatch sends the brake when the budget alarm goes to ALARM (the parts that matter, and some that do not). */
const ALARM_EVENT = {
  source: 'aws.cloudwatch',
  alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Stack-BytesAlarm',
  accountId: '123456789012',
  time: '2026-03-04T05:06:07.000+0000',
  region: 'eu-west-1',
  alarmData: { alarmName: 'Stack-BytesAlarm', state: { value: 'ALARM', reason: 'Threshold Crossed' }, previousState: { value: 'OK' } },
};

/** The brake's configuration as a stack with `props` writes it into the brake function's environment. */
function configFromTemplate(props: Partial<MirrorOriginDistributionProps>): BrakeConfig {
  const stack = new Stack(new App(), 'Stack');
  new MirrorOriginDistribution(stack, 'Mirror', { endpoint: 'https://example.com', ...props });
  const fn = Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
    .find((f) => String(f.Properties.Description).includes('origin budget'));
  // Refs stand for names only known at deploy; the numbers the template holds are what a reset restores.
  const env = Object.fromEntries(Object.entries<unknown>(fn.Properties.Environment.Variables)
    .map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]));
  return fromBrakeEnvironment(env);
}

function brake(event: unknown, config: BrakeConfig): Promise<BrakeResult> {
  return handleBrakeEvent(event, { invokedFunctionArn: `${BRAKE_ARN}:$LATEST` }, { config, lambda, scheduler, now: () => NOW, log: () => undefined });
}

beforeEach(() => {
  lambdaMock.reset();
  schedulerMock.reset();
  lambdaMock.onAnyCommand().resolves({});
  schedulerMock.onAnyCommand().resolves({});
});

describe('a budget without an automatic reset, for a handler with reservedConcurrency 7', () => {
  const config = configFromTemplate({ reservedConcurrency: 7, originBudget: { requestsPerMinute: 100 } });

  test('the template tells the brake the handler and its reserved concurrency, and no reset', () => {
    expect(config).toEqual({ handlerName: 'resolved-MIRROR_HANDLER_NAME', reservedConcurrency: 7, reset: undefined });
  });

  test('the alarm going to ALARM sets the handler\'s reserved concurrency to 0, and nothing else', async () => {
    expect(await brake(ALARM_EVENT, config)).toEqual({ action: 'brake', reservedConcurrency: 0 });
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: config.handlerName, ReservedConcurrentExecutions: 0 },
    ]);
    expect(lambdaMock.calls()).toHaveLength(1);
    expect(schedulerMock.calls()).toHaveLength(0);
  });

  test('the reset restores the template\'s 7, not the account\'s pool and not 0', async () => {
    expect(await brake({ action: 'reset' }, config)).toEqual({ action: 'reset', reservedConcurrency: 7 });
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: config.handlerName, ReservedConcurrentExecutions: 7 },
    ]);
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
    expect(schedulerMock.calls()).toHaveLength(0);
  });

  test('a deploy of the stack (its EventBridge rule\'s input) resets too, and says so in the log', async () => {
    const logged: Array<Record<string, unknown>> = [];
    await handleBrakeEvent({ action: 'reset', trigger: 'deploy' }, { invokedFunctionArn: BRAKE_ARN }, { config, lambda, scheduler, log: (l) => logged.push(l) });
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)[0].args[0].input.ReservedConcurrentExecutions).toBe(7);
    expect(logged).toEqual([{ action: 'reset', reservedConcurrency: 7, handler: config.handlerName, trigger: 'deploy' }]);
  });

  test('other alarm states do nothing', async () => {
    const ok = { ...ALARM_EVENT, alarmData: { ...ALARM_EVENT.alarmData, state: { value: 'OK' } } };
    expect(await brake(ok, config)).toEqual({ action: 'ignored', reason: 'alarm state OK' });
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  test('an event that is neither an alarm nor an action is refused', async () => {
    await expect(brake({ action: 'explode' }, config)).rejects.toThrow(/Expected a CloudWatch alarm action or \{"action":"brake"\}/);
    expect(lambdaMock.calls()).toHaveLength(0);
  });
});

describe('a budget with resetAfter, for a handler without reserved concurrency', () => {
  const config = configFromTemplate({ originBudget: { bytesPerHour: Size.gibibytes(1), resetAfter: Duration.minutes(90) } });

  test('the template tells the brake no reserved concurrency, and the schedule\'s delay, group and role', () => {
    expect(config).toEqual({
      handlerName: 'resolved-MIRROR_HANDLER_NAME',
      reservedConcurrency: undefined,
      // The group's name is made at synth (the mirror's own group, deleted with the stack).
      reset: { afterSeconds: 5400, groupName: expect.stringMatching(/^Stack-Mirror-OriginBudget-ResetSchedules-/), roleArn: 'resolved-MIRROR_RESET_ROLE_ARN' },
    });
  });

  test('braking schedules one reset, 90 minutes on, that invokes this function (unqualified) with {"action":"reset"}', async () => {
    expect(await brake(ALARM_EVENT, config)).toEqual({ action: 'brake', reservedConcurrency: 0, resetAt: '2026-03-04T06:36:07.890Z' });
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)[0].args[0].input.ReservedConcurrentExecutions).toBe(0);
    expect(schedulerMock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([expect.objectContaining({
      GroupName: config.reset!.groupName,
      Name: 'reset',
      ScheduleExpression: 'at(2026-03-04T06:36:07)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: BRAKE_ARN, RoleArn: config.reset!.roleArn, Input: '{"action":"reset","trigger":"schedule"}' },
    })]);
  });

  test('braked again before the reset ran: the pending reset moves to the new time', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    await brake(ALARM_EVENT, config);
    expect(schedulerMock.commandCalls(UpdateScheduleCommand).map((c) => c.args[0].input.ScheduleExpression)).toEqual(['at(2026-03-04T06:36:07)']);
  });

  test('the reset removes the reserved concurrency (none in the template) and the pending schedule', async () => {
    expect(await brake({ action: 'reset' }, config)).toEqual({ action: 'reset', reservedConcurrency: null });
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand).map((c) => c.args[0].input)).toEqual([{ FunctionName: config.handlerName }]);
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(schedulerMock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([{ GroupName: config.reset!.groupName, Name: 'reset' }]);
  });

  test('a reset with no schedule pending (a reset by hand, or the schedule deleting itself) still succeeds', async () => {
    schedulerMock.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    expect(await brake({ action: 'reset' }, config)).toEqual({ action: 'reset', reservedConcurrency: null });
  });

  test('a failure to schedule the reset fails the invocation (the alarm action is retried) after the brake held', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    await expect(brake(ALARM_EVENT, config)).rejects.toThrow('AccessDenied');
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(1);
  });
});

describe('the brake\'s configuration', () => {
  test('reads back what the construct writes', () => {
    const config: BrakeConfig = { handlerName: 'fn', reservedConcurrency: 0, reset: { afterSeconds: 60, groupName: 'g', roleArn: 'arn:role' } };
    expect(fromBrakeEnvironment(toBrakeEnvironment(config))).toEqual(config);
    expect(fromBrakeEnvironment(toBrakeEnvironment({ handlerName: 'fn' }))).toEqual({ handlerName: 'fn', reservedConcurrency: undefined, reset: undefined });
  });

  test('refuses a bad environment with every problem', () => {
    expect(() => fromBrakeEnvironment({ MIRROR_RESERVED_CONCURRENCY: '-1', MIRROR_RESET_AFTER_SECONDS: '60' })).toThrow(
      'Invalid cdk-mirror-origin brake configuration:\n- MIRROR_HANDLER_NAME is not set\n' +
      '- MIRROR_RESERVED_CONCURRENCY must be an integer of 0 or more, got "-1"\n' +
      '- MIRROR_RESET_AFTER_SECONDS needs MIRROR_RESET_SCHEDULE_GROUP and MIRROR_RESET_ROLE_ARN');
  });
});
