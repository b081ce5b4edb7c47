/**
 * The configuration the construct hands to the fetch-and-store handler, as
 * Lambda environment variables. The construct serialises it with
 * `toEnvironment`, the handler reads it back with `fromEnvironment`; both import
 * this module, so no name or rule is written twice. The variant CloudFront
 * Function takes `variantQueryStrings` from the same configuration object, and
 * shares its rules with the handler through `src/variant/rules.ts`.
 *
 * This module is bundled into the handler: it must not import aws-cdk-lib.
 */
import {
  endpointProblem, forwardHeaderProblem, headerValueProblem, keyPrefixProblem, originHeaderNameProblem, variantQueryStringsProblems,
} from './config-rules';
import { mirrorNameProblem } from './metrics/names';

export * from './config-rules';

/** Everything the handler needs to know, in the units it works in. */
export interface MirrorConfig {
  /** Bucket the mirrored objects are stored in. */
  readonly bucketName: string;
  /** Absolute http(s) URL of the third-party origin; its path is the base request paths are appended to. */
  readonly endpoint: string;
  /** Prefix of every stored key: empty, or ending with `/`. */
  readonly keyPrefix: string;
  /** `max-age` the handler gives a 404/410 from the origin. */
  readonly notFoundTtlSeconds: number;
  /** Viewer headers passed on to the origin, lower case. */
  readonly forwardHeaders: readonly string[];
  /** Static headers sent to the origin with every request. */
  readonly originHeaders: Readonly<Record<string, string>>;
  /** Longest wait for the origin's response headers. */
  readonly originResponseTimeoutMs: number;
  /** Longest pause between two pieces of the origin's body. */
  readonly originIdleTimeoutMs: number;
  /** Objects larger than this are stored first, then answered with a redirect. */
  readonly streamThresholdBytes: number;
  /** Objects larger than this are refused and never stored. */
  readonly maxObjectSizeBytes: number;
  /** Query-string parameters that select a variant of an object (empty: the query string is ignored). */
  readonly variantQueryStrings: readonly string[];
  /** The mirror's name in its metrics (the `Mirror` dimension). */
  readonly mirrorName: string;
  /** The single-flight lease table (DynamoDB); empty: every miss fetches on its own. */
  readonly leaseTableName: string;
  /** A lease its holder has not renewed for this long is stale: a waiter takes it over. */
  readonly leaseStaleMs: number;
  /** Longest a waiter holds its function before it answers the redirect to itself. */
  readonly leaseWaitMs: number;
}

/** The environment variable that carries each field. */
export const ENVIRONMENT_VARIABLES: { readonly [K in keyof MirrorConfig]: string } = {
  bucketName: 'MIRROR_BUCKET_NAME',
  endpoint: 'MIRROR_ENDPOINT',
  keyPrefix: 'MIRROR_KEY_PREFIX',
  notFoundTtlSeconds: 'MIRROR_NOT_FOUND_TTL_SECONDS',
  forwardHeaders: 'MIRROR_FORWARD_HEADERS',
  originHeaders: 'MIRROR_ORIGIN_HEADERS',
  originResponseTimeoutMs: 'MIRROR_ORIGIN_RESPONSE_TIMEOUT_MS',
  originIdleTimeoutMs: 'MIRROR_ORIGIN_IDLE_TIMEOUT_MS',
  streamThresholdBytes: 'MIRROR_STREAM_THRESHOLD_BYTES',
  maxObjectSizeBytes: 'MIRROR_MAX_OBJECT_SIZE_BYTES',
  variantQueryStrings: 'MIRROR_VARIANT_QUERY_STRINGS',
  mirrorName: 'MIRROR_NAME',
  leaseTableName: 'MIRROR_LEASE_TABLE_NAME',
  leaseStaleMs: 'MIRROR_LEASE_STALE_MS',
  leaseWaitMs: 'MIRROR_LEASE_WAIT_MS',
};

/** Defaults shared by the construct's `@default` docs and the handler. */
export const DEFAULTS = {
  keyPrefix: '',
  notFoundTtlSeconds: 10,
  originResponseTimeoutMs: 10_000,
  originIdleTimeoutMs: 20_000,
  streamThresholdBytes: 6 * 1024 * 1024,
  maxObjectSizeBytes: 5 * 1024 * 1024 * 1024,
  leaseTableName: '',
  // Well under CloudFront's 60 s, and never tied to the handler's timeout: a waiter must see a takeover in time.
  leaseStaleMs: 15_000,
  // A waiter answers its redirect well before CloudFront's 60 s, and does not pin the function's concurrency for long.
  leaseWaitMs: 10_000,
} as const;

/** Largest object S3 stores (5 TiB). */
export const MAX_S3_OBJECT_BYTES = 5 * 1024 * 1024 * 1024 * 1024;
/** Largest body Lambda streams to a function URL viewer (200 MB). */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1000 * 1000;
/** Smallest part S3 accepts in a multipart upload (but the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** Most parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** Parts the handler uploads at the same time; it holds one more buffer, the part being filled. */
export const UPLOAD_QUEUE_SIZE = 2;

/** The part size for an object of at most `bytes`: 5 MiB, or more to stay within 10,000 parts. */
export function partSizeFor(bytes: number): number {
  return Math.max(MIN_PART_BYTES, Math.ceil(bytes / MAX_PARTS));
}

/** How long CloudFront waits for a byte from the function URL before it answers 504 itself. */
export const FUNCTION_URL_READ_TIMEOUT_SECONDS = 60;
/** Longest origin timeout worth setting: past CloudFront's own wait the handler's 504 would never be seen. */
export const MAX_ORIGIN_TIMEOUT_MS = (FUNCTION_URL_READ_TIMEOUT_SECONDS - 1) * 1000;

/** How values that may be deploy-time tokens are turned into strings. */
export interface Stringifiers {
  /** Serialises a JSON value (the construct passes `Stack.toJsonString`, which keeps tokens). */
  readonly json: (value: unknown) => string;
  /** Serialises a number (the construct passes `Tokenization.stringifyNumber`). */
  readonly number: (value: number) => string;
}

const PLAIN: Stringifiers = { json: (value) => JSON.stringify(value), number: (value) => String(value) };

/** The Lambda environment variables that carry `config`. */
export function toEnvironment(config: MirrorConfig, stringify: Stringifiers = PLAIN): Record<string, string> {
  const names = ENVIRONMENT_VARIABLES;
  return {
    [names.bucketName]: config.bucketName,
    [names.endpoint]: config.endpoint,
    [names.keyPrefix]: config.keyPrefix,
    [names.notFoundTtlSeconds]: stringify.number(config.notFoundTtlSeconds),
    [names.forwardHeaders]: stringify.json(config.forwardHeaders),
    [names.originHeaders]: stringify.json(config.originHeaders),
    [names.originResponseTimeoutMs]: stringify.number(config.originResponseTimeoutMs),
    [names.originIdleTimeoutMs]: stringify.number(config.originIdleTimeoutMs),
    [names.streamThresholdBytes]: stringify.number(config.streamThresholdBytes),
    [names.maxObjectSizeBytes]: stringify.number(config.maxObjectSizeBytes),
    [names.variantQueryStrings]: stringify.json(config.variantQueryStrings),
    [names.mirrorName]: config.mirrorName,
    [names.leaseTableName]: config.leaseTableName,
    [names.leaseStaleMs]: stringify.number(config.leaseStaleMs),
    [names.leaseWaitMs]: stringify.number(config.leaseWaitMs),
  };
}

/**
 * Reads the configuration back, checking every value with the same rules the
 * construct applies at synth (values that were tokens at synth are only
 * checked here). Throws one error that lists every problem.
 */
export function fromEnvironment(env: Readonly<Record<string, string | undefined>>): MirrorConfig {
  const problems: string[] = [];
  const names = ENVIRONMENT_VARIABLES;

  const text = (field: keyof MirrorConfig, fallback?: string): string => {
    const value = env[names[field]];
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    problems.push(`${names[field]} is not set`);
    return '';
  };
  const integer = (field: keyof MirrorConfig, min: number, max: number): number => {
    const raw = text(field);
    const value = Number(raw);
    // Digits only: Number() would also take "", "0x10" or "1e3".
    if (env[names[field]] !== undefined && !(/^\d+$/.test(raw) && Number.isSafeInteger(value) && value >= min && value <= max)) {
      problems.push(`${names[field]} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const json = (field: keyof MirrorConfig): unknown => {
    const raw = text(field);
    try {
      return raw === '' ? undefined : JSON.parse(raw);
    } catch {
      problems.push(`${names[field]} must be JSON, got "${raw}"`);
      return undefined;
    }
  };
  const stringList = (field: keyof MirrorConfig): string[] => {
    const value = json(field);
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      problems.push(`${names[field]} must be a JSON array of strings`);
      return [];
    }
    return value;
  };

  const bucketName = text('bucketName');
  if (env[names.bucketName] === '') problems.push(`${names.bucketName} is empty`);

  const endpoint = text('endpoint');
  const endpointError = endpointProblem(endpoint);
  if (endpointError) problems.push(`${names.endpoint} ${endpointError}`);

  const keyPrefix = text('keyPrefix', DEFAULTS.keyPrefix);
  const keyPrefixError = keyPrefixProblem(keyPrefix);
  if (keyPrefixError) problems.push(`${names.keyPrefix} ${keyPrefixError}`);

  const forwardHeaders = stringList('forwardHeaders').map((name) => name.toLowerCase());
  for (const name of forwardHeaders) {
    const error = forwardHeaderProblem(name);
    if (error) problems.push(`${names.forwardHeaders} ${error}`);
  }

  const originHeadersValue = json('originHeaders') ?? {};
  const originHeaders: Record<string, string> = {};
  if (typeof originHeadersValue !== 'object' || originHeadersValue === null || Array.isArray(originHeadersValue)) {
    problems.push(`${names.originHeaders} must be a JSON object of strings`);
  } else {
    for (const [name, value] of Object.entries(originHeadersValue)) {
      const error = originHeaderNameProblem(name) ?? (typeof value === 'string' ? headerValueProblem(name, value) : `header "${name}" must have a string value`);
      if (error) problems.push(`${names.originHeaders} ${error}`);
      else originHeaders[name.toLowerCase()] = value as string;
    }
  }

  const variantQueryStrings = stringList('variantQueryStrings');
  for (const error of variantQueryStringsProblems(variantQueryStrings)) {
    problems.push(`${names.variantQueryStrings} ${error}`);
  }

  const mirrorName = text('mirrorName');
  const mirrorNameError = env[names.mirrorName] === undefined ? undefined : mirrorNameProblem(mirrorName);
  if (mirrorNameError) problems.push(`${names.mirrorName} ${mirrorNameError}`);

  const config: MirrorConfig = {
    bucketName,
    endpoint,
    keyPrefix,
    notFoundTtlSeconds: integer('notFoundTtlSeconds', 0, 31_536_000),
    forwardHeaders,
    originHeaders,
    originResponseTimeoutMs: integer('originResponseTimeoutMs', 1, MAX_ORIGIN_TIMEOUT_MS),
    originIdleTimeoutMs: integer('originIdleTimeoutMs', 1, MAX_ORIGIN_TIMEOUT_MS),
    streamThresholdBytes: integer('streamThresholdBytes', 0, MAX_STREAMED_RESPONSE_BYTES),
    maxObjectSizeBytes: integer('maxObjectSizeBytes', 1, MAX_S3_OBJECT_BYTES),
    variantQueryStrings,
    mirrorName,
    leaseTableName: text('leaseTableName', DEFAULTS.leaseTableName),
    leaseStaleMs: integer('leaseStaleMs', 1, MAX_ORIGIN_TIMEOUT_MS),
    leaseWaitMs: integer('leaseWaitMs', 0, MAX_ORIGIN_TIMEOUT_MS),
  };
  if (problems.length > 0) {
    throw new Error(`Invalid cdk-mirror-origin configuration:\n- ${problems.join('\n- ')}`);
  }
  return config;
}
