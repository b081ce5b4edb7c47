/**
 * Synth-time checks of `MirrorOriginProps`, and the one error a construct throws for bad props.
 *
 * Rules the handler also applies at run time come from `./config`, never re-implemented here. A prop that is a
 * token is skipped: the handler checks it when it starts (`fromEnvironment`). The distribution's own props are
 * checked in `./distribution-validation`.
 */
import { Duration, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  FUNCTION_URL_READ_TIMEOUT_SECONDS,
  MAX_ORIGIN_TIMEOUT_MS,
  MAX_S3_OBJECT_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  endpointProblem,
  forwardHeaderProblem,
  headerNameProblem,
  headerValueProblem,
  keyPrefixProblem,
  originHeaderNameProblem,
  variantQueryStringsProblems,
} from './config';
import { CORS_PROP_DEFAULTS, ORIGIN_PROP_DEFAULTS } from './defaults';
import { operationsPropsProblems } from './metrics/validation';
import type { MirrorOriginCors, MirrorOriginProps } from './props';
import { MAX_FUNCTION_CODE_BYTES, viewerRequestFunctionCode } from './variant/function-code';
import { ORIGIN_REQUEST_POLICY_HEADER_QUOTA } from './warnings';

/** Status codes CloudFront accepts as failover criteria of an origin group. */
export const FAILOVER_STATUS_CODES: readonly number[] = [400, 403, 404, 416, 500, 502, 503, 504];
/** Lambda's memory range, MiB. */
const MEMORY_MIB = { min: 128, max: 10_240 };
/** Lambda's longest timeout. */
const MAX_HANDLER_TIMEOUT_SECONDS = 15 * 60;
/** Longest `max-age` the handler accepts for a 404 (`fromEnvironment`'s range). */
const MAX_NOT_FOUND_TTL_SECONDS = 365 * 24 * 60 * 60;

/** The one error the construct throws: one line per problem, each naming the construct path and the prop. */
export function validationError(path: string, problems: readonly string[]): Error {
  return new Error(problems.map((problem) => `[${path}] ${problem}`).join('\n'));
}

/** Every problem with a mirror's `props`, as "prop must …, got …" (empty when all is well). */
export function originPropsProblems(props: MirrorOriginProps): string[] {
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
  problems.push(...corsProblems(props));
  add('originShieldRegion', originShieldRegionProblem(props.originShieldRegion));
  problems.push(...operationsPropsProblems(props));
  return problems;
}

/** The headers CloudFront must forward so that S3 can answer a CORS preflight with the bucket's rules. */
export const CORS_REQUEST_HEADERS: readonly string[] = ['origin', 'access-control-request-method', 'access-control-request-headers'];

/** The headers the origin request policy names: `forwardHeaders`, then those `cors` needs, each once whatever its case. */
export function originRequestHeaders(props: Pick<MirrorOriginProps, 'forwardHeaders' | 'cors'>): string[] {
  const seen = new Set<string>();
  return [...(props.forwardHeaders ?? []), ...(props.cors ? CORS_REQUEST_HEADERS : [])].filter((name) => {
    if (Token.isUnresolved(name)) return true;
    const lower = name.toLowerCase();
    if (seen.has(lower)) return false;
    seen.add(lower);
    return true;
  });
}

/** `cors`: allowed origins as CloudFront and S3 take them, header names, a whole-second max age, and what it excludes. */
function corsProblems(props: MirrorOriginProps): string[] {
  const cors = props.cors;
  if (cors === undefined) return [];
  const problems: string[] = [];
  if (props.bucket !== undefined && !(props.bucket instanceof s3.Bucket)) {
    problems.push('cors needs a bucket defined in this app (s3.Bucket): an imported bucket has no addCorsRule. Either define the ' +
      'bucket here, or set its CORS rules yourself (aws s3api put-bucket-cors, GET and HEAD for your origins), drop cors, and give ' +
      `responseHeadersPolicy a corsBehavior and forwardHeaders ${CORS_REQUEST_HEADERS.map((h) => `"${h}"`).join(', ')}`);
  }
  if (props.responseHeadersPolicy) {
    problems.push('cors cannot be combined with responseHeadersPolicy: a behaviour takes one response headers policy, and cors makes it. ' +
      'Drop responseHeadersPolicy, or drop cors and give the policy a corsBehavior (and the bucket CORS rules) yourself');
  }
  const forwarded = originRequestHeaders(props).length;
  if (forwarded > ORIGIN_REQUEST_POLICY_HEADER_QUOTA) {
    problems.push(`cors forwards ${CORS_REQUEST_HEADERS.length} headers to the origins (${CORS_REQUEST_HEADERS.join(', ')}), which with ` +
      `forwardHeaders makes ${forwarded}, over CloudFront's quota of ${ORIGIN_REQUEST_POLICY_HEADER_QUOTA} headers per origin request policy: ` +
      `forward at most ${ORIGIN_REQUEST_POLICY_HEADER_QUOTA - CORS_REQUEST_HEADERS.length} headers besides those cors forwards`);
  }
  problems.push(...allowedOriginsProblems(cors));
  for (const [prop, names] of [['allowedHeaders', cors.allowedHeaders], ['exposedHeaders', cors.exposedHeaders]] as const) {
    for (const name of names ?? []) {
      if (Token.isUnresolved(name) || (prop === 'allowedHeaders' && name === '*')) continue;
      const problem = headerNameProblem(name);
      if (problem) problems.push(`cors.${prop} ${problem}`);
    }
  }
  const maxAge = wholeSecondsProblem(cors.maxAge ?? CORS_PROP_DEFAULTS.maxAge, 0, Number.MAX_SAFE_INTEGER, 'whole seconds');
  if (maxAge) problems.push(`cors.maxAge ${maxAge}`);
  return problems;
}

/** Allowed origins: at least one, each `*` or scheme://host[:port] (a `*.` subdomain wildcard allowed), as CloudFront takes them. */
function allowedOriginsProblems(cors: MirrorOriginCors): string[] {
  if (Token.isUnresolved(cors.allowedOrigins)) return [];
  if (cors.allowedOrigins.length === 0) return ['cors.allowedOrigins must name at least one origin (or "*" for any), got none'];
  const problems: string[] = [];
  for (const origin of cors.allowedOrigins) {
    if (Token.isUnresolved(origin) || origin === '*') continue;
    if (!/^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
      problems.push('cors.allowedOrigins must contain "*" or origins such as "https://app.example.com" (scheme, host, optional port; ' +
        `no path or trailing "/"), got ${JSON.stringify(origin)}`);
    }
  }
  return problems;
}

/** A Region name such as "us-east-1" (CloudFront checks that Origin Shield runs there, at deployment). */
function originShieldRegionProblem(region: string | undefined): string | undefined {
  if (region === undefined || Token.isUnresolved(region)) return undefined;
  return /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? undefined : `must be an AWS Region such as "us-east-1", got ${JSON.stringify(region)}`;
}

/** TTL props: whole seconds, min ≤ default ≤ max, and never together with `cachePolicy`. */
function ttlProblems(props: MirrorOriginProps): string[] {
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
  const min = seconds('minTtl', ORIGIN_PROP_DEFAULTS.minTtl);
  const def = seconds('defaultTtl', ORIGIN_PROP_DEFAULTS.defaultTtl);
  const max = seconds('maxTtl', ORIGIN_PROP_DEFAULTS.maxTtl);
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
function timeoutProblems(props: MirrorOriginProps): string[] {
  const problems: string[] = [];
  const originMs = (prop: 'originResponseTimeout' | 'originIdleTimeout'): number | undefined => {
    const value = props[prop] ?? ORIGIN_PROP_DEFAULTS[prop];
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

  const timeout = props.handlerTimeout ?? ORIGIN_PROP_DEFAULTS.handlerTimeout;
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
function tokenUnitProblems(props: MirrorOriginProps): string[] {
  const problems: string[] = [];
  const durations: Array<[keyof MirrorOriginProps, Duration | undefined, (d: Duration) => number, string]> = [
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
  const sizes: Array<[keyof MirrorOriginProps, Size | undefined]> = [
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
  const problems = variantQueryStringsProblems(names).map((problem) => `variantQueryStrings ${problem}`);
  if (problems.length > 0 || names.length === 0) return problems;
  // The names are written into the function's code, which CloudFront caps.
  const bytes = Buffer.byteLength(viewerRequestFunctionCode(names), 'utf8');
  if (bytes > MAX_FUNCTION_CODE_BYTES) {
    problems.push(`variantQueryStrings makes the CloudFront Function's code ${bytes} bytes, over CloudFront's limit of ${MAX_FUNCTION_CODE_BYTES}: ` +
      'name fewer or shorter parameters');
  }
  return problems;
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
