/**
 * The runner of `npx projen integ`, as far as it can be tested without an AWS account: its command line, the
 * results it reads from a deployment's outputs, the cost estimate, and failing fast without credentials or region.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { costReport, scenarioCost } from './cost';
import { parseRunArgs, stepResults } from './run';
import { SCENARIOS } from './scenarios';
import { DEFAULT_MIRROR } from './scenarios/default-mirror';

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

/** Runs the runner as `npx projen integ` does, in an environment with only `env` for AWS; its exit code and output. */
function runner(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-home-'));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/integ/run.ts', ...args], {
      cwd: REPO,
      // No credentials anywhere: no keys, no profile files, and the EC2 metadata endpoint never asked (nothing leaves the machine).
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
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => {
      fs.rmSync(home, { recursive: true, force: true });
      resolve({ code, out, ms: Date.now() - started });
    });
  });
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
