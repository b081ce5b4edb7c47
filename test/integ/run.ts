/**
 * `npx projen integ`: deploys every integ app to the AWS account the credentials name, reads each step's
 * assertion result, and destroys what it deployed, also when a deployment or an assertion fails.
 *
 *   npx projen integ [--only NAME[,NAME]] [--dry-run] [--destroy]
 *
 * --only      these apps (test/NAME.integ.ts) instead of all
 * --dry-run   print the plan and the cost estimate, deploy nothing (needs no credentials)
 * --destroy   only destroy the apps' stacks (after an interrupted run)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { STEP_OUTPUT_PREFIX, stackName } from './app';
import { CDK, REPO, appOptions, cdkEnv, integAppNames, workDir } from './cdk';
import { costReport } from './cost';
import { scenarioNamed } from './scenarios';

/** What the command line asks for. */
export interface RunOptions {
  readonly names: string[];
  readonly dryRun: boolean;
  readonly destroyOnly: boolean;
}

/** Reads the command line; throws a message meant for the user when it is wrong. */
export function parseRunArgs(argv: string[], known: string[]): RunOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      'only': { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      'destroy': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const names = (values.only ?? []).flatMap((list) => list.split(',')).map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`no integ app named ${unknown.join(', ')} (the apps: ${known.join(', ')})`);
  return { names: names.length > 0 ? [...new Set(names)] : known, dryRun: values['dry-run']!, destroyOnly: values.destroy! };
}

// The SDK's notice about this machine's Node.js (the apps' functions run Lambda's) is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = 'usage: npx projen integ [--only NAME[,NAME]] [--dry-run] [--destroy]';
const CREDENTIALS_TIMEOUT_MS = 10_000;

/** Fails fast, with what to do, unless credentials and a region can be found (no request leaves the machine). */
export async function checkAws(): Promise<string> {
  const client = new S3Client({});
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`none found within ${CREDENTIALS_TIMEOUT_MS / 1000} s`)), CREDENTIALS_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.config.credentials(), timeout]);
    } catch (err) {
      throw new Error(`No AWS credentials (${(err as Error).message}). Set AWS_PROFILE (after \`aws sso login\` if it uses SSO) ` +
        'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for an account bootstrapped with `npx cdk bootstrap`.');
    } finally {
      clearTimeout(timer);
    }
    try {
      return await client.config.region();
    } catch {
      throw new Error('No AWS region: set AWS_REGION (or a region in your AWS profile).');
    }
  } finally {
    client.destroy();
  }
}

/** What a run is doing, for its Ctrl-C handler. */
interface RunState {
  interrupted: boolean;
  /** Sends SIGINT to the cdk call in progress. */
  stop?: () => void;
  /** A destroy is in progress: the first Ctrl-C lets it finish. */
  destroying: boolean;
  /** The stacks of each app a deploy was started for and no destroy has removed yet. */
  readonly left: Map<string, string[]>;
}

/** The stacks of an app. */
function stacksOf(name: string): string[] {
  const stack = stackName(scenarioNamed(name));
  return [stack, `${stack}-assertions`];
}

/** Runs the pinned cdk CLI, its output shown as it comes; resolves with its exit code. */
function cdk(args: string[], state: RunState): Promise<number> {
  return new Promise((resolve) => {
    // Its own process group: a Ctrl-C in the terminal reaches the runner only, which decides what cdk gets.
    const child = spawn(CDK, args, { cwd: REPO, env: cdkEnv(), stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    // As a terminal's Ctrl-C would: to cdk and whatever it started (the app's synth).
    state.stop = () => {
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        // Already gone.
      }
    };
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** The step results a deployment wrote: output name → parsed `{ status, message }`. */
export function stepResults(outputsFile: string): Map<string, { status?: string; message?: string }> {
  const results = new Map<string, { status?: string; message?: string }>();
  if (!fs.existsSync(outputsFile)) return results;
  const stacks = JSON.parse(fs.readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  for (const outputs of Object.values(stacks)) {
    for (const [key, value] of Object.entries(outputs)) {
      if (!key.startsWith(STEP_OUTPUT_PREFIX)) continue;
      try {
        results.set(key.slice(STEP_OUTPUT_PREFIX.length), JSON.parse(value));
      } catch {
        results.set(key.slice(STEP_OUTPUT_PREFIX.length), { status: 'fail', message: value });
      }
    }
  }
  return results;
}

/** Deploys, reports and destroys one app; true when every step passed and everything was destroyed. */
async function runApp(name: string, state: RunState): Promise<boolean> {
  const scenario = scenarioNamed(name);
  const dir = workDir(name);
  const assembly = path.join(dir, 'deploy.cdk.out');
  const outputsFile = path.join(dir, 'outputs.json');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  console.log(`\n== integ ${name}: deploy (${stackName(scenario)} and its -assertions stack)`);
  state.left.set(name, stacksOf(name));
  const deployed = await cdk(['deploy', '--all', '--require-approval', 'never', ...appOptions(name), '-o', assembly, '--outputs-file', outputsFile], state);

  const results = stepResults(outputsFile);
  let passed = deployed === 0;
  for (const step of scenario.steps) {
    const result = results.get(step.id);
    const ok = result?.status === 'success';
    passed &&= ok;
    console.log(`  ${ok ? 'pass' : 'FAIL'}  ${step.id}: ${step.proves}${ok ? '' : `\n        ${result?.message ?? 'no result (the deployment stopped before this step)'}`}`);
  }
  if (deployed !== 0) console.log(`  the deployment failed (exit ${deployed}${state.interrupted ? ', interrupted' : ''}): see the CloudFormation events above`);

  console.log(`== integ ${name}: destroy`);
  // Destroy what the deployment's own assembly names; if synth never finished, nothing was deployed.
  const destroyed = fs.existsSync(path.join(assembly, 'manifest.json'))
    ? await destroy(['--app', assembly, '--no-notices', '--no-version-reporting'], state)
    : 0;
  if (destroyed === 0) {
    state.left.delete(name);
  } else {
    console.error(`  could not destroy ${stackName(scenario)} and ${stackName(scenario)}-assertions: ` +
      `run \`npx projen integ:${name}:destroy\`, or delete them in the CloudFormation console`);
  }
  return passed && destroyed === 0;
}

/** `cdk destroy --all` of an app's stacks; the first Ctrl-C does not stop it. */
async function destroy(appArgs: string[], state: RunState): Promise<number> {
  state.destroying = true;
  try {
    return await cdk(['destroy', '--all', '--force', ...appArgs], state);
  } finally {
    state.destroying = false;
  }
}

/** Destroys the stacks of one app from a fresh synth (for stacks an interrupted run left). */
async function destroyApp(name: string, state: RunState): Promise<boolean> {
  console.log(`\n== integ ${name}: destroy`);
  state.left.set(name, stacksOf(name));
  const code = await destroy([...appOptions(name), '-o', path.join(workDir(name), 'destroy.cdk.out')], state);
  if (code === 0) state.left.delete(name);
  return code === 0;
}

/** What a second Ctrl-C leaves behind, and how to delete it. */
export function leftBehind(left: ReadonlyMap<string, readonly string[]>): string[] {
  if (left.size === 0) return ['Left at once; nothing was left deployed.'];
  return ['Left at once, without destroying:', ...[...left].map(([name, stacks]) =>
    `  ${stacks.join(' and ')}: run \`npx projen integ:${name}:destroy\` (or delete them in the CloudFormation console)`)];
}

export async function main(argv: string[]): Promise<number> {
  let options: RunOptions | 'help';
  try {
    options = parseRunArgs(argv, integAppNames());
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const scenarios = options.names.map(scenarioNamed);
  console.log(`Integ apps: ${options.names.join(', ')}`);
  if (!options.destroyOnly) for (const line of costReport(scenarios)) console.log(line);
  if (options.dryRun) return 0;

  let region: string;
  try {
    region = await checkAws();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  console.log(`AWS credentials found; region ${region}.`);

  const state: RunState = { interrupted: false, destroying: false, left: new Map() };
  process.on('SIGINT', () => {
    // The first Ctrl-C stops the deployment and lets the destroy run; the second one stops cdk and leaves at once.
    if (state.interrupted) {
      state.stop?.();
      for (const line of leftBehind(state.left)) console.error(line);
      process.exit(130);
    }
    state.interrupted = true;
    if (state.destroying) {
      console.error('\nInterrupted: finishing the destroy first (Ctrl-C again to leave at once)');
    } else {
      console.error('\nInterrupted: stopping, then destroying what was deployed (Ctrl-C again to leave at once)');
      state.stop?.();
    }
  });
  const failed: string[] = [];
  for (const name of options.names) {
    if (state.interrupted) break;
    const ok = options.destroyOnly ? await destroyApp(name, state) : await runApp(name, state);
    if (!ok) failed.push(name);
  }
  const verb = options.destroyOnly ? 'destroyed' : 'passed and destroyed';
  console.log(failed.length === 0 && !state.interrupted ? `\nEvery integ app ${verb}.` : `\nNot ${verb}: ${failed.join(', ') || '(interrupted)'}`);
  return failed.length === 0 && !state.interrupted ? 0 : 1;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
