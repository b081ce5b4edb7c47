/** The flags of `npx projen local` (local/main.ts). */
import { integerFlag, readFlags, UsageError } from './command-line';
import { EXAMPLES } from './examples';

/** The origin to mirror when --endpoint is not given; named apart from the handler's own MIRROR_ENDPOINT (src/config.ts). */
export const ENDPOINT_VARIABLE = 'LOCAL_MIRROR_ENDPOINT';

export const USAGE = `Usage: npx projen local [--endpoint URL | --example NAME] [--port N] [--no-bandwidth-cap] [--verbose] [--data-dir DIR] [--summary-every N]

  --endpoint URL       the origin to mirror (default: ${ENDPOINT_VARIABLE}, else a built-in sample origin)
  --example NAME       serve an example on sample origins of its own instead:
${Object.entries(EXAMPLES).map(([name, example]) => `                         ${name}: ${example.description}`).join('\n')}
  --port N             the viewer port (default 8080; a free port if it is taken)
  --no-bandwidth-cap   do not cap streamed responses to ~2 MB/s after the first 6 MB, as Lambda does
  --verbose            also print the handler's own log lines
  --data-dir DIR       where the bucket's data and the synthesized template live (default .local)
  --summary-every N    print the metrics summary every N requests (default 10; 0: only on exit)
`;

/** What the local run was asked for. */
export interface LocalRunFlags {
  readonly help: boolean;
  readonly endpoint?: string;
  /** An example of EXAMPLES. */
  readonly example?: string;
  readonly port: number;
  readonly bandwidthCap: boolean;
  readonly verbose: boolean;
  readonly dataDir?: string;
  readonly summaryEvery: number;
}

/** Reads the local run's flags; `env` supplies LOCAL_MIRROR_ENDPOINT. */
export function parseLocalRunFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): LocalRunFlags {
  const flags = readFlags(argv, {
    'endpoint': 'string',
    'example': 'string',
    'port': 'string',
    'no-bandwidth-cap': 'boolean',
    'verbose': 'boolean',
    'data-dir': 'string',
    'summary-every': 'string',
  }, USAGE);
  const port = flags.port === undefined ? 8080 : Number(flags.port);
  if (!/^\d+$/.test(flags.port ?? '8080') || port > 65535) throw new UsageError(`--port must be a port number, got ${flags.port}`);
  const example = flags.example;
  if (example !== undefined && !Object.hasOwn(EXAMPLES, example)) {
    throw new UsageError(`--example must be one of ${Object.keys(EXAMPLES).join(', ')}, got "${example}"`);
  }
  if (example !== undefined && flags.endpoint !== undefined) throw new UsageError('--example runs on sample origins of its own: give --endpoint or --example, not both');
  return {
    help: flags.help === true,
    // An example brings its origins: LOCAL_MIRROR_ENDPOINT, set for other runs, does not stand in the way.
    endpoint: flags.endpoint ?? (example === undefined ? env[ENDPOINT_VARIABLE] || undefined : undefined),
    example,
    port,
    bandwidthCap: flags['no-bandwidth-cap'] !== true,
    verbose: flags.verbose === true,
    dataDir: flags['data-dir'],
    summaryEvery: flags['summary-every'] === undefined ? 10 : integerFlag('--summary-every', flags['summary-every'], 0),
  };
}
