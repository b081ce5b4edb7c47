/** The flags of `npx projen bench` (bench/main.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { integerFlag, readFlags, UsageError } from '../local/command-line';

const MiB = 1024 * 1024;

export const USAGE = `Usage: npx projen bench [--runs N] [--sizes MiB,MiB,…] [--cold-starts N] [--no-bandwidth-cap] [--no-write] [--handler-dir DIR]
                        [--rtt MS] [--bandwidth MB/s] [--herd N] [--no-realistic]
       npx projen bench --metrics-only [--cold-starts N] [--no-write]

  --runs N             runs per design and size, medians reported (default 5; targets judged from 3)
  --sizes LIST         object sizes in MiB (default 1,16,128,512)
  --cold-starts N      fresh processes per SDK option for the cold start (default 10; 0 skips it)
  --no-bandwidth-cap   do not cap streamed responses to ~2 MB/s after 6 MB as Lambda does
  --no-write           print only; leave bench/results.md and docs/benchmark.svg alone
  --handler-dir DIR    run "this handler" from another bundle (e.g. a build of the previous commit) to compare a change
  --metrics-only       only what the handler's metrics cost (cold start and warm), rewriting that section of bench/results.md
  --rtt MS             the realistic origin's round trip (default 40)
  --bandwidth MB/s     the realistic origin's sending rate, shared by its connections (default 50)
  --herd N             viewers missing one object at once against the realistic origin (default 8)
  --no-realistic       skip the realistic origin (TLS, round trip, bandwidth): herd and warm first-byte rows
`;

/** What the benchmark was asked for. */
export interface BenchFlags {
  readonly help: boolean;
  readonly runs: number;
  /** Object sizes in bytes, smallest first. */
  readonly sizes: readonly number[];
  readonly coldStarts: number;
  readonly bandwidthCap: boolean;
  readonly write: boolean;
  readonly handlerDir?: string;
  readonly metricsOnly: boolean;
  /** The realistic origin's shape, or undefined to skip it. */
  readonly realistic?: { readonly roundTripMs: number; readonly bytesPerSecond: number; readonly herd: number };
}

/** Reads the benchmark's flags. */
export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  const flags = readFlags(argv, {
    'runs': 'string',
    'sizes': 'string',
    'cold-starts': 'string',
    'no-bandwidth-cap': 'boolean',
    'no-write': 'boolean',
    'handler-dir': 'string',
    'metrics-only': 'boolean',
    'rtt': 'string',
    'bandwidth': 'string',
    'herd': 'string',
    'no-realistic': 'boolean',
  }, USAGE);
  let sizes = [1, 16, 128, 512].map((n) => n * MiB);
  if (flags.sizes !== undefined) {
    sizes = flags.sizes.split(',').map((s) => Number(s) * MiB);
    if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new UsageError('--sizes must list sizes in MiB, e.g. 1,16,128');
    sizes.sort((a, b) => a - b);
  }
  const handlerDir = flags['handler-dir'];
  if (handlerDir !== undefined && !fs.existsSync(path.join(handlerDir, 'index.js'))) {
    throw new UsageError(`--handler-dir must be a directory holding index.js, got "${handlerDir}"`);
  }
  return {
    help: flags.help === true,
    runs: flags.runs === undefined ? 5 : integerFlag('--runs', flags.runs, 1),
    sizes,
    coldStarts: flags['cold-starts'] === undefined ? 10 : integerFlag('--cold-starts', flags['cold-starts'], 0),
    bandwidthCap: flags['no-bandwidth-cap'] !== true,
    write: flags['no-write'] !== true,
    handlerDir,
    metricsOnly: flags['metrics-only'] === true,
    realistic: flags['no-realistic'] === true ? undefined : {
      roundTripMs: flags.rtt === undefined ? 40 : integerFlag('--rtt', flags.rtt, 0),
      bytesPerSecond: (flags.bandwidth === undefined ? 50 : integerFlag('--bandwidth', flags.bandwidth, 1)) * 1e6,
      herd: flags.herd === undefined ? 8 : integerFlag('--herd', flags.herd, 2),
    },
  };
}
