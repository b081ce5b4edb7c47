/**
 * The configuration the origin budget hands to its brake function, as Lambda environment variables: the construct
 * writes it with `toBrakeEnvironment`, the function reads it back with `fromBrakeEnvironment`.
 *
 * Imported by the construct at synth and bundled into the brake: it must import neither aws-cdk-lib nor the AWS SDK.
 */

/** Where the reset is scheduled when the budget has `resetAfter`. */
export interface ResetSchedule {
  /** Seconds from the brake to the reset. */
  readonly afterSeconds: number;
  /** The EventBridge Scheduler group the one-time schedule is made in (the mirror's own, deleted with the stack). */
  readonly groupName: string;
  /** The role EventBridge Scheduler invokes the brake with. */
  readonly roleArn: string;
}

/** What the brake acts on. */
export interface BrakeConfig {
  /** The mirror's fetch-and-store function. */
  readonly handlerName: string;
  /** The handler's reserved concurrency in the template, which a reset restores; undefined for none. */
  readonly reservedConcurrency?: number;
  /** The automatic reset, if any. */
  readonly reset?: ResetSchedule;
}

/** The environment variable of each setting. */
export const BRAKE_ENVIRONMENT_VARIABLES = {
  handlerName: 'MIRROR_HANDLER_NAME',
  reservedConcurrency: 'MIRROR_RESERVED_CONCURRENCY',
  resetAfterSeconds: 'MIRROR_RESET_AFTER_SECONDS',
  resetGroupName: 'MIRROR_RESET_SCHEDULE_GROUP',
  resetRoleArn: 'MIRROR_RESET_ROLE_ARN',
} as const;

/** The name of the one schedule the brake makes in its group. */
export const RESET_SCHEDULE_NAME = 'reset';

/** The environment variables that carry `config` ("" for a setting that is not there); `number` keeps tokens. */
export function toBrakeEnvironment(config: BrakeConfig, number: (value: number) => string = String): Record<string, string> {
  const names = BRAKE_ENVIRONMENT_VARIABLES;
  return {
    [names.handlerName]: config.handlerName,
    [names.reservedConcurrency]: config.reservedConcurrency === undefined ? '' : number(config.reservedConcurrency),
    [names.resetAfterSeconds]: config.reset ? number(config.reset.afterSeconds) : '',
    [names.resetGroupName]: config.reset?.groupName ?? '',
    [names.resetRoleArn]: config.reset?.roleArn ?? '',
  };
}

/** Reads the configuration back; throws one error naming every bad variable. */
export function fromBrakeEnvironment(env: Readonly<Record<string, string | undefined>>): BrakeConfig {
  const names = BRAKE_ENVIRONMENT_VARIABLES;
  const problems: string[] = [];
  const count = (name: string, min: number): number | undefined => {
    const raw = env[name] ?? '';
    if (raw === '') return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) problems.push(`${name} must be an integer of ${min} or more, got "${raw}"`);
    return Number(raw);
  };
  const handlerName = env[names.handlerName] ?? '';
  if (handlerName === '') problems.push(`${names.handlerName} is not set`);
  const reservedConcurrency = count(names.reservedConcurrency, 0);
  const afterSeconds = count(names.resetAfterSeconds, 1);
  const groupName = env[names.resetGroupName] ?? '';
  const roleArn = env[names.resetRoleArn] ?? '';
  if (afterSeconds !== undefined && (groupName === '' || roleArn === '')) {
    problems.push(`${names.resetAfterSeconds} needs ${names.resetGroupName} and ${names.resetRoleArn}`);
  }
  if (problems.length > 0) throw new Error(`Invalid cdk-mirror-origin brake configuration:\n- ${problems.join('\n- ')}`);
  return { handlerName, reservedConcurrency, reset: afterSeconds === undefined ? undefined : { afterSeconds, groupName, roleArn } };
}
