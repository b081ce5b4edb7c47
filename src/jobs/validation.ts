/**
 * Synth-time checks of `MirrorJobsProps`, as "prop must …, got …" lines for the library's one validation error
 * (which names the construct path). A prop that is a token is skipped.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { keyPrefixProblem } from '../config';
import type { MirrorJobsProps } from './props';

/** Distributed Map's largest MaxConcurrency. */
const MAX_CONCURRENCY = 10_000;
/** Most items per batch the construct accepts (a batch's input must stay under 256 KiB; a key is up to 1 KiB). */
const MAX_BATCH_SIZE = 1_000;

/** Every problem with `props` (empty when all is well). */
export function jobsPropsProblems(props: MirrorJobsProps): string[] {
  const problems: string[] = [];
  const add = (prop: string, problem: string | undefined): void => {
    if (problem) problems.push(`${prop} ${problem}`);
  };
  add('maxConcurrency', integerProblem(props.maxConcurrency, 1, MAX_CONCURRENCY));
  add('batchSize', integerProblem(props.batchSize, 1, MAX_BATCH_SIZE));
  add('toleratedFailurePercentage', integerProblem(props.toleratedFailurePercentage, 0, 100));
  if (props.reportsPrefix !== undefined) {
    add('reportsPrefix', Token.isUnresolved(props.reportsPrefix) ? 'must be a plain string, not a token' : keyPrefixProblem(props.reportsPrefix));
  }
  add('reportsExpiration', expirationProblem(props));
  const mirrorBucket = props.mirror?.bucket;
  if (props.reportsBucket !== undefined && props.reportsBucket === mirrorBucket) {
    add('reportsBucket', 'must not be the mirror\'s bucket: viewers can read that bucket through the distribution, and the reports would be among the mirrored keys');
  }
  if (props.manifestBucket !== undefined && props.manifestBucket === mirrorBucket) {
    add('manifestBucket', 'must not be the mirror\'s bucket: viewers can read that bucket through the distribution (upload manifests to the reports bucket, the default)');
  }
  return problems;
}

function integerProblem(value: number | undefined, min: number, max: number): string | undefined {
  if (value === undefined || Token.isUnresolved(value)) return undefined;
  return Number.isInteger(value) && value >= min && value <= max ? undefined : `must be an integer from ${min} to ${max}, got ${value}`;
}

function expirationProblem(props: MirrorJobsProps): string | undefined {
  const expiration: Duration | undefined = props.reportsExpiration;
  if (expiration === undefined) return undefined;
  if (props.reportsBucket !== undefined) return 'applies only to the reports bucket the construct creates: set the lifecycle of your own reportsBucket yourself';
  if (expiration.isUnresolved()) return undefined;
  const days = expiration.toDays({ integral: false });
  return Number.isInteger(days) && days >= 1 ? undefined : `must be a whole number of days, at least 1, got ${expiration.toHumanString()}`;
}
