/**
 * Synth-time checks of the distribution's own props in `MirrorOriginDistributionProps` (its default mirror's props
 * are checked by `./validation`).
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { MirrorOriginDistributionProps } from './props';

/** CloudFront's limit on `DefaultRootObject`. */
const MAX_DEFAULT_ROOT_OBJECT_CHARS = 255;

/** Every problem with the distribution's own props, as "prop must …, got …" (empty when all is well). */
export function distributionPropsProblems(props: MirrorOriginDistributionProps): string[] {
  const problems: string[] = [];
  const add = (prop: string, problem: string | undefined): void => {
    if (problem) problems.push(`${prop} ${problem}`);
  };
  add('defaultRootObject', defaultRootObjectProblem(props.defaultRootObject));

  if (props.domainNames && !Token.isUnresolved(props.domainNames) && props.domainNames.length > 0 && !props.certificate) {
    problems.push(`domainNames needs certificate, an ACM certificate in us-east-1 that covers ${props.domainNames.join(', ')}: ` +
      'CloudFront refuses alternate domain names without one (at deployment)');
  }
  if (props.enableLogging === false && props.logBucket) {
    problems.push('logBucket is given but enableLogging is false: drop logBucket, or set enableLogging to true');
  }
  if (props.logFilePrefix !== undefined && !props.enableLogging && !props.logBucket) {
    problems.push('logFilePrefix needs logging: set enableLogging to true or give a logBucket');
  }
  return problems;
}


/**
 * CloudFront writes standard logs through ACLs: a bucket defined in this app whose object ownership
 * disables them (BucketOwnerEnforced, also S3's default when none is set) would fail at deployment.
 * An imported bucket, or ownership given as a token, cannot be checked. Run at synth (the app can still
 * change a bucket's ownership after the construct is made, as `allowLogDelivery()` does), as "logBucket …".
 */
export function logBucketProblem(bucket: s3.IBucket): string | undefined {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) return undefined;
  // The L2 bucket gives its ownership as a lazy value: resolved, it is plain data or CloudFormation (a Ref, say).
  const controls: unknown = Stack.of(cfn).resolve(cfn.ownershipControls);
  const rules: unknown = controls === undefined ? [] : (controls as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return undefined;
  const ownership = rules.map((rule) => (rule as { objectOwnership?: unknown } | undefined)?.objectOwnership);
  if (ownership.some((value) => typeof value !== 'string')) return undefined;
  if (ownership.length > 0 && !ownership.includes('BucketOwnerEnforced')) return undefined;
  return 'logBucket must allow ACLs, which CloudFront writes its logs with: create it with objectOwnership ' +
    `OBJECT_WRITER or BUCKET_OWNER_PREFERRED (got ${ownership.length > 0 ? ownership.join(', ') : 'none, which S3 takes as BucketOwnerEnforced'}), ` +
    'or leave logBucket out and set enableLogging for a bucket made for it';
}


/** Why `value` cannot be the object served for "/" (so "/" would list the bucket). */
export function defaultRootObjectProblem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Token.isUnresolved(value)) {
    return 'must be a plain string, not a token: an empty value at deploy time would make "/" list the bucket, and nothing could check it';
  }
  const expected = `must be an object name such as "index.html" (not empty, no leading "/", no control characters, at most ${MAX_DEFAULT_ROOT_OBJECT_CHARS} characters), since "/" would otherwise list the bucket`;
  // eslint-disable-next-line no-control-regex
  const bad = value === '' || value.startsWith('/') || /[\u0000-\u001f\u007f]/.test(value) || value.length > MAX_DEFAULT_ROOT_OBJECT_CHARS;
  return bad ? `${expected}, got ${JSON.stringify(value)}` : undefined;
}

