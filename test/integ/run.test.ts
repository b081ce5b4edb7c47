/**
 * The runner of `npx projen integ`, tested without an AWS account: its command line, the results it reads from a
 * deployment's outputs, the cost estimate, failing fast without credentials or region, and, against a stand-in
 * `cdk` that records its calls, that it destroys what it deployed whatever happened (a failed step, a failed
 * deployment, Ctrl-C) and names what a second Ctrl-C leaves behind.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STEP_OUTPUT_PREFIX, stackName } from './app';
import { TEST_CDK_ENV, TEST_WORK_DIR_ENV } from './cdk';
import { costReport, scenarioCost } from './cost';
import { leftBehind, parseRunArgs, stepResults } from './run';
import { SCENARIOS } from './scenarios';
import { DEFAULT_MIRROR } from './scenarios/default-mirror';
import { VARIANTS } from './scenarios/variants';

const REPO = path.resolve(__dirname, '..', '..');
const KNOWN = ['default-mirror', 'variants'];

describe('command line', () => {
  it('runs every app by default, deploying and destroying', () => {
    expect(parseRunArgs([], KNOWN)).toEqual({ names: KNOWN, dryRun: false, destroyOnly: false });
  });

  it('takes --only as a list or repeated, once each', () => {
    expect(parseRunArgs(['--only', 'variants,default-mirror', '--only', 'variants'], KNOWN)).toEqual(expect.objectContaining({ names: ['variants', 'default-mirror'] }));
    expect(parseRunArgs(['--only=variants', '--dry-run'], KNOWN)).toEqual({ names: ['variants'], dryRun: true, destroyOnly: false });
    expect(parseRunArgs(['--destroy'], KNOWN)).toEqual(expect.objectContaining({ destroyOnly: true }));
    expect(parseRunArgs(['-h'], KNOWN)).toBe('help');
  });

  it('refuses an unknown app, naming the known ones, and an unknown option or argument', () => {
    expect(() => parseRunArgs(['--only', 'nope'], KNOWN)).toThrow('no integ app named nope (the apps: default-mirror, variants)');
    expect(() => parseRunArgs(['--keep'], KNOWN)).toThrow(/Unknown option '--keep'/);
    expect(() => parseRunArgs(['variants'], KNOWN)).toThrow(/positional argument/);
  });
});

describe('results of a deployment', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-outputs-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads each step\'s assertion result from the outputs file, ignoring other outputs', () => {
    const file = path.join(dir, 'outputs.json');
    fs.writeFileSync(file, JSON.stringify({
      'cdk-mirror-origin-integ-variants': { ExportsOutputRefProbe: 'fn' },
      'cdk-mirror-origin-integ-variants-assertions': {
        AssertionResultsStepWarmUp: '{"status":"success"}',
        AssertionResultsStepVariantW100: '{"status":"fail","message":"Expected 200 but received 502"}',
        AssertionResultsStepBroken: 'not json',
      },
    }));
    expect(Object.fromEntries(stepResults(file))).toEqual({
      WarmUp: { status: 'success' },
      VariantW100: { status: 'fail', message: 'Expected 200 but received 502' },
      Broken: { status: 'fail', message: 'not json' },
    });
  });

  it('has no result when the deployment wrote no outputs', () => {
    expect(stepResults(path.join(dir, 'missing.json')).size).toBe(0);
  });
});

describe('cost estimate', () => {
  it('counts the viewer requests and bytes of the steps, a herd\'s as many as its viewers', () => {
    const cost = scenarioCost(DEFAULT_MIRROR);
    // One request per step that makes one, two for a step that follows a redirect, one per viewer of a herd.
    const http = DEFAULT_MIRROR.steps.filter((step) => step.probe.kind === 'http' || step.probe.kind === 'abandon');
    const herds = DEFAULT_MIRROR.steps.flatMap((step) => (step.probe.kind === 'herd' ? [step.probe.viewers] : []));
    expect(herds).toEqual([8]);
    expect(cost.viewerRequests).toBe(http.length + http.filter((step) => step.probe.kind === 'http' && step.probe.follow).length + 8);
    // The herd alone moves 8 × 3 MiB.
    expect(cost.viewerBytes).toBeGreaterThan(8 * 3 * 1024 * 1024);
    expect(cost.dollars).toBeGreaterThan(0);
  });

  it('counts a job run\'s state transitions, the metrics read, and the custom metrics written', () => {
    const cost = scenarioCost(DEFAULT_MIRROR);
    expect(cost.stateTransitions).toBeGreaterThan(0);
    expect(cost.metricsRequested).toBeGreaterThan(0);
    // Two handlers and the jobs' item function write metrics in the default app; one handler in the variants app.
    expect(cost.customMetrics).toBe(3 * 24);
    const variants = scenarioCost(SCENARIOS.find((scenario) => scenario.name === 'variants')!);
    expect(variants).toEqual(expect.objectContaining({ stateTransitions: 0, metricsRequested: 0, customMetrics: 24 }));
    expect(cost.dollars).toBeGreaterThan(variants.dollars);
  });

  it('prints every app, the assumptions and a total of a few cents', () => {
    const lines = costReport(SCENARIOS).join('\n');
    for (const scenario of SCENARIOS) expect(lines).toContain(`  ${scenario.name}: `);
    expect(lines).toMatch(/creating and deleting CloudFront distributions/);
    expect(lines).toMatch(/Step Functions transitions .* GetMetricData .* EMF metrics/s);
    expect(lines).toMatch(/Total: about \$0\.0[1-9]\d\d\. Time: 12–30 min per app/);
  });
});

/** A runner started as `npx projen integ` starts it: a wait for a line of its output, and its end. */
interface Runner {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; out: string; ms: number }>;
  waitFor(pattern: RegExp): Promise<void>;
}

/** Starts the runner in an environment with only `env` for AWS (and for the stand-in `cdk`). */
function startRunner(args: string[], env: Record<string, string>): Runner {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-home-'));
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/integ/run.ts', ...args], {
    cwd: REPO,
    // No credentials anywhere unless `env` has fake ones: no profile files, and the EC2 metadata endpoint never asked (nothing leaves the machine).
    env: {
      PATH: process.env.PATH!,
      HOME: home,
      AWS_CONFIG_FILE: path.join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  let out = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (chunk: Buffer) => {
    out += chunk;
    for (const waiter of waiters.filter((w) => w.pattern.test(out))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = new Promise<{ code: number | null; out: string; ms: number }>((resolve) => {
    child.on('close', (code) => {
      fs.rmSync(home, { recursive: true, force: true });
      for (const waiter of waiters) waiter.resolve();
      resolve({ code, out, ms: Date.now() - started });
    });
  });
  return {
    child,
    done,
    waitFor: (pattern) => (pattern.test(out) ? Promise.resolve() : new Promise((resolve) => waiters.push({ pattern, resolve }))),
  };
}

/** Runs the runner to its end; its exit code and output. */
function runner(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number }> {
  return startRunner(args, env).done;
}

describe('without an AWS account', () => {
  it('fails fast without credentials, saying what to set, before deploying anything', async () => {
    const { code, out, ms } = await runner(['--only', 'variants'], { AWS_REGION: 'us-east-1' });
    expect(code).toBe(2);
    expect(out).toMatch(/No AWS credentials .*Set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(out).not.toMatch(/== integ/);
    // Well inside the 10 s the credential lookup is given: nothing waited for a network answer.
    expect(ms).toBeLessThan(30_000);
  });

  it('fails fast without a region', async () => {
    const { code, out } = await runner(['--only', 'variants'], { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' });
    expect(code).toBe(2);
    expect(out).toMatch(/No AWS region: set AWS_REGION/);
    expect(out).not.toMatch(/== integ/);
  });

  it('prints the plan and the estimate with --dry-run, and needs no credentials for it', async () => {
    const { code, out } = await runner(['--dry-run'], {});
    expect(code).toBe(0);
    expect(out).toMatch(/^Integ apps: default-mirror, variants$/m);
    expect(out).toMatch(/Total: about \$0\.\d+\. Time/);
    expect(out).not.toMatch(/credentials/i);
  });

  it('refuses a bad command line with the usage', async () => {
    const { code, out } = await runner(['--only', 'nope'], {});
    expect(code).toBe(2);
    expect(out).toMatch(/no integ app named nope[\s\S]*usage: npx projen integ/);
  });
});

/**
 * A stand-in for the `cdk` CLI: records each call (and each SIGINT it gets) in FAKE_CDK_LOG, and does what
 * FAKE_CDK_PLAN says: `deploy` is `pass`, `fail` (exit 1 after the outputs), `synth-fails` (exit 1 before an
 * assembly exists), `hang` (until SIGINT) or `stubborn` (until a second SIGINT); `outputs` are the assertion
 * stack's outputs; `destroy` is `pass`, `fail`, or `slow` (until the file FAKE_CDK_RELEASE exists).
 */
const FAKE_CDK = `
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const plan = JSON.parse(process.env.FAKE_CDK_PLAN || '{}');
const log = (entry) => fs.appendFileSync(process.env.FAKE_CDK_LOG, JSON.stringify({ pid: process.pid, ...entry }) + '\\n');
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const stacksOfApp = (name) => ['cdk-mirror-origin-integ-' + name, 'cdk-mirror-origin-integ-' + name + '-assertions'];
const app = option('--app');
log({ event: 'call', args });
let signals = 0;
process.on('SIGINT', () => {
  log({ event: 'SIGINT' });
  if (plan.deploy === 'stubborn' && ++signals === 1) console.log('fake cdk: still deploying');
  else process.exit(130);
});
const keepAlive = () => setInterval(() => {}, 1000);
// Never outlives a broken test by long.
setTimeout(() => process.exit(3), 50000).unref();

if (args[0] === 'deploy') {
  const name = /test\\/(.+)\\.integ\\.ts/.exec(app)[1];
  if (plan.deploy === 'synth-fails') {
    console.error('fake cdk: synth failed');
    process.exit(1);
  }
  const assembly = option('-o');
  fs.mkdirSync(assembly, { recursive: true });
  const artifacts = Object.fromEntries(stacksOfApp(name).map((stack) => [stack, { type: 'aws:cloudformation:stack' }]));
  fs.writeFileSync(path.join(assembly, 'manifest.json'), JSON.stringify({ artifacts }));
  if (plan.deploy === 'hang' || plan.deploy === 'stubborn') {
    console.log('fake cdk: deploying ' + name);
    keepAlive();
  } else {
    if (plan.outputs) fs.writeFileSync(option('--outputs-file'), JSON.stringify({ [stacksOfApp(name)[1]]: plan.outputs }));
    process.exit(plan.deploy === 'fail' ? 1 : 0);
  }
} else if (args[0] === 'destroy') {
  // The stacks the assembly names, or (--destroy) the app's.
  const stacks = fs.existsSync(path.join(app, 'manifest.json'))
    ? Object.keys(JSON.parse(fs.readFileSync(path.join(app, 'manifest.json'), 'utf8')).artifacts)
    : stacksOfApp(/test\\/(.+)\\.integ\\.ts/.exec(app)[1]);
  const finish = () => {
    log({ event: plan.destroy === 'fail' ? 'destroy failed' : 'destroyed', stacks });
    process.exit(plan.destroy === 'fail' ? 1 : 0);
  };
  if (plan.destroy === 'slow') {
    console.log('fake cdk: destroying');
    const poll = setInterval(() => fs.existsSync(process.env.FAKE_CDK_RELEASE) && (clearInterval(poll), finish()), 20);
  } else finish();
} else {
  process.exit(64);
}
`;

interface FakeCdkCall {
  readonly pid: number;
  readonly event: string;
  readonly args?: string[];
  readonly stacks?: string[];
}

describe('deploys, asserts and destroys, whatever happened (against a stand-in cdk)', () => {
  let dir: string;
  let run = 0;
  let logFile: string;
  let release: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-fake-cdk-'));
    fs.writeFileSync(path.join(dir, 'cdk'), `#!${process.execPath}\n${FAKE_CDK}`, { mode: 0o755 });
  });
  afterEach(() => {
    // A stand-in a failed test left running is stopped here (each ends itself within 50 s anyway).
    for (const call of calls()) {
      try {
        process.kill(call.pid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Starts the runner with fake credentials and the stand-in `cdk` following `plan`. */
  function start(args: string[], plan: object): Runner {
    run += 1;
    logFile = path.join(dir, `calls-${run}.jsonl`);
    release = path.join(dir, `release-${run}`);
    return startRunner(args, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: 'us-east-1',
      [TEST_CDK_ENV]: path.join(dir, 'cdk'),
      [TEST_WORK_DIR_ENV]: path.join(dir, `work-${run}`),
      FAKE_CDK_PLAN: JSON.stringify(plan),
      FAKE_CDK_LOG: logFile,
      FAKE_CDK_RELEASE: release,
    });
  }

  /** The stand-in's calls and signals of the last run, in order. */
  function calls(): FakeCdkCall[] {
    if (logFile === undefined || !fs.existsSync(logFile)) return [];
    return fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }

  const argAfter = (call: FakeCdkCall | undefined, name: string) => call?.args?.[call.args.indexOf(name) + 1];
  const commands = () => calls().filter((call) => call.event === 'call').map((call) => `${call.args![0]} ${/test\/(.+)\.integ\.ts/.exec(argAfter(call, '--app')!)?.[1] ?? 'assembly'}`);
  const variantsStacks = [stackName(VARIANTS), `${stackName(VARIANTS)}-assertions`];
  const defaultStacks = [stackName(DEFAULT_MIRROR), `${stackName(DEFAULT_MIRROR)}-assertions`];
  const outputsOf = (failing?: string) => Object.fromEntries(VARIANTS.steps.map((step) => [`${STEP_OUTPUT_PREFIX}${step.id}`,
    JSON.stringify(step.id === failing ? { status: 'fail', message: 'Expected 200 but received 502' } : { status: 'success' })]));

  it('exits 0 when every step passed and both stacks were destroyed with the deployment\'s own assembly', async () => {
    const { code, out } = await start(['--only', 'variants'], { deploy: 'pass', outputs: outputsOf(), destroy: 'pass' }).done;
    expect(out).toMatch(/Every integ app passed and destroyed\./);
    expect(code).toBe(0);
    const [deploy, destroy] = calls().filter((call) => call.event === 'call');
    expect(deploy.args).toEqual(expect.arrayContaining(['deploy', '--all', '--require-approval', 'never']));
    expect(destroy.args).toEqual(expect.arrayContaining(['destroy', '--all', '--force']));
    expect(argAfter(destroy, '--app')).toBe(argAfter(deploy, '-o'));
    expect(calls().find((call) => call.event === 'destroyed')?.stacks).toEqual(variantsStacks);
    for (const step of VARIANTS.steps) expect(out).toContain(`pass  ${step.id}: `);
  });

  it('destroys after a failed deployment, prints the failing step\'s message, and exits 1', async () => {
    const { code, out } = await start(['--only', 'variants'], { deploy: 'fail', outputs: outputsOf('VariantW200'), destroy: 'pass' }).done;
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL {2}VariantW200: .*\n +Expected 200 but received 502/);
    expect(out).toMatch(/pass {2}VariantW100: /);
    expect(out).toMatch(/the deployment failed \(exit 1\)/);
    expect(out).toMatch(/Not passed and destroyed: variants/);
    expect(commands()).toEqual(['deploy variants', 'destroy assembly']);
    const [deploy, destroy] = calls().filter((call) => call.event === 'call');
    expect(argAfter(destroy, '--app')).toBe(argAfter(deploy, '-o'));
    expect(calls().find((call) => call.event === 'destroyed')?.stacks).toEqual(variantsStacks);
  });

  it('names the stacks to delete when the destroy fails, and exits 1', async () => {
    const { code, out } = await start(['--only', 'variants'], { deploy: 'pass', outputs: outputsOf(), destroy: 'fail' }).done;
    expect(code).toBe(1);
    expect(out).toContain(`could not destroy ${variantsStacks[0]} and ${variantsStacks[1]}: run \`npx projen integ:variants:destroy\``);
  });

  it('destroys nothing when synth failed (nothing was deployed), and exits 1', async () => {
    const { code, out } = await start(['--only', 'variants'], { deploy: 'synth-fails' }).done;
    expect(code).toBe(1);
    expect(out).toMatch(/fake cdk: synth failed/);
    expect(out).toMatch(/FAIL {2}WarmUp: .*\n +no result \(the deployment stopped before this step\)/);
    expect(commands()).toEqual(['deploy variants']);
  });

  it('on Ctrl-C during a deployment: stops it, still destroys, deploys no further app, and exits 1', async () => {
    const integ = start([], { deploy: 'hang', destroy: 'pass' });
    await integ.waitFor(/fake cdk: deploying default-mirror/);
    integ.child.kill('SIGINT');
    const { code, out } = await integ.done;
    expect(out).toMatch(/Interrupted: stopping, then destroying what was deployed/);
    expect(out).toMatch(/the deployment failed \(exit 130, interrupted\)/);
    expect(calls().map((call) => call.event)).toEqual(['call', 'SIGINT', 'call', 'destroyed']);
    expect(commands()).toEqual(['deploy default-mirror', 'destroy assembly']);
    expect(calls().find((call) => call.event === 'destroyed')?.stacks).toEqual(defaultStacks);
    expect(code).toBe(1);
  });

  it('on Ctrl-C during a destroy: lets the destroy finish', async () => {
    const integ = start(['--only', 'variants'], { deploy: 'pass', outputs: outputsOf(), destroy: 'slow' });
    await integ.waitFor(/fake cdk: destroying/);
    integ.child.kill('SIGINT');
    await integ.waitFor(/Interrupted: finishing the destroy first/);
    fs.writeFileSync(release, '');
    const { code } = await integ.done;
    expect(calls().map((call) => call.event)).toEqual(['call', 'call', 'destroyed']);
    expect(code).toBe(1);
  });

  it('on a second Ctrl-C: stops cdk, leaves at once, and names the stacks left and the command that deletes them', async () => {
    const integ = start([], { deploy: 'stubborn', destroy: 'pass' });
    await integ.waitFor(/fake cdk: deploying default-mirror/);
    integ.child.kill('SIGINT');
    await integ.waitFor(/fake cdk: still deploying/);
    integ.child.kill('SIGINT');
    const { code, out } = await integ.done;
    expect(code).toBe(130);
    expect(out).toContain(`Left at once, without destroying:\n  ${defaultStacks[0]} and ${defaultStacks[1]}: run \`npx projen integ:default-mirror:destroy\``);
    expect(calls().map((call) => call.event)).toEqual(['call', 'SIGINT', 'SIGINT']);
  });

  it('--destroy destroys each app\'s stacks from a fresh synth', async () => {
    const { code, out } = await start(['--destroy'], { destroy: 'pass' }).done;
    expect(code).toBe(0);
    expect(out).toMatch(/Every integ app destroyed\./);
    expect(commands()).toEqual(['destroy default-mirror', 'destroy variants']);
    expect(calls().filter((call) => call.event === 'destroyed').map((call) => call.stacks)).toEqual([defaultStacks, variantsStacks]);
  });
});

describe('what a second Ctrl-C leaves', () => {
  it('names every app\'s stacks not yet destroyed, or says nothing is left', () => {
    expect(leftBehind(new Map([['a', ['s-a', 's-a-assertions']], ['b', ['s-b', 's-b-assertions']]]))).toEqual([
      'Left at once, without destroying:',
      '  s-a and s-a-assertions: run `npx projen integ:a:destroy` (or delete them in the CloudFormation console)',
      '  s-b and s-b-assertions: run `npx projen integ:b:destroy` (or delete them in the CloudFormation console)',
    ]);
    expect(leftBehind(new Map())).toEqual(['Left at once; nothing was left deployed.']);
  });
});
