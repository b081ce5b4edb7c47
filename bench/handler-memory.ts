/**
 * Peak memory of the bundled handler mirroring a 1 MiB and a 512 MiB object:
 * each run in a fresh Node.js process that loads assets/handler/mirror.lambda
 * as Lambda would, with s3rver and the local origin in this (parent) process.
 * The handler streams: the larger object must not grow the peak RSS by 64 MiB
 * or more. Prints a markdown table; exits 1 if the target is missed.
 *
 *   npx projen bundle && npx ts-node --transpile-only bench/handler-memory.ts [MiB …]
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { ChildReport } from './handler-memory-child';
import { DEFAULTS, MirrorConfig, toEnvironment } from '../src/config';
import { startOrigin } from '../test/support/origin-server';
import { startS3 } from '../test/support/s3';

const MiB = 1024 * 1024;
const BUNDLE = path.join(__dirname, '../assets/handler/mirror.lambda');
const BUCKET = 'bench';
const TARGET_GROWTH_MIB = 64;
// Object sizes in MiB: the first is the baseline (default 1 and 512).
const SIZES = (process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1, 512]).map((mib) => mib * MiB);

/** Bundles the child so its process holds the handler and the runtime stand-in, not a TypeScript compiler. */
function buildChild(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'handler-memory-'));
  const outfile = path.join(outdir, 'child.js');
  esbuild.buildSync({ entryPoints: [path.join(__dirname, 'handler-memory-child.ts')], bundle: true, platform: 'node', target: 'node20', outfile, logLevel: 'error' });
  return outfile;
}

function runChild(childJs: string, rawPath: string, env: Record<string, string>): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const proc = fork(childJs, [BUNDLE, rawPath], {
      env: { ...process.env, ...env },
      execArgv: [],
      // The handler's one JSON log line per request is not part of the report.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let report: ChildReport | undefined;
    proc.on('message', (message) => (report = message as ChildReport));
    proc.on('error', reject);
    proc.on('exit', (code) => (report && code === 0 ? resolve(report) : reject(new Error(`child for ${rawPath} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const [s3, origin] = await Promise.all([startS3({ buckets: [BUCKET] }), startOrigin()]);
  const cleanup: Array<() => void> = [];
  try {
    const config: MirrorConfig = {
      bucketName: BUCKET,
      endpoint: origin.url,
      keyPrefix: DEFAULTS.keyPrefix,
      notFoundTtlSeconds: DEFAULTS.notFoundTtlSeconds,
      forwardHeaders: [],
      originHeaders: {},
      originResponseTimeoutMs: DEFAULTS.originResponseTimeoutMs,
      originIdleTimeoutMs: DEFAULTS.originIdleTimeoutMs,
      streamThresholdBytes: DEFAULTS.streamThresholdBytes,
      maxObjectSizeBytes: DEFAULTS.maxObjectSizeBytes,
      variantQueryStrings: [],
    };
    const env = { ...s3.env, ...toEnvironment(config) };
    const childJs = buildChild();
    cleanup.push(() => fs.rmSync(path.dirname(childJs), { recursive: true, force: true }));
    const rows: Array<{ size: number; report: ChildReport }> = [];
    for (const size of SIZES) {
      const rawPath = `/object-${size}.bin`;
      origin.route(rawPath, { body: { size, seed: size }, headers: { 'content-type': 'application/octet-stream' } });
      const report = await runChild(childJs, rawPath, env);
      const stored = (await s3.listKeys(BUCKET)).includes(rawPath.slice(1));
      if (!stored) throw new Error(`${rawPath} was not stored`);
      rows.push({ size, report });
    }

    const mib = (kib: number) => (kib / 1024).toFixed(1);
    console.log('| object | answer | time | RSS after load | peak RSS |');
    console.log('|---:|---:|---:|---:|---:|');
    for (const { size, report } of rows) {
      console.log(`| ${size / MiB} MiB | ${report.status} | ${(report.ms / 1000).toFixed(1)} s | ${mib(report.loadedRssKiB)} MiB | ${mib(report.peakRssKiB)} MiB |`);
    }
    const growthMiB = (Math.max(...rows.slice(1).map((row) => row.report.peakRssKiB)) - rows[0].report.peakRssKiB) / 1024;
    const verdict = growthMiB < TARGET_GROWTH_MIB ? 'within' : 'OVER';
    console.log(`\nPeak RSS growth over the ${SIZES[0] / MiB} MiB object: ${growthMiB.toFixed(1)} MiB (${verdict} the ${TARGET_GROWTH_MIB} MiB target).`);
    if (growthMiB >= TARGET_GROWTH_MIB) process.exitCode = 1;
  } finally {
    cleanup.forEach((fn) => fn());
    await Promise.all([s3.stop(), origin.close()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
