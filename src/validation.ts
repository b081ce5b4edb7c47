/**
 * Synth-time checks of `MirrorOriginDistributionProps`, and every message the
 * construct shows a user (errors and warnings), in one place.
 *
 * Rules the handler also applies at run time come from `./config`, never
 * re-implemented here. A prop that is a token is skipped: the handler checks it
 * when it starts (`fromEnvironment`).
 */
import { Duration, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  DEFAULTS,
  FUNCTION_URL_READ_TIMEOUT_SECONDS,
  MAX_ORIGIN_TIMEOUT_MS,
  MAX_PARTS,
  MAX_S3_OBJECT_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  endpointProblem,
  forwardHeaderProblem,
  headerValueProblem,
  keyPrefixProblem,
  originHeaderNameProblem,
  partSizeFor,
  UPLOAD_QUEUE_SIZE,
  variantQueryStringsProblems,
} from './config';
import type { MirrorOriginDistributionProps } from './props';

/** The `@default` of every construct prop that has one; the handler's own defaults come from `DEFAULTS`. */
export const PROP_DEFAULTS = {
  minTtl: Duration.seconds(0),
  defaultTtl: Duration.days(1),
  maxTtl: Duration.days(365),
  notFoundTtl: Duration.seconds(DEFAULTS.notFoundTtlSeconds),
  originResponseTimeout: Duration.millis(DEFAULTS.originResponseTimeoutMs),
  originIdleTimeout: Duration.millis(DEFAULTS.originIdleTimeoutMs),
  streamThreshold: Size.bytes(DEFAULTS.streamThresholdBytes),
  maxObjectSize: Size.bytes(DEFAULTS.maxObjectSizeBytes),
  memorySize: 1024,
  handlerTimeout: Duration.minutes(5),
  fallbackStatusCodes: [404] as readonly number[],
  defaultRootObject: 'index.html',
} as const;

/** Status codes CloudFront accepts as failover criteria of an origin group. */
export const FAILOVER_STATUS_CODES: readonly number[] = [400, 403, 404, 416, 500, 502, 503, 504];
/** Lambda's memory range, MiB. */
const MEMORY_MIB = { min: 128, max: 10_240 };
/** Lambda's longest timeout. */
const MAX_HANDLER_TIMEOUT_SECONDS = 15 * 60;
/** Longest `max-age` the handler accepts for a 404 (`fromEnvironment`'s range). */
const MAX_NOT_FOUND_TTL_SECONDS = 365 * 24 * 60 * 60;
/** CloudFront's limit on `DefaultRootObject`. */
const MAX_DEFAULT_ROOT_OBJECT_CHARS = 255;

/** Ids of the warnings the construct adds (acknowledge them with `Annotations.of(mirror).acknowledgeWarning(id)`). */
export const WARNING_IDS = {
  minTtl: 'cdk-mirror-origin:minTtl',
  cachePolicyMinTtl: 'cdk-mirror-origin:cachePolicyMinTtl',
  forwardHeadersQuota: 'cdk-mirror-origin:forwardHeadersQuota',
  memory: 'cdk-mirror-origin:memory',
} as const;

/** CloudFront's default quota of headers in one origin request policy. */
export const ORIGIN_REQUEST_POLICY_HEADER_QUOTA = 10;

/** The texts of those warnings. */
export const WARNINGS = {
  minTtl: (seconds: number): string =>
    `minTtl is ${seconds} s: CloudFront then caches for at least that long the handler's redirect for objects above ` +
    'streamThreshold and for objects the origin sends encoded (a redirect to the same URL that loops while cached). Keep minTtl at 0.',
  cachePolicyMinTtl: (seconds: number | undefined): string =>
    (seconds === undefined
      ? 'The minimum TTL of cachePolicy cannot be checked at synth (an imported policy that is not a known managed one, or a token).'
      : `cachePolicy has a minimum TTL of ${seconds} s.`) +
    ' With a minimum TTL above 0 CloudFront caches the handler\'s redirect for objects above streamThreshold and for objects ' +
    'the origin sends encoded (a redirect to the same URL that loops while cached). Use a policy with a minimum TTL of 0.',
  memory: (thresholdBytes: number, maxObjectBytes: number, partBytes: number, memoryMiB: number): string =>
    `A miss can hold ${mib(thresholdBytes + (UPLOAD_QUEUE_SIZE + 1) * partBytes)} MiB of the object in the handler's memory, ` +
    `more than half of its ${memoryMiB} MiB: up to streamThreshold (${mib(thresholdBytes)} MiB), which a streamed object ` +
    `fills while a slow viewer reads it (Lambda sends about 2 MB/s after the first 6 MB), plus ${UPLOAD_QUEUE_SIZE + 1} ` +
    `upload parts of ${mib(partBytes)} MiB (maxObjectSize is ${maxObjectBytes} bytes and S3 takes at most ${MAX_PARTS} parts). ` +
    'Raise memorySize, or lower streamThreshold or maxObjectSize.',
  forwardHeadersQuota: (count: number): string =>
    `forwardHeaders names ${count} headers; CloudFront allows ${ORIGIN_REQUEST_POLICY_HEADER_QUOTA} in an origin request policy ` +
    'unless the quota "Headers per origin request policy" was raised, and the deployment fails otherwise.',
} as const;

function mib(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}

/**
 * The warning when what one miss can hold in memory takes more than half the handler's: a streamed object up to
 * `streamThreshold` (viewer writes do not wait, and the read-ahead of an unknown length holds as much) plus the upload's
 * part buffers (sized by `maxObjectSize` when the length is unknown). Undefined when it fits or a value is a token.
 */
export function memoryWarning(streamThreshold: Size, maxObjectSize: Size, memoryMiB: number): string | undefined {
  if (streamThreshold.isUnresolved() || maxObjectSize.isUnresolved() || Token.isUnresolved(memoryMiB)) return undefined;
  const thresholdBytes = streamThreshold.toBytes({ rounding: SizeRoundingBehavior.NONE });
  const maxBytes = maxObjectSize.toBytes({ rounding: SizeRoundingBehavior.NONE });
  const partBytes = partSizeFor(maxBytes);
  const held = thresholdBytes + (UPLOAD_QUEUE_SIZE + 1) * partBytes;
  return held > (memoryMiB * 1024 * 1024) / 2 ? WARNINGS.memory(thresholdBytes, maxBytes, partBytes, memoryMiB) : undefined;
}

/** The one error the construct throws: one line per problem, each naming the construct path and the prop. */
export function validationError(path: string, problems: readonly string[]): Error {
  return new Error(problems.map((problem) => `[${path}] ${problem}`).join('\n'));
}

/** Every problem with `props`, as "prop must …, got …" (empty when all is well). */
export function propsProblems(props: MirrorOriginDistributionProps): string[] {
  const problems: string[] = [];
  const add = (prop: string, problem: string | undefined): void => {
    if (problem) problems.push(`${prop} ${problem}`);
  };

  if (!Token.isUnresolved(props.endpoint)) add('endpoint', endpointProblem(props.endpoint));

  if (props.keyPrefix !== undefined) {
    add('keyPrefix', Token.isUnresolved(props.keyPrefix)
      ? 'must be a plain string, not a token: it also becomes the S3 origin\'s path at synth'
      : keyPrefixProblem(props.keyPrefix));
  }

  problems.push(...ttlProblems(props));
  add('notFoundTtl', wholeSecondsProblem(props.notFoundTtl, 0, MAX_NOT_FOUND_TTL_SECONDS, 'whole seconds from 0 s to 365 days'));

  problems.push(...forwardHeadersProblems(props.forwardHeaders ?? []));
  problems.push(...originHeadersProblems(props.originHeaders ?? {}));

  problems.push(...timeoutProblems(props));
  problems.push(...tokenUnitProblems(props));

  add('streamThreshold', sizeProblem(props.streamThreshold, 0, MAX_STREAMED_RESPONSE_BYTES,
    `from 0 to ${MAX_STREAMED_RESPONSE_BYTES} bytes (200 MB, Lambda's limit on a streamed response)`));
  add('maxObjectSize', sizeProblem(props.maxObjectSize, 1, MAX_S3_OBJECT_BYTES,
    `from 1 byte to ${MAX_S3_OBJECT_BYTES} bytes (5 TiB, S3's largest object)`));

  add('memorySize', integerProblem(props.memorySize, MEMORY_MIB.min, MEMORY_MIB.max, `an integer from ${MEMORY_MIB.min} to ${MEMORY_MIB.max} (MiB)`));
  add('reservedConcurrency', integerProblem(props.reservedConcurrency, 0, Number.MAX_SAFE_INTEGER,
    'an integer of 0 or more (0 stops every fetch from the origin)'));

  problems.push(...variantQueryStringsPropProblems(props.variantQueryStrings));

  problems.push(...fallbackStatusCodesProblems(props.fallbackStatusCodes));
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

/** TTL props: whole seconds, min ≤ default ≤ max, and never together with `cachePolicy`. */
function ttlProblems(props: MirrorOriginDistributionProps): string[] {
  const given = (['minTtl', 'defaultTtl', 'maxTtl'] as const).filter((prop) => props[prop] !== undefined);
  if (props.cachePolicy && given.length > 0) {
    return [`cachePolicy cannot be combined with ${given.join(', ')}: set the TTLs on the cache policy, or drop cachePolicy`];
  }
  const problems: string[] = [];
  const seconds = (prop: 'minTtl' | 'defaultTtl' | 'maxTtl', fallback: Duration): number | undefined => {
    const value = props[prop] ?? fallback;
    const problem = wholeSecondsProblem(value, 0, Number.MAX_SAFE_INTEGER, 'whole seconds');
    if (problem) problems.push(`${prop} ${problem}`);
    return problem || value.isUnresolved() ? undefined : value.toSeconds();
  };
  const min = seconds('minTtl', PROP_DEFAULTS.minTtl);
  const def = seconds('defaultTtl', PROP_DEFAULTS.defaultTtl);
  const max = seconds('maxTtl', PROP_DEFAULTS.maxTtl);
  if (min !== undefined && def !== undefined && max !== undefined && !(min <= def && def <= max)) {
    problems.push(`minTtl, defaultTtl and maxTtl must satisfy minTtl <= defaultTtl <= maxTtl, got ${min} s, ${def} s and ${max} s ` +
      '(defaults: 0 s, 1 day, 365 days)');
  }
  return problems;
}

/** Viewer headers to forward: valid, allowed, not twice, and forwardable by an origin request policy. */
function forwardHeadersProblems(names: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (Token.isUnresolved(name)) continue;
    const lower = name.toLowerCase();
    const problem = forwardHeaderProblem(name)
      ?? (seen.has(lower) ? `must not name "${name}" twice (header names are case-insensitive)` : undefined);
    if (problem) problems.push(`forwardHeaders ${problem}`);
    seen.add(lower);
  }
  return problems;
}

/** Static origin headers: valid names, values without CR/LF, no name twice. */
function originHeadersProblems(headers: { readonly [name: string]: string }): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (Token.isUnresolved(name)) continue;
    const lower = name.toLowerCase();
    const problem = originHeaderNameProblem(name)
      ?? (Token.isUnresolved(value) ? undefined : headerValueProblem(name, value))
      ?? (seen.has(lower) ? `must not name "${name}" twice (header names are case-insensitive)` : undefined);
    if (problem) problems.push(`originHeaders ${problem}`);
    seen.add(lower);
  }
  return problems;
}

/** Origin timeouts in range, and the handler's timeout longer than both so it can still answer after one. */
function timeoutProblems(props: MirrorOriginDistributionProps): string[] {
  const problems: string[] = [];
  const originMs = (prop: 'originResponseTimeout' | 'originIdleTimeout'): number | undefined => {
    const value = props[prop] ?? PROP_DEFAULTS[prop];
    if (value.isUnresolved()) return undefined;
    const ms = value.toMilliseconds({ integral: false });
    if (!(Number.isInteger(ms) && ms >= 1 && ms <= MAX_ORIGIN_TIMEOUT_MS)) {
      problems.push(`${prop} must be whole milliseconds from 1 ms to ${MAX_ORIGIN_TIMEOUT_MS / 1000} s, since CloudFront gives up on the ` +
        `function after ${FUNCTION_URL_READ_TIMEOUT_SECONDS} s without a byte, got ${value.toHumanString()}`);
      return undefined;
    }
    return ms;
  };
  const responseMs = originMs('originResponseTimeout');
  const idleMs = originMs('originIdleTimeout');

  const timeout = props.handlerTimeout ?? PROP_DEFAULTS.handlerTimeout;
  if (timeout.isUnresolved()) return problems;
  const problem = wholeSecondsProblem(timeout, 1, MAX_HANDLER_TIMEOUT_SECONDS, 'whole seconds from 1 s to 15 minutes');
  if (problem) {
    problems.push(`handlerTimeout ${problem}`);
  } else if (responseMs !== undefined && idleMs !== undefined && timeout.toMilliseconds() <= Math.max(responseMs, idleMs)) {
    problems.push(`handlerTimeout must be longer than originResponseTimeout (${responseMs} ms) and originIdleTimeout (${idleMs} ms) ` +
      `so the handler can still answer the viewer when the origin times out, got ${timeout.toHumanString()}` +
      (props.handlerTimeout ? '' : ' (the default)'));
  }
  return problems;
}

/**
 * A duration or size that is a token converts only from the unit the construct works in; CDK's own error
 * for any other unit names neither the construct nor the prop.
 */
function tokenUnitProblems(props: MirrorOriginDistributionProps): string[] {
  const problems: string[] = [];
  const durations: Array<[keyof MirrorOriginDistributionProps, Duration | undefined, (d: Duration) => number, string]> = [
    ['minTtl', props.minTtl, (d) => d.toSeconds(), 'Duration.seconds'],
    ['defaultTtl', props.defaultTtl, (d) => d.toSeconds(), 'Duration.seconds'],
    ['maxTtl', props.maxTtl, (d) => d.toSeconds(), 'Duration.seconds'],
    ['notFoundTtl', props.notFoundTtl, (d) => d.toSeconds(), 'Duration.seconds'],
    ['handlerTimeout', props.handlerTimeout, (d) => d.toSeconds(), 'Duration.seconds'],
    ['originResponseTimeout', props.originResponseTimeout, (d) => d.toMilliseconds(), 'Duration.millis'],
    ['originIdleTimeout', props.originIdleTimeout, (d) => d.toMilliseconds(), 'Duration.millis'],
  ];
  for (const [prop, value, convert, unit] of durations) {
    if (value?.isUnresolved() && !converts(() => convert(value))) problems.push(`${prop} is a token, so it must be given as ${unit}(token)`);
  }
  const sizes: Array<[keyof MirrorOriginDistributionProps, Size | undefined]> = [
    ['streamThreshold', props.streamThreshold],
    ['maxObjectSize', props.maxObjectSize],
  ];
  for (const [prop, value] of sizes) {
    if (value?.isUnresolved() && !converts(() => value.toBytes())) problems.push(`${prop} is a token, so it must be given as Size.bytes(token)`);
  }
  return problems;
}

function converts(convert: () => number): boolean {
  try {
    convert();
    return true;
  } catch {
    return false;
  }
}

/** Variant parameter names: the shared rules, and known at synth since they are written into the function's code. */
function variantQueryStringsPropProblems(names: readonly string[] | undefined): string[] {
  if (names === undefined) return [];
  if (Token.isUnresolved(names) || names.some((name) => Token.isUnresolved(name))) {
    return ['variantQueryStrings must be plain strings, not tokens: the names are written into the CloudFront Function\'s code at synth ' +
      '(a CloudFront Function has no environment variables)'];
  }
  return variantQueryStringsProblems(names).map((problem) => `variantQueryStrings ${problem}`);
}

/** The error when the parameter names make the CloudFront Function's code larger than CloudFront takes. */
export function variantFunctionTooLarge(bytes: number, max: number): string {
  return `variantQueryStrings makes the CloudFront Function's code ${bytes} bytes, over CloudFront's limit of ${max}: ` +
    'name fewer or shorter parameters';
}

/** Failover codes: at least one, each one CloudFront accepts, none twice. */
function fallbackStatusCodesProblems(codes: readonly number[] | undefined): string[] {
  if (codes === undefined) return [];
  const allowed = FAILOVER_STATUS_CODES.join(', ');
  if (codes.length === 0) return [`fallbackStatusCodes must name at least one of ${allowed}, got none`];
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const code of codes) {
    if (Token.isUnresolved(code)) continue;
    if (!FAILOVER_STATUS_CODES.includes(code)) problems.push(`fallbackStatusCodes must contain only ${allowed}, got ${code}`);
    else if (seen.has(code)) problems.push(`fallbackStatusCodes must not contain ${code} twice`);
    seen.add(code);
  }
  return problems;
}

function defaultRootObjectProblem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Token.isUnresolved(value)) {
    return 'must be a plain string, not a token: an empty value at deploy time would make "/" list the bucket, and nothing could check it';
  }
  const expected = `must be an object name such as "index.html" (not empty, no leading "/", no control characters, at most ${MAX_DEFAULT_ROOT_OBJECT_CHARS} characters), since "/" would otherwise list the bucket`;
  // eslint-disable-next-line no-control-regex
  const bad = value === '' || value.startsWith('/') || /[\u0000-\u001f\u007f]/.test(value) || value.length > MAX_DEFAULT_ROOT_OBJECT_CHARS;
  return bad ? `${expected}, got ${JSON.stringify(value)}` : undefined;
}

function wholeSecondsProblem(value: Duration | undefined, min: number, max: number, expected: string): string | undefined {
  if (value === undefined || value.isUnresolved()) return undefined;
  const seconds = value.toSeconds({ integral: false });
  return Number.isInteger(seconds) && seconds >= min && seconds <= max
    ? undefined
    : `must be ${expected}, got ${value.toHumanString()}`;
}

function sizeProblem(value: Size | undefined, min: number, max: number, range: string): string | undefined {
  if (value === undefined || value.isUnresolved()) return undefined;
  const bytes = value.toBytes({ rounding: SizeRoundingBehavior.NONE });
  return Number.isSafeInteger(bytes) && bytes >= min && bytes <= max ? undefined : `must be ${range}, got ${bytes} bytes`;
}

function integerProblem(value: number | undefined, min: number, max: number, expected: string): string | undefined {
  if (value === undefined || Token.isUnresolved(value)) return undefined;
  return Number.isSafeInteger(value) && value >= min && value <= max ? undefined : `must be ${expected}, got ${value}`;
}
