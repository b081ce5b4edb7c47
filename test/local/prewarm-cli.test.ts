/**
 * The pieces of `npx projen prewarm` that are not the run itself: its flags (defaults, each bad value refused
 * naming the flag), the progress line and the summary, which names every outcome with its count.
 */
import { UsageError } from '../../local/command-line';
import { parsePrewarmFlags, USAGE } from '../../local/jobs/flags';
import { formatProgress, formatSummary } from '../../local/jobs/report';
import type { Outcome } from '../../src/handler/result';
import type { JobSummary } from '../../src/jobs/protocol';

describe('flags', () => {
  test('the defaults: keys format, prewarm, 10 batches of 20, the endpoint from LOCAL_MIRROR_ENDPOINT', () => {
    expect(parsePrewarmFlags(['--keys', 'k.txt'], { LOCAL_MIRROR_ENDPOINT: 'http://127.0.0.1:9/x' })).toEqual({
      help: false,
      keys: 'k.txt',
      format: 'keys',
      mode: 'prewarm',
      concurrency: 10,
      batchSize: 20,
      endpoint: 'http://127.0.0.1:9/x',
      dataDir: undefined,
      verbose: false,
    });
  });

  test('every flag given', () => {
    const argv = ['--keys', 'f.csv', '--format', 'report', '--mode', 'coverage', '--concurrency', '3', '--batch-size', '7',
      '--endpoint', 'http://127.0.0.1:8/', '--data-dir', 'd', '--verbose'];
    expect(parsePrewarmFlags(argv, { LOCAL_MIRROR_ENDPOINT: 'http://ignored' })).toEqual({
      help: false, keys: 'f.csv', format: 'report', mode: 'coverage', concurrency: 3, batchSize: 7, endpoint: 'http://127.0.0.1:8/', dataDir: 'd', verbose: true,
    });
  });

  test('refresh needs no manifest (the bucket\'s own keys); --help needs nothing', () => {
    expect(parsePrewarmFlags(['--mode', 'refresh'])).toMatchObject({ mode: 'refresh', keys: undefined });
    expect(parsePrewarmFlags(['--help']).help).toBe(true);
    expect(parsePrewarmFlags(['-h']).help).toBe(true);
  });

  test.each<[string[], RegExp]>([
    [[], /--keys FILE is needed for prewarm/],
    [['--mode', 'coverage'], /--keys FILE is needed for coverage/],
    [['--keys', 'k', '--format', 'inventory'], /--format must be one of paths, keys, report, got "inventory" \(an S3 Inventory is read by Distributed Map itself/],
    [['--keys', 'k', '--mode', 'copy'], /--mode must be one of prewarm, coverage, refresh, got "copy"/],
    [['--keys', 'k', '--concurrency', '0'], /--concurrency must be an integer ≥ 1, got "0"/],
    [['--keys', 'k', '--batch-size', '2.5'], /--batch-size must be an integer ≥ 1, got "2.5"/],
    [['--keys', 'k', '--bogus'], /unknown argument "--bogus"/],
    [['--keys', 'k', 'extra'], /unknown argument "extra"/],
  ])('%j is refused, saying why', (argv, message) => {
    expect(() => parsePrewarmFlags(argv)).toThrow(UsageError);
    expect(() => parsePrewarmFlags(argv)).toThrow(message);
  });

  test('a missing manifest prints the usage', () => {
    expect(() => parsePrewarmFlags([])).toThrow(USAGE);
  });
});

describe('what it prints', () => {
  const outcomes: Partial<Record<Outcome, number>> = {
    'stored': 120, 'present': 40, 'not-found': 9, 'origin-error': 3, 'timeout': 2, 'too-large': 1, 'rejected': 5,
  };
  const summary: JobSummary = {
    mode: 'prewarm',
    run: 'local-1',
    items: 180,
    outcomes,
    bytesFromOrigin: 2_500_000,
    durationMs: 4_200,
    failedBatches: 0,
    reports: { summary: 's3://r/local-1/summary.json', failures: 's3://r/local-1/failures.csv' },
    changedPaths: 0,
  };

  test('the summary names every outcome with its count, one a line, in order of name', () => {
    const lines = formatSummary(summary).split('\n');
    expect(lines[0]).toBe('prewarm local-1: 180 items in 4.2 s, 2500000 bytes from the origin');
    const counted = lines.slice(1).map((line) => line.trim().split(/\s+/));
    expect(counted).toEqual(Object.entries(outcomes).sort(([a], [b]) => a.localeCompare(b)).map(([outcome, n]) => [outcome, String(n)]));
  });

  test('a refresh\'s changed paths, failed batches, a failed run and the files are said', () => {
    const text = formatSummary(
      { ...summary, mode: 'refresh', outcomes: { unchanged: 7, updated: 2 }, changedPaths: 2, failedBatches: 1, error: 'States.ExceedToleratedFailureThreshold' },
      { summary: '.local/jobs/r/summary.json', failures: '.local/jobs/r/failures.csv' },
    );
    expect(text.split('\n').slice(1)).toEqual([
      '  unchanged  7',
      '  updated    2',
      '  1 batches failed as a whole (their items are in the CSV as internal-error)',
      '  2 viewer paths changed (in AWS they are invalidated; the local stack has no cache)',
      '  the run failed: States.ExceedToleratedFailureThreshold',
      'summary: .local/jobs/r/summary.json',
      'keys that need more (feed back with --format report): .local/jobs/r/failures.csv',
    ]);
  });

  test('the progress line: items done of all, each outcome\'s count, MB from the origin, keys a second', () => {
    expect(formatProgress('prewarm', { done: 50, total: 200, outcomes: { 'stored': 45, 'not-found': 5 }, bytes: 12_345_678, elapsedMs: 2_000 }))
      .toBe('prewarm: 50/200 items · stored 45 · not-found 5 · 12.3 MB from the origin · 25 keys/s');
    // Nothing done yet: no empty field, no division by zero.
    expect(formatProgress('coverage', { done: 0, total: 10, outcomes: {}, bytes: 0, elapsedMs: 0 })).toBe('coverage: 0/10 items · 0.0 MB from the origin · 0 keys/s');
  });
});
