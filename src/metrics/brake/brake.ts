/**
 * The origin budget's brake, one action per event: `brake` sets the mirror handler's reserved concurrency to 0 (no
 * more fetches; hits never reach the handler) and, with an automatic reset, schedules it once; `reset` restores
 * exactly what the template says (the configured `reservedConcurrency`, or none) and drops a pending reset.
 * Its triggers: the budget alarm's Lambda action (state ALARM brakes), the one-time schedule and a deploy of the
 * stack (both reset), and a person with `{"action":"reset"}` (or `"brake"`).
 */
import { DeleteFunctionConcurrencyCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { BrakeConfig, RESET_SCHEDULE_NAME } from './environment';

/** What the brake works with. */
export interface BrakeDependencies {
  readonly config: BrakeConfig;
  readonly lambda: LambdaClient;
  readonly scheduler: SchedulerClient;
  /** The clock the reset is scheduled from (default: now). */
  readonly now?: () => Date;
  /** Where the line saying what was done goes (default: stdout). */
  readonly log?: (line: Record<string, unknown>) => void;
}

/** The parts of the invocation context the brake reads. */
export interface BrakeContext {
  /** This function's ARN, which the reset schedule invokes. */
  readonly invokedFunctionArn: string;
}

/** What an invocation did. */
export interface BrakeResult {
  readonly action: 'brake' | 'reset' | 'ignored';
  /** The handler's reserved concurrency afterwards (null: none, the account's unreserved pool). */
  readonly reservedConcurrency?: number | null;
  /** When the automatic reset will run (ISO 8601, UTC). */
  readonly resetAt?: string;
  /** Why nothing was done. */
  readonly reason?: string;
}

/** The event of a CloudWatch alarm's Lambda action, as far as the brake reads it. */
interface AlarmActionEvent {
  readonly source: 'aws.cloudwatch';
  readonly alarmArn?: string;
  readonly alarmData?: { readonly alarmName?: string; readonly state?: { readonly value?: string } };
}

/** Handles one event: an alarm action, or `{ action: 'brake' | 'reset' }`. */
export async function handleBrakeEvent(event: unknown, context: BrakeContext, deps: BrakeDependencies): Promise<BrakeResult> {
  const log = deps.log ?? ((line) => process.stdout.write(`${JSON.stringify(line)}\n`));
  const request = actionOf(event);
  let result: BrakeResult;
  if (request.action === 'brake') result = await brake(context, deps);
  else if (request.action === 'reset') result = await reset(deps);
  else result = { action: 'ignored', reason: request.reason };
  log({ ...result, handler: deps.config.handlerName, trigger: request.trigger });
  return result;
}

/** What the event asks for, and who asked. */
function actionOf(event: unknown): { action: 'brake' | 'reset' | 'ignored'; trigger: string; reason?: string } {
  const e = (event ?? {}) as Partial<AlarmActionEvent> & { action?: unknown };
  if (e.source === 'aws.cloudwatch') {
    const state = e.alarmData?.state?.value;
    const trigger = `alarm ${e.alarmData?.alarmName ?? e.alarmArn ?? '(unnamed)'}`;
    return state === 'ALARM' ? { action: 'brake', trigger } : { action: 'ignored', trigger, reason: `alarm state ${state ?? 'unknown'}` };
  }
  const trigger = typeof (e as { trigger?: unknown }).trigger === 'string' ? (e as { trigger: string }).trigger : 'request';
  if (e.action === 'brake' || e.action === 'reset') return { action: e.action, trigger };
  throw new Error(`Expected a CloudWatch alarm action or {"action":"brake"} or {"action":"reset"}, got ${JSON.stringify(event)}`);
}

/** Stops every fetch, and schedules the reset if there is one. */
async function brake(context: BrakeContext, deps: BrakeDependencies): Promise<BrakeResult> {
  const { config } = deps;
  await deps.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: config.handlerName, ReservedConcurrentExecutions: 0 }));
  if (!config.reset) return { action: 'brake', reservedConcurrency: 0 };
  const resetAt = new Date((deps.now ?? (() => new Date()))().getTime() + config.reset.afterSeconds * 1000);
  const schedule: CreateScheduleCommandInput = {
    GroupName: config.reset.groupName,
    Name: RESET_SCHEDULE_NAME,
    Description: `cdk-mirror-origin: turns fetching back on for ${config.handlerName}`,
    // at() takes a local date-time without zone or fraction; the zone is given apart.
    ScheduleExpression: `at(${resetAt.toISOString().slice(0, 19)})`,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: { Arn: unqualified(context.invokedFunctionArn), RoleArn: config.reset.roleArn, Input: JSON.stringify({ action: 'reset', trigger: 'schedule' }) },
  };
  try {
    await deps.scheduler.send(new CreateScheduleCommand(schedule));
  } catch (err) {
    // Braked again before the last reset ran: that reset moves to the new time.
    if (!(err instanceof ConflictException)) throw err;
    await deps.scheduler.send(new UpdateScheduleCommand(schedule));
  }
  return { action: 'brake', reservedConcurrency: 0, resetAt: resetAt.toISOString() };
}

/** Restores the template's reserved concurrency (or none), and drops a pending reset. */
async function reset(deps: BrakeDependencies): Promise<BrakeResult> {
  const { config } = deps;
  if (config.reservedConcurrency === undefined) {
    await deps.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: config.handlerName }));
  } else {
    await deps.lambda.send(new PutFunctionConcurrencyCommand({
      FunctionName: config.handlerName,
      ReservedConcurrentExecutions: config.reservedConcurrency,
    }));
  }
  if (config.reset) {
    try {
      await deps.scheduler.send(new DeleteScheduleCommand({ GroupName: config.reset.groupName, Name: RESET_SCHEDULE_NAME }));
    } catch (err) {
      // No reset pending (a reset by hand), or the schedule that invoked this deletes itself.
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
  return { action: 'reset', reservedConcurrency: config.reservedConcurrency ?? null };
}

/** A function ARN without its version or alias. */
function unqualified(functionArn: string): string {
  return functionArn.split(':').slice(0, 7).join(':');
}
