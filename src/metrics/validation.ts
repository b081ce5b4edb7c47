/**
 * Synth-time checks of the operations props of a mirror (`mirrorName`, `originBudget`), as "prop must …, got …".
 * A value that is a token is skipped (the handler checks `mirrorName` when it starts).
 */
import { Duration, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import type { MirrorOriginBudget, MirrorOriginProps } from '../props';
import { mirrorNameProblem } from './names';

/** Shortest and longest `resetAfter`: a schedule fires to the minute; Scheduler's `at()` is a date within reach. */
const RESET_AFTER_SECONDS = { min: 60, max: 365 * 24 * 60 * 60 };

/** Every problem with the operations props of `props`. */
export function operationsPropsProblems(props: MirrorOriginProps): string[] {
  const problems: string[] = [];
  if (props.mirrorName !== undefined && !Token.isUnresolved(props.mirrorName)) {
    const problem = mirrorNameProblem(props.mirrorName);
    if (problem) problems.push(`mirrorName ${problem}`);
  }
  if (props.originBudget) problems.push(...budgetProblems(props.originBudget));
  return problems;
}

function budgetProblems(budget: MirrorOriginBudget): string[] {
  const problems: string[] = [];
  if (budget.bytesPerHour === undefined && budget.requestsPerMinute === undefined) {
    problems.push('originBudget must set bytesPerHour, requestsPerMinute or both');
  }
  const bytes = budget.bytesPerHour;
  if (bytes !== undefined && !bytes.isUnresolved()) {
    const value = bytes.toBytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isSafeInteger(value) || value < 1) problems.push(`originBudget.bytesPerHour must be a whole number of bytes, at least 1, got ${value}`);
  }
  const requests = budget.requestsPerMinute;
  if (requests !== undefined && !Token.isUnresolved(requests) && !(Number.isSafeInteger(requests) && requests >= 1)) {
    problems.push(`originBudget.requestsPerMinute must be an integer of 1 or more, got ${requests}`);
  }
  const reset = budget.resetAfter;
  if (reset !== undefined && !reset.isUnresolved()) {
    const seconds = reset.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < RESET_AFTER_SECONDS.min || seconds > RESET_AFTER_SECONDS.max) {
      problems.push(`originBudget.resetAfter must be whole seconds from ${Duration.seconds(RESET_AFTER_SECONDS.min).toHumanString()} ` +
        `to ${Duration.seconds(RESET_AFTER_SECONDS.max).toHumanString()}, got ${reset.toHumanString()}`);
    }
  }
  return problems;
}
