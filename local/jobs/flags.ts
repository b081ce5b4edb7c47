/** The flags of `npx projen prewarm` (local/jobs/main.ts). */
import type { JobMode, ManifestFormat } from '../../src/jobs/protocol';
import { integerFlag, readFlags, UsageError } from '../command-line';
import { ENDPOINT_VARIABLE } from '../main-flags';

export const USAGE = `Usage: npx projen prewarm -- --keys FILE [--format paths|keys|report] [--mode prewarm|coverage|refresh] [--concurrency N]

Runs a migration job over the local stack (the stand-ins and .local/ data of npx projen local), with the bundled
item and run functions, and writes the run's summary.json and failures.csv.

  --keys FILE          the manifest: one path or key per line, or a previous run's failures.csv (refresh: optional,
                       without it the bucket's own keys are refreshed)
  --format F           paths (URL paths, percent-encoded), keys (raw object keys) or report (default keys)
  --mode M             prewarm, coverage or refresh (default prewarm)
  --concurrency N      batches at once, as the state machine's maxConcurrency (default 10)
  --batch-size N       items per batch (default 20)
  --endpoint URL       the origin (default: ${ENDPOINT_VARIABLE}, else the built-in sample origin)
  --data-dir DIR       where the buckets' data and the reports live (default .local)
  --verbose            print the functions' log lines
`;

/** What the local job was asked for. */
export interface PrewarmFlags {
  readonly help: boolean;
  readonly keys?: string;
  readonly format: Exclude<ManifestFormat, 'inventory'>;
  readonly mode: JobMode;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly endpoint?: string;
  readonly dataDir?: string;
  readonly verbose: boolean;
}

const FORMATS = ['paths', 'keys', 'report'] as const;
const MODES = ['prewarm', 'coverage', 'refresh'] as const;

/** Reads the flags; `env` supplies LOCAL_MIRROR_ENDPOINT. */
export function parsePrewarmFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): PrewarmFlags {
  const flags = readFlags(argv, {
    'keys': 'string', 'format': 'string', 'mode': 'string', 'concurrency': 'string', 'batch-size': 'string', 'endpoint': 'string', 'data-dir': 'string', 'verbose': 'boolean',
  }, USAGE);
  const format = (flags.format ?? 'keys') as PrewarmFlags['format'];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${flags.format}" (an S3 Inventory is read by Distributed Map itself, not locally)`);
  const mode = (flags.mode ?? 'prewarm') as JobMode;
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got "${flags.mode}"`);
  if (flags.help !== true && flags.keys === undefined && mode !== 'refresh') throw new UsageError(`--keys FILE is needed for ${mode}\n\n${USAGE}`);
  return {
    help: flags.help === true,
    keys: flags.keys,
    format,
    mode,
    concurrency: flags.concurrency === undefined ? 10 : integerFlag('--concurrency', flags.concurrency, 1),
    batchSize: flags['batch-size'] === undefined ? 20 : integerFlag('--batch-size', flags['batch-size'], 1),
    endpoint: flags.endpoint ?? (env[ENDPOINT_VARIABLE] || undefined),
    dataDir: flags['data-dir'],
    verbose: flags.verbose === true,
  };
}
