/** The flags of `npx projen load-test` (local/load-test.ts). */
import { integerFlag, readFlags } from './command-line';

export const USAGE = `Usage: npx projen load-test [--requests N] [--concurrency N] [--keys N] [--containers N] [--min-bytes N] [--max-bytes N]

  --requests N      requests in all (default 1000)
  --concurrency N   requests in flight at once (default 50)
  --keys N          distinct keys, sizes spread on a log scale from --min-bytes to --max-bytes (default 100)
  --containers N    most function containers at once (default 4)
  --min-bytes N     smallest object (default 1024)
  --max-bytes N     largest object (default 4194304)
`;

/** What the load test was asked for. */
export interface LoadTestFlags {
  readonly help: boolean;
  readonly requests: number;
  readonly concurrency: number;
  readonly keys: number;
  readonly containers: number;
  readonly minBytes: number;
  readonly maxBytes: number;
}

const DEFAULTS = { requests: 1000, concurrency: 50, keys: 100, containers: 4, minBytes: 1024, maxBytes: 4 * 1024 * 1024 };

/** Reads the load test's flags: each a whole number above 0. */
export function parseLoadTestFlags(argv: readonly string[]): LoadTestFlags {
  const flags = readFlags(argv, {
    'requests': 'string', 'concurrency': 'string', 'keys': 'string', 'containers': 'string', 'min-bytes': 'string', 'max-bytes': 'string',
  }, USAGE);
  const count = (flag: keyof typeof flags & string, fallback: number) => {
    const value = flags[flag];
    return typeof value === 'string' ? integerFlag(`--${flag}`, value, 1) : fallback;
  };
  return {
    help: flags.help === true,
    requests: count('requests', DEFAULTS.requests),
    concurrency: count('concurrency', DEFAULTS.concurrency),
    keys: count('keys', DEFAULTS.keys),
    containers: count('containers', DEFAULTS.containers),
    minBytes: count('min-bytes', DEFAULTS.minBytes),
    maxBytes: count('max-bytes', DEFAULTS.maxBytes),
  };
}
