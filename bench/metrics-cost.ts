/**
 * What the handler's metrics cost (issue 17's thresholds: +20 ms to a cold start, +1 ms to a warm request), against
 * the same handler without them, and what the least EMF writer would cost instead of @aws-lambda-powertools/metrics:
 * - cold start: the shipped bundle (EMF through Powertools), a bundle built here with the metrics logger replaced by
 *   the plain JSON line (bench/no-metrics-log.ts), and one with the same records written by a few lines of their own
 *   (bench/own-metrics-log.ts), each loaded in fresh processes started as Lambda starts them
 *   (bench/cold-start.ts), in turn;
 * - warm: one log line, timed call by call in a process of its own (bench/metrics-warm-child.ts), medians.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { buildColdStartChild, load, SHIPPED_BUNDLE_DIR } from './cold-start';
import type { WarmReport } from './metrics-warm-child';

const ROOT = path.join(__dirname, '..');
/** The thresholds. */
export const METRICS_COST_LIMITS = { coldStartMs: 20, warmMs: 1 } as const;

/** One way of writing the log line. */
export interface MetricsOption {
  readonly option: 'no metrics' | 'EMF (Powertools, ships)' | 'EMF (own writer)';
  readonly bundleBytes: number;
  /** Every process's `require()` time of the bundle, ms. */
  readonly loadMs: readonly number[];
  /** Every process's time from start to handler ready, ms. */
  readonly readyMs: readonly number[];
  /** Every process's CPU time in `require()` of the bundle, ms. */
  readonly loadCpuMs: readonly number[];
  /** Every call's time to write one log line, µs. */
  readonly lineUs: readonly number[];
}

/** Measures both options: `coldStarts` fresh processes each, `warmCalls` log lines each. */
export async function measureMetricsCost(coldStarts: number, warmCalls: number): Promise<MetricsOption[]> {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-metrics-cost-'));
  try {
    const child = buildColdStartChild(workdir);
    // The handler with its metrics logger swapped for `replacement` (which may import the real one).
    const variant = async (name: string, replacement: string): Promise<string> => {
      const dir = path.join(workdir, name);
      await esbuild.build({
        entryPoints: [path.join(ROOT, 'src', 'handler', 'mirror.lambda.ts')],
        bundle: true,
        platform: 'node',
        target: 'node24',
        outfile: path.join(dir, 'index.js'),
        tsconfig: path.join(ROOT, 'tsconfig.dev.json'),
        logLevel: 'error',
        plugins: [{
          name: name,
          setup: (build) => build.onResolve({ filter: /\/metrics-log$/ }, (args) => (args.importer === replacement ? undefined : { path: replacement })),
        }],
      });
      return dir;
    };
    const noMetricsDir = await variant('no-metrics', path.join(__dirname, 'no-metrics-log.ts'));
    const ownWriterDir = await variant('own-writer', path.join(__dirname, 'own-metrics-log.ts'));
    const dirs = [noMetricsDir, SHIPPED_BUNDLE_DIR, ownWriterDir];
    const env = { MIRROR_NAME: 'Stack/Mirror/Default' };
    for (const dir of dirs) await load(child, dir, env);
    const loads = dirs.map(() => [] as Array<{ loadMs: number; readyMs: number; loadCpuMs: number }>);
    for (let run = 0; run < coldStarts; run++) {
      for (const [i, dir] of dirs.entries()) loads[i].push(await load(child, dir, env));
    }
    const warm = await measureWarm(workdir, warmCalls);
    const options = ['no metrics', 'EMF (Powertools, ships)', 'EMF (own writer)'] as const;
    const lines = [warm.noMetricsUs, warm.metricsUs, warm.ownUs];
    return dirs.map((dir, i) => ({
      option: options[i],
      bundleBytes: fs.statSync(path.join(dir, 'index.js')).size,
      loadMs: loads[i].map((l) => l.loadMs),
      readyMs: loads[i].map((l) => l.readyMs),
      loadCpuMs: loads[i].map((l) => l.loadCpuMs),
      lineUs: lines[i],
    }));
  } finally {
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}

async function measureWarm(workdir: string, calls: number): Promise<WarmReport> {
  const script = path.join(workdir, 'warm.js');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'metrics-warm-child.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile: script,
    tsconfig: path.join(ROOT, 'tsconfig.dev.json'),
    logLevel: 'error',
  });
  return new Promise((resolve, reject) => {
    // stdout is /dev/null: every line is really written, and nothing waits on a reader.
    const proc = fork(script, [String(calls)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], timeout: 300_000 });
    let report: WarmReport | undefined;
    proc.on('message', (message) => (report = message as WarmReport));
    proc.on('error', reject);
    proc.on('exit', (code) => (report && code === 0 ? resolve(report) : reject(new Error(`the warm measurement exited with ${code}`))));
  });
}
