/**
 * The handler's cold start for the two ways to ship the AWS SDK: bundled
 * into the asset (what ships: assets/handler/mirror.lambda) or left external
 * and resolved from node_modules as the runtime's own copy would be (a second
 * bundle built here with `@aws-sdk/*` external, loaded with NODE_PATH pointing
 * at this repository's node_modules, as Lambda points it at /var/runtime's).
 * Each load is a fresh Node.js process; the two options alternate.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { ColdStartReport } from './cold-start-child';
import { lambdaNodeArguments } from '../local/lambda/container';
import { DEFAULTS, toEnvironment } from '../src/config';

const ROOT = path.join(__dirname, '..');
/** The shipped asset, built by `npx projen bundle`. */
export const SHIPPED_BUNDLE_DIR = path.join(ROOT, 'assets', 'handler', 'mirror.lambda');

/** The cold start of one option. */
export interface ColdStart {
  readonly option: 'bundled SDK' | 'runtime SDK';
  /** Size of index.js. */
  readonly bundleBytes: number;
  /** Every process's `require()` time of the bundle, ms. */
  readonly loadMs: readonly number[];
  /** Every process's time from start to handler ready, ms. */
  readonly readyMs: readonly number[];
}

/** Loads each option `runs` times in fresh processes. */
export async function measureColdStarts(runs: number): Promise<ColdStart[]> {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-cold-start-'));
  try {
    const child = buildColdStartChild(workdir);
    const runtimeSdkDir = path.join(workdir, 'runtime-sdk');
    // The projen bundle task's options, with the SDK left to the runtime.
    esbuild.buildSync({
      entryPoints: [path.join(ROOT, 'src', 'handler', 'mirror.lambda.ts')],
      bundle: true,
      platform: 'node',
      target: 'node24',
      outfile: path.join(runtimeSdkDir, 'index.js'),
      tsconfig: path.join(ROOT, 'tsconfig.dev.json'),
      external: ['@aws-sdk/*'],
      logLevel: 'error',
    });
    const options: Array<{ option: ColdStart['option']; dir: string; env: Record<string, string> }> = [
      { option: 'bundled SDK', dir: SHIPPED_BUNDLE_DIR, env: {} },
      { option: 'runtime SDK', dir: runtimeSdkDir, env: { NODE_PATH: path.join(ROOT, 'node_modules') } },
    ];
    const reports = options.map(() => [] as ColdStartReport[]);
    // One unmeasured load each first, so both read their files from a warm page cache.
    for (const option of options) await load(child, option.dir, option.env);
    for (let run = 0; run < runs; run++) {
      for (const [i, option] of options.entries()) reports[i].push(await load(child, option.dir, option.env));
    }
    return options.map((option, i) => ({
      option: option.option,
      bundleBytes: fs.statSync(path.join(option.dir, 'index.js')).size,
      loadMs: reports[i].map((r) => r.loadMs),
      readyMs: reports[i].map((r) => r.readyMs),
    }));
  } finally {
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}

/** Bundles the cold-start child into `workdir` (so the measured process holds no TypeScript compiler); its path. */
export function buildColdStartChild(workdir: string): string {
  const child = path.join(workdir, 'child.js');
  esbuild.buildSync({ entryPoints: [path.join(__dirname, 'cold-start-child.ts')], bundle: true, platform: 'node', target: 'node20', outfile: child, logLevel: 'error' });
  return child;
}

/** Loads the handler bundle in `dir` in a fresh process started as Lambda starts it, with `env` added. */
export function load(child: string, dir: string, env: Record<string, string>): Promise<ColdStartReport> {
  const config = toEnvironment({
    ...DEFAULTS,
    bucketName: 'cold-start',
    endpoint: 'https://origin.example',
    forwardHeaders: [],
    originHeaders: {},
    variantQueryStrings: [],
    mirrorName: 'cold-start',
  });
  return new Promise((resolve, reject) => {
    const proc = fork(child, [dir], {
      // A Lambda-like environment: the function's variables and dummy credentials, nothing of this shell's.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'COLDSTART',
        AWS_SECRET_ACCESS_KEY: 'COLDSTART',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...config,
        ...env,
      },
      // As the Lambda runtime starts node, for the default 1024 MB.
      execArgv: lambdaNodeArguments('1024'),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // A load that hangs ends the benchmark with an error, not never.
      timeout: 60_000,
    });
    let report: ColdStartReport | undefined;
    proc.on('message', (message) => (report = message as ColdStartReport));
    proc.on('error', reject);
    proc.on('exit', (code) => (report && code === 0 ? resolve(report) : reject(new Error(`the cold-start process for ${dir} exited with ${code}`))));
  });
}
