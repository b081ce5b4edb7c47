/**
 * `npx projen bench:jobs`: local prewarm throughput. The same keys (1 KiB to 1 MiB, log-uniform, drawn from a fixed
 * seed) are copied from a local origin into a fresh S3 stand-in twice per concurrency, each time by the local job
 * runner with `concurrency` Lambda containers and the same batches: once by the jobs' bundled item function (key
 * rules, HeadObject, origin request, verdict, conditional never-partial store, a log line per key), once by a bare
 * loop in the same kind of container (bench/bare-copy.lambda.ts: GET → PutObject, nothing else). Keys/s and MB/s side
 * by side show what the rules cost. Every stored object is checked byte for byte. Writes its table as a section of
 * bench/results.md.
 *
 *   npx projen bench:jobs [--keys N] [--concurrency 1,10,50] [--batch-size N] [--no-write]
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withKeptSections, writeSection } from './results-sections';
import { bundle } from './stacks';
import { failureText, integerFlag, readFlags, UsageError } from '../local/command-line';
import { runLocalJob } from '../local/jobs/runner';
import { readJobsSpec } from '../local/jobs/spec';
import { patternBuffer, startOrigin } from '../local/origin/server';
import { LocalS3, startS3 } from '../local/s3/server';
import { synthesizeMirror } from '../local/synth';
import { MirrorJobs, MirrorOriginDistribution } from '../src';

const ROOT = path.join(__dirname, '..');
const RESULTS_FILE = path.join(ROOT, 'bench', 'results.md');
const KiB = 1024;
const USAGE = `Usage: npx projen bench:jobs [--keys N] [--concurrency LIST] [--batch-size N] [--no-write]

  --keys N            keys copied per run (default 1000), each 1 KiB to 1 MiB
  --concurrency LIST  batches (containers) at once (default 1,10,50)
  --batch-size N      items per batch (default 10)
  --no-write          print only; leave bench/results.md alone
`;

/** One measured run. */
interface Row {
  readonly concurrency: number;
  readonly design: 'jobs' | 'bare loop';
  readonly seconds: number;
  readonly keys: number;
  readonly bytes: number;
}

/** Sizes from 1 KiB to 1 MiB, log-uniform, from a fixed seed (a linear congruential generator). */
function sizes(count: number): number[] {
  let state = 20_251_126;
  return Array.from({ length: count }, () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return Math.round(KiB * 2 ** (10 * (state / 2 ** 32)));
  });
}

const keyOf = (i: number) => `bench/${String(i).padStart(5, '0')}.bin`;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const flags = readFlags(process.argv.slice(2), { 'keys': 'string', 'concurrency': 'string', 'batch-size': 'string', 'no-write': 'boolean' }, USAGE);
  if (flags.help) return void process.stdout.write(USAGE);
  const count = flags.keys === undefined ? 1000 : integerFlag('--keys', flags.keys, 1);
  const concurrencies = (flags.concurrency ?? '1,10,50').split(',').map((c) => integerFlag('--concurrency', c, 1));
  const batchSize = flags['batch-size'] === undefined ? 10 : integerFlag('--batch-size', flags['batch-size'], 1);
  if (concurrencies.length === 0) throw new UsageError('--concurrency must list at least one number');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-jobs-'));
  const origin = await startOrigin();
  const bodySizes = sizes(count);
  const expected = new Map<string, string>();
  bodySizes.forEach((size, i) => {
    const body = { size, seed: i % 50 };
    origin.route(`/${keyOf(i)}`, { body, headers: { 'content-type': 'application/octet-stream', 'etag': `"${i}"` } });
    expected.set(keyOf(i), sha256(patternBuffer(body)));
  });
  const manifest = path.join(work, 'keys.txt');
  fs.writeFileSync(manifest, bodySizes.map((_, i) => keyOf(i)).join('\n'));
  const totalBytes = bodySizes.reduce((a, b) => a + b, 0);
  const rows: Row[] = [];
  try {
    const synthesized = synthesizeMirror({
      outdir: path.join(work, 'cdk.out'),
      build: (stack) => new MirrorJobs(stack, 'Jobs', { mirror: new MirrorOriginDistribution(stack, 'Mirror', { endpoint: origin.url }).mirror }),
    });
    const spec = readJobsSpec(synthesized.template, path.dirname(synthesized.templateFile));
    const bucket = spec.mirrorBucket;
    const bareDir = path.join(work, 'bare-copy');
    bundle('bare-copy.lambda.ts', bareDir);
    // The same function, environment and containers; only its code differs.
    const bareSpec = { ...spec, item: { ...spec.item, assetDir: bareDir } };
    for (const concurrency of concurrencies) {
      for (const design of ['jobs', 'bare loop'] as const) {
        const s3 = await startS3({ buckets: [bucket, spec.reportsBucket], strict: true });
        try {
          let mapMs = 0;
          const result = await runLocalJob({
            spec: design === 'jobs' ? spec : bareSpec,
            s3,
            mode: 'prewarm',
            manifestFile: manifest,
            format: 'keys',
            concurrency,
            batchSize,
            onProgress: (p) => (mapMs = p.elapsedMs),
          });
          if (result.summary.failedBatches > 0) throw new Error(`${design}: ${result.summary.failedBatches} batches failed`);
          if (design === 'jobs' && result.summary.outcomes.stored !== count) {
            throw new Error(`the jobs stored ${result.summary.outcomes.stored ?? 0} of ${count} keys: ${JSON.stringify(result.summary.outcomes)}`);
          }
          // The Map phase only: prepare and summarise are once per run, whatever its size.
          rows.push({ concurrency, design, seconds: mapMs / 1000, keys: count, bytes: totalBytes });
          await checkStored(s3, bucket, expected);
          const last = rows[rows.length - 1];
          process.stdout.write(`${design.padEnd(9)} concurrency ${String(concurrency).padStart(3)}: ${(last.keys / last.seconds).toFixed(0)} keys/s, ${(last.bytes / 1e6 / last.seconds).toFixed(1)} MB/s\n`);
        } finally {
          await s3.stop();
        }
      }
    }
  } finally {
    await origin.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const table = render(rows, count, totalBytes, batchSize);
  process.stdout.write(`\n${table}\n`);
  if (flags['no-write'] !== true) {
    if (!fs.existsSync(RESULTS_FILE)) fs.writeFileSync(RESULTS_FILE, withKeptSections(RESULTS_FILE, '# Benchmark results\n'));
    writeSection(RESULTS_FILE, 'jobs', table);
    process.stdout.write(`Wrote the jobs section of ${path.relative(ROOT, RESULTS_FILE)}.\n`);
  }
}

/** Every key stored, byte-exact. */
async function checkStored(s3: LocalS3, bucket: string, expected: ReadonlyMap<string, string>): Promise<void> {
  const keys = await s3.listKeys(bucket);
  if (keys.length !== expected.size) throw new Error(`${keys.length} objects stored, ${expected.size} expected`);
  for (const [key, digest] of expected) {
    const object = await s3.getObject(bucket, key);
    if (!object || sha256(object.body) !== digest) throw new Error(`${key} is not byte-exact in S3`);
  }
}

function render(rows: readonly Row[], count: number, totalBytes: number, batchSize: number): string {
  const by = (c: number, d: Row['design']) => rows.find((r) => r.concurrency === c && r.design === d)!;
  const lines = [
    '## Migration jobs: local prewarm throughput',
    '',
    `Written by \`npx projen bench:jobs\` on ${new Date().toISOString()}: ${count} keys of 1 KiB to 1 MiB (log-uniform, ${(totalBytes / 1e6).toFixed(1)} MB in all), ` +
      `${os.cpus().length} CPUs, Node.js ${process.version}, a fresh S3 stand-in per run, every stored object checked byte for byte.`,
    '',
    '| concurrency | jobs keys/s | jobs MB/s | bare loop keys/s | bare loop MB/s | jobs / bare loop |',
    '|---:|---:|---:|---:|---:|---:|',
    ...[...new Set(rows.map((r) => r.concurrency))].map((c) => {
      const jobs = by(c, 'jobs');
      const bare = by(c, 'bare loop');
      const rate = (r: Row) => r.keys / r.seconds;
      const mb = (r: Row) => r.bytes / 1e6 / r.seconds;
      return `| ${c} | ${rate(jobs).toFixed(0)} | ${mb(jobs).toFixed(1)} | ${rate(bare).toFixed(0)} | ${mb(bare).toFixed(1)} | ${(rate(jobs) / rate(bare)).toFixed(2)}× |`;
    }),
    '',
    'Both run by the local job runner in as many local Lambda containers as the concurrency (child processes started one after another, ' +
      `cold starts included), batches of ${batchSize} as Distributed Map sends them, timed from the first batch to the last answer (prepare and ` +
      'summarise, once per run, left out). Jobs: the bundled item function; each key read by the key rules, looked up (HeadObject), fetched, judged, ' +
      'stored with If-None-Match through the never-partial store, logged. Bare loop: bench/bare-copy.lambda.ts in the same containers; each key a GET ' +
      'of the whole body then one PutObject, nothing else. On this machine the containers share its CPUs with the origin and S3 stand-ins (and, here, ' +
      'with other work: read the ratio, not the absolute figures); in AWS each batch has a Lambda of its own.',
  ];
  return lines.join('\n');
}

main().catch((err) => {
  process.stderr.write(`bench:jobs: ${failureText(err)}\n`);
  process.exit(1);
});
