/**
 * How the integration test tools call the pinned `cdk` CLI (node_modules/.bin/cdk): the app command of an
 * integ app and the options every call shares, as projen's own integ tasks pass them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository's root. */
export const REPO = path.resolve(__dirname, '..', '..');

/** The integ apps, `test/<name>.integ.ts`, by name. */
export function integAppNames(): string[] {
  return fs.readdirSync(path.join(REPO, 'test')).filter((file) => file.endsWith('.integ.ts')).map((file) => file.slice(0, -'.integ.ts'.length)).sort();
}

/** Where an app's committed snapshot lives. */
export function snapshotDir(name: string): string {
  return path.join(REPO, 'test', `${name}.integ.snapshot`);
}

/**
 * Test only (test/integ/run.test.ts): a stand-in for the pinned CLI, and a scratch root of the test's own, so the
 * runner can be run end to end without AWS. Nobody else sets these.
 */
export const TEST_CDK_ENV = 'CDK_MIRROR_INTEG_TEST_CDK';
export const TEST_WORK_DIR_ENV = 'CDK_MIRROR_INTEG_TEST_WORK_DIR';

/** A scratch directory of an app (gitignored). */
export function workDir(name: string): string {
  return path.join(process.env[TEST_WORK_DIR_ENV] ?? path.join(REPO, 'test', '.tmp'), `${name}.integ`);
}

/** `--app` and the options every cdk call shares: no notices, no version or path metadata in the templates. */
export function appOptions(name: string): string[] {
  return [
    '--app', `ts-node -P tsconfig.dev.json test/${name}.integ.ts`,
    '--no-notices', '--no-version-reporting', '--no-asset-metadata', '--no-path-metadata',
  ];
}

/** The pinned CLI (or the tests' stand-in). */
export const CDK = process.env[TEST_CDK_ENV] ?? path.join(REPO, 'node_modules', '.bin', 'cdk');

/** The environment of a cdk call: the apps run with ts-node without type checking (jest type-checks them). */
export function cdkEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', ...extra };
}

/** `cdk synth` of an app into `outdir`; throws with the CLI's output if it fails. */
export function synth(name: string, outdir: string): void {
  fs.rmSync(outdir, { recursive: true, force: true });
  const result = spawnSync(CDK, ['synth', '--quiet', ...appOptions(name), '-o', outdir], { cwd: REPO, env: cdkEnv(), encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`cdk synth of test/${name}.integ.ts failed:\n${result.stdout}${result.stderr}`);
  }
}
