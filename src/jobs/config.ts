/**
 * What the construct tells the jobs' two functions beyond the mirror's own configuration (which the item function
 * reads with `fromEnvironment`, as the handler does): where the reports and manifests are, which viewer paths the
 * mirror serves, and the distributions refresh invalidates. Names, serialise and parse in one module, as
 * `src/config.ts` does for the handler. Bundled into the functions: it must not import aws-cdk-lib.
 */

/** Where a mirror is served in one distribution (its behaviours in CloudFront's order; see `servesPath`). */
export interface ServedRoutes {
  /** The distribution's path patterns in order, each with whether its behaviour serves this mirror. */
  readonly patterns: ReadonlyArray<{ readonly pattern: string; readonly mine: boolean }>;
  /** Whether the default behaviour serves this mirror. */
  readonly defaultMine: boolean;
}

/** A distribution the mirror is bound to, for the invalidations of what refresh changed. */
export interface JobsDistribution {
  readonly id: string;
  /** The mirror's path patterns there as invalidation wildcards (`/*`, `/legacy/*`), used when too many paths changed. */
  readonly wildcards: readonly string[];
}

/** The keys another mirror on the same bucket owns: its key prefix and rules, and where it is served. */
export interface KeySpace {
  readonly keyPrefix: string;
  readonly variantQueryStrings: readonly string[];
  readonly served: readonly ServedRoutes[];
}

/** The item function's own settings. */
export interface ItemFunctionConfig {
  /** One entry per distribution the mirror is bound to. */
  readonly served: readonly ServedRoutes[];
  /** The other mirrors that store into the same bucket: a listing never touches their keys. */
  readonly others: readonly KeySpace[];
}

/** The run function's settings (prepare, summarise, finish). */
export interface RunFunctionConfig {
  readonly reportsBucket: string;
  /** Empty, or ending with `/`. */
  readonly reportsPrefix: string;
  /** The only bucket manifests are read from. */
  readonly manifestBucket: string;
  readonly distributions: readonly JobsDistribution[];
}

/** The environment variable of each setting. */
export const JOBS_ENVIRONMENT_VARIABLES = {
  served: 'JOBS_SERVED_ROUTES',
  others: 'JOBS_OTHER_MIRRORS',
  reportsBucket: 'JOBS_REPORTS_BUCKET',
  reportsPrefix: 'JOBS_REPORTS_PREFIX',
  manifestBucket: 'JOBS_MANIFEST_BUCKET',
  distributions: 'JOBS_DISTRIBUTIONS',
} as const;

/** The item function's variables (values may be tokens: the construct passes them already serialised). */
export function itemEnvironment(served: string, others: string): Record<string, string> {
  return { [JOBS_ENVIRONMENT_VARIABLES.served]: served, [JOBS_ENVIRONMENT_VARIABLES.others]: others };
}

/** The run function's variables (`distributions` already serialised: it is produced lazily at synth). */
export function runEnvironment(config: Omit<RunFunctionConfig, 'distributions'>, distributions: string): Record<string, string> {
  const names = JOBS_ENVIRONMENT_VARIABLES;
  return {
    [names.reportsBucket]: config.reportsBucket,
    [names.reportsPrefix]: config.reportsPrefix,
    [names.manifestBucket]: config.manifestBucket,
    [names.distributions]: distributions,
  };
}

/** Reads the item function's settings; throws one error listing every problem. */
export function itemConfigFromEnvironment(env: Readonly<Record<string, string | undefined>>): ItemFunctionConfig {
  const problems: string[] = [];
  const served = jsonArray(env, JOBS_ENVIRONMENT_VARIABLES.served, problems, isServedRoutes, 'routes ({patterns, defaultMine})');
  const others = jsonArray(env, JOBS_ENVIRONMENT_VARIABLES.others, problems, isKeySpace, 'key spaces ({keyPrefix, variantQueryStrings, served})');
  fail(problems);
  return { served, others };
}

/** Reads the run function's settings; throws one error listing every problem. */
export function runConfigFromEnvironment(env: Readonly<Record<string, string | undefined>>): RunFunctionConfig {
  const names = JOBS_ENVIRONMENT_VARIABLES;
  const problems: string[] = [];
  const text = (name: string): string => {
    const value = env[name];
    if (value === undefined || (value === '' && name !== names.reportsPrefix)) problems.push(`${name} is not set`);
    return value ?? '';
  };
  const reportsBucket = text(names.reportsBucket);
  const reportsPrefix = text(names.reportsPrefix);
  if (reportsPrefix !== '' && !reportsPrefix.endsWith('/')) problems.push(`${names.reportsPrefix} must be empty or end with "/", got "${reportsPrefix}"`);
  const manifestBucket = text(names.manifestBucket);
  const distributions = jsonArray(env, names.distributions, problems, isDistribution, 'distributions ({id, wildcards})');
  fail(problems);
  return { reportsBucket, reportsPrefix, manifestBucket, distributions };
}

function jsonArray<T>(
  env: Readonly<Record<string, string | undefined>>, name: string, problems: string[], check: (value: unknown) => value is T, what: string,
): T[] {
  const raw = env[name];
  if (raw === undefined) {
    problems.push(`${name} is not set`);
    return [];
  }
  try {
    const value: unknown = JSON.parse(raw);
    if (Array.isArray(value) && value.every(check)) return value;
  } catch {
    // Reported below.
  }
  problems.push(`${name} must be a JSON array of ${what}, got ${JSON.stringify(raw.slice(0, 200))}`);
  return [];
}

function isServedRoutes(value: unknown): value is ServedRoutes {
  const v = value as ServedRoutes;
  return typeof v === 'object' && v !== null && typeof v.defaultMine === 'boolean' && Array.isArray(v.patterns)
    && v.patterns.every((p) => typeof p?.pattern === 'string' && typeof p.mine === 'boolean');
}

function isKeySpace(value: unknown): value is KeySpace {
  const v = value as KeySpace;
  return typeof v === 'object' && v !== null && typeof v.keyPrefix === 'string' && Array.isArray(v.variantQueryStrings)
    && v.variantQueryStrings.every((q) => typeof q === 'string') && Array.isArray(v.served) && v.served.every(isServedRoutes);
}

function isDistribution(value: unknown): value is JobsDistribution {
  const v = value as JobsDistribution;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && Array.isArray(v.wildcards) && v.wildcards.every((w) => typeof w === 'string');
}

function fail(problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(`Invalid cdk-mirror-origin jobs configuration:\n- ${problems.join('\n- ')}`);
}
