/** The command lines of the local run, the load test and the benchmark: the same flags in both forms, and every mistake refused. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBenchFlags, USAGE as BENCH_USAGE } from '../../bench/flags';
import { failureText, readFlags, UsageError } from '../../local/command-line';
import { parseLoadTestFlags, USAGE as LOAD_TEST_USAGE } from '../../local/load-test-flags';
import { ENDPOINT_VARIABLE, parseLocalRunFlags, USAGE as LOCAL_USAGE } from '../../local/main-flags';

const MiB = 1024 * 1024;

/** The error `run` throws (a UsageError), or a failure if it throws none. */
function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError, got none');
}

describe('readFlags', () => {
  const spec = { name: 'string', quiet: 'boolean' } as const;

  test('a value after the flag or after "=", the last one given wins, -h and --help ask for help', () => {
    expect(readFlags(['--name', 'a', '--quiet'], spec, 'usage')).toEqual({ name: 'a', quiet: true });
    expect(readFlags(['--name=b=c', '--name', 'd'], spec, 'usage')).toEqual({ name: 'd' });
    expect(readFlags(['-h'], spec, 'usage')).toEqual({ help: true });
    expect(readFlags(['--help'], spec, 'usage')).toEqual({ help: true });
    expect(readFlags([], spec, 'usage')).toEqual({});
  });

  test('an unknown flag, a bare word or "--" is refused with the usage', () => {
    for (const [argv, shown] of [[['--nmae', 'x'], '--nmae'], [['--nmae=x'], '--nmae=x'], [['stray'], 'stray'], [['-x'], '-x'], [['--', 'a'], '--']]) {
      expect(usageError(() => readFlags(argv as string[], spec, 'THE USAGE')).message).toBe(`unknown argument "${shown}"\n\nTHE USAGE`);
    }
  });

  test('a flag without its value, or a value given to a flag that takes none, is refused', () => {
    expect(usageError(() => readFlags(['--name'], spec, 'usage')).message).toBe('--name needs a value');
    expect(usageError(() => readFlags(['--quiet=yes'], spec, 'usage')).message).toBe('--quiet takes no value, got "--quiet=yes"');
  });

  test('a command prints the message alone for a bad command line, the stack for anything else', () => {
    expect(failureText(new UsageError('bad flag'))).toBe('bad flag');
    const bug = new TypeError('a bug');
    expect(failureText(bug)).toBe(bug.stack);
  });
});

describe('npx projen local', () => {
  test('defaults, and every flag', () => {
    expect(parseLocalRunFlags([])).toEqual({
      help: false, endpoint: undefined, port: 8080, bandwidthCap: true, verbose: false, dataDir: undefined, summaryEvery: 10,
    });
    expect(parseLocalRunFlags(['--endpoint', 'https://old.example.com', '--port=9000', '--no-bandwidth-cap', '--verbose', '--data-dir', '/tmp/x',
      '--summary-every', '0']))
      .toEqual({ help: false, endpoint: 'https://old.example.com', port: 9000, bandwidthCap: false, verbose: true, dataDir: '/tmp/x', summaryEvery: 0 });
    expect(usageError(() => parseLocalRunFlags(['--summary-every', 'often'])).message).toMatch(/^--summary-every must be an integer ≥ 0, got "often"/);
  });

  test(`${ENDPOINT_VARIABLE} stands in for --endpoint, which wins over it`, () => {
    expect(parseLocalRunFlags([], { [ENDPOINT_VARIABLE]: 'http://env.example' }).endpoint).toBe('http://env.example');
    expect(parseLocalRunFlags([], { [ENDPOINT_VARIABLE]: '' }).endpoint).toBeUndefined();
    expect(parseLocalRunFlags(['--endpoint=http://flag.example'], { [ENDPOINT_VARIABLE]: 'http://env.example' }).endpoint).toBe('http://flag.example');
  });

  test('--example names an example, which brings its own origins', () => {
    expect(parseLocalRunFlags(['--example', 'two-origins'], { [ENDPOINT_VARIABLE]: 'http://env.example' })).toMatchObject({ example: 'two-origins', endpoint: undefined });
    expect(usageError(() => parseLocalRunFlags(['--example=three-origins'])).message).toBe('--example must be one of two-origins, got "three-origins"');
    expect(usageError(() => parseLocalRunFlags(['--example', 'toString'])).message).toMatch(/^--example must be one of/);
    expect(usageError(() => parseLocalRunFlags(['--example', 'two-origins', '--endpoint', 'http://x.example'])).message)
      .toBe('--example runs on sample origins of its own: give --endpoint or --example, not both');
    expect(LOCAL_USAGE).toContain('two-origins: two mirrors in one distribution');
  });

  test('a port that is not one, and an unknown flag, are refused', () => {
    for (const port of ['x', '-1', '65536', '80.5']) {
      expect(usageError(() => parseLocalRunFlags(['--port', port])).message).toBe(`--port must be a port number, got ${port}`);
    }
    expect(usageError(() => parseLocalRunFlags(['--bandwidth-cap'])).message).toBe(`unknown argument "--bandwidth-cap"\n\n${LOCAL_USAGE}`);
    expect(LOCAL_USAGE).toMatch(/^Usage: npx projen local /);
  });
});

describe('npx projen load-test', () => {
  test('defaults, and every flag', () => {
    expect(parseLoadTestFlags([]))
      .toEqual({ help: false, requests: 1000, concurrency: 50, keys: 100, containers: 4, minBytes: 1024, maxBytes: 4 * MiB });
    const argv = ['--requests', '10', '--concurrency=2', '--keys', '3', '--containers', '1', '--min-bytes', '5', '--max-bytes=6'];
    expect(parseLoadTestFlags(argv))
      .toEqual({ help: false, requests: 10, concurrency: 2, keys: 3, containers: 1, minBytes: 5, maxBytes: 6 });
  });

  test('a count that is not a whole number above 0, and an unknown flag, are refused', () => {
    for (const value of ['0', '-3', '1.5', 'ten', '']) {
      expect(usageError(() => parseLoadTestFlags([`--requests=${value}`])).message).toBe(`--requests must be an integer ≥ 1, got "${value}"`);
    }
    expect(usageError(() => parseLoadTestFlags(['--request', '5'])).message).toBe(`unknown argument "--request"\n\n${LOAD_TEST_USAGE}`);
  });
});

describe('npx projen bench', () => {
  test('defaults, and every flag', () => {
    expect(parseBenchFlags([])).toEqual({
      help: false,
      runs: 5,
      sizes: [1, 16, 128, 512].map((n) => n * MiB),
      coldStarts: 10,
      bandwidthCap: true,
      write: true,
      handlerDir: undefined,
      metricsOnly: false,
      realistic: { roundTripMs: 40, bytesPerSecond: 50e6, herd: 8 },
    });
    expect(parseBenchFlags(['--rtt', '100', '--bandwidth=10', '--herd', '4']).realistic).toEqual({ roundTripMs: 100, bytesPerSecond: 10e6, herd: 4 });
    expect(parseBenchFlags(['--no-realistic']).realistic).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-flags-'));
    try {
      fs.writeFileSync(path.join(dir, 'index.js'), '');
      expect(parseBenchFlags(['--runs', '3', '--sizes=16,1', '--cold-starts', '0', '--no-bandwidth-cap', '--no-write', '--handler-dir', dir]))
        .toEqual({
          help: false,
          runs: 3,
          sizes: [MiB, 16 * MiB],
          coldStarts: 0,
          bandwidthCap: false,
          write: false,
          handlerDir: dir,
          metricsOnly: false,
          realistic: { roundTripMs: 40, bytesPerSecond: 50e6, herd: 8 },
        });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad values, and an unknown flag, are refused with what would work', () => {
    expect(usageError(() => parseBenchFlags(['--runs', '0'])).message).toBe('--runs must be an integer ≥ 1, got "0"');
    expect(usageError(() => parseBenchFlags(['--cold-starts=-1'])).message).toBe('--cold-starts must be an integer ≥ 0, got "-1"');
    for (const sizes of ['', '1,,2', '0', 'big', '0.1']) {
      expect(usageError(() => parseBenchFlags([`--sizes=${sizes}`])).message).toBe('--sizes must list sizes in MiB, e.g. 1,16,128');
    }
    expect(usageError(() => parseBenchFlags(['--herd', '1'])).message).toBe('--herd must be an integer ≥ 2, got "1"');
    expect(usageError(() => parseBenchFlags(['--handler-dir', '/nonexistent'])).message).toBe('--handler-dir must be a directory holding index.js, got "/nonexistent"');
    expect(usageError(() => parseBenchFlags(['--size', '1'])).message).toBe(`unknown argument "--size"\n\n${BENCH_USAGE}`);
  });
});
