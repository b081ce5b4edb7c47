import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { constants } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { lambdaNodeArguments } from '../../local/lambda/container';
import { collectYoungGarbage } from '../../src/handler/memory';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** Runs `collectYoungGarbage` in a fresh `node` started as Lambda starts it; returns the kinds of the GCs it ran. */
async function gcKindsInLambdaLikeProcess(nodeArgs: readonly string[]): Promise<number[]> {
  const script = `
    const { PerformanceObserver, constants } = require('node:perf_hooks');
    const { collectYoungGarbage } = require('./src/handler/memory.ts');
    const kinds = [];
    const report = () => { observer.disconnect(); process.stdout.write(JSON.stringify(kinds)); };
    // GC entries arrive asynchronously: report once the three expected are in, or after 10 s with what came.
    const giveUp = setTimeout(report, 10000);
    const observer = new PerformanceObserver((list) => {
      kinds.push(...list.getEntries().map((e) => e.detail.kind));
      if (kinds.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length >= 3) {
        clearTimeout(giveUp);
        report();
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    for (let i = 0; i < 3; i++) collectYoungGarbage();
  `;
  const { stdout } = await run(process.execPath, [
    ...nodeArgs, '-r', 'ts-node/register/transpile-only', '-e', script,
  ], { cwd: ROOT, timeout: 45_000, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.dev.json' } });
  return JSON.parse(stdout) as number[];
}

describe('collectYoungGarbage', () => {
  test('in a process started as the Lambda runtime starts node, runs a young-generation GC per call', async () => {
    const kinds = await gcKindsInLambdaLikeProcess(lambdaNodeArguments('1024'));
    // Three calls, three minor GCs (V8 may add collections of its own, of any kind).
    expect(kinds.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length).toBeGreaterThanOrEqual(3);
  });

  test('without an exposed gc (as here, under jest), returns quietly', () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(() => collectYoungGarbage()).not.toThrow();
  });

  describe('with a gc function in this process', () => {
    const global = globalThis as { gc?: unknown };
    const saved = global.gc;
    afterEach(() => {
      global.gc = saved;
    });

    test('asks for a minor collection', () => {
      const calls: unknown[] = [];
      global.gc = (options: unknown) => calls.push(options);
      collectYoungGarbage();
      expect(calls).toEqual([{ type: 'minor' }]);
    });

    test('never throws, even if gc does', () => {
      global.gc = () => {
        throw new Error('refused');
      };
      expect(() => collectYoungGarbage()).not.toThrow();
    });
  });
});

describe('lambdaNodeArguments', () => {
  test('sizes the heap from the function memory as the runtime bootstrap does', () => {
    expect(lambdaNodeArguments('1024')).toEqual([
      '--expose-gc', '--max-http-header-size=81920', '--max-semi-space-size=51', '--max-old-space-size=922',
    ]);
  });

  test.each([
    ['128', '--max-semi-space-size=6', '--max-old-space-size=116'],
    ['1769', '--max-semi-space-size=88', '--max-old-space-size=1593'],
    ['10240', '--max-semi-space-size=512', '--max-old-space-size=9216'],
  ])('rounds down as the bootstrap\'s shell arithmetic does (%s MB)', (memory, semiSpace, oldSpace) => {
    expect(lambdaNodeArguments(memory)).toEqual(['--expose-gc', '--max-http-header-size=81920', semiSpace, oldSpace]);
  });

  test('leaves the heap alone without a memory size', () => {
    expect(lambdaNodeArguments(undefined)).toEqual(['--expose-gc', '--max-http-header-size=81920']);
  });
});
