/**
 * `npx projen bench`: this handler, the original design (fetch it all, PUT,
 * 302) and the limit (a direct GET; a bare upload) side by side in one run,
 * through the local CloudFront, function URL and S3 stand-ins, at several
 * object sizes. Prints a markdown table (also written to bench/results.md)
 * and draws docs/benchmark.svg. Exits 1 if any body the viewer got or any
 * stored object differs from the origin's.
 *
 *   npx projen bench [--runs N] [--sizes MiB,…] [--cold-starts N] [--no-bandwidth-cap] [--no-write]   (--help: defaults)
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderChart } from './chart';
import { measureColdStarts, SHIPPED_BUNDLE_DIR } from './cold-start';
import { parseBenchFlags, USAGE } from './flags';
import { BenchObject, measureDirect, measureMiss } from './measure';
import { measureMetricsCost } from './metrics-cost';
import { METRICS_SECTION, renderMetricsCost } from './metrics-report';
import { measureRealistic, RealisticResults } from './realistic';
import { renderRealistic } from './realistic-report';
import { renderReport, renderRuns, RunInfo, Sample, Variant } from './report';
import { sectionBlock, withKeptSections, writeSection } from './results-sections';
import { MirrorVariant, startStacks } from './stacks';
import { failureText } from '../local/command-line';
import { STREAM_BURST_BYTES } from '../local/lambda/function-url';
import { patternSha256, startOrigin } from '../local/origin/server';

const MiB = 1024 * 1024;
const ROOT = path.join(__dirname, '..');
const RESULTS_FILE = path.join(ROOT, 'bench', 'results.md');
const CHART_FILE = path.join(ROOT, 'docs', 'benchmark.svg');
/** Misses a fresh container serves before the measured one: enough for the JIT to settle on the streaming path. */
const WARM_UPS = 5;
/** Largest warm-up object (a larger object is measured after warm-ups of this size). */
const WARM_UP_MAX_BYTES = 1 * MiB;
const WARM_UP_SEED = 7;
/** The streamed demo runs only where it costs seconds, not minutes: just past the burst. */
const STREAMED_DEMO_MAX_BYTES = 16 * MiB;
/** Log lines timed per logger for the metrics' warm cost. */
const WARM_CALLS = 20_000;
const OCTET_STREAM = { 'content-type': 'application/octet-stream' };

/** `items` in an order drawn from `seed` (Fisher-Yates over a small linear congruential generator). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  // Exact in doubles: state < 2^32, so state × 1664525 < 2^53.
  let state = Math.abs(Math.trunc(seed)) % 2 ** 32;
  const next = () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function sizeLabel(size: number): string {
  return `${size / MiB}MiB`;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = parseBenchFlags(process.argv.slice(2));
  if (options.help) return void process.stdout.write(USAGE);
  if (!fs.existsSync(path.join(SHIPPED_BUNDLE_DIR, 'index.js'))) throw new Error('the handler is not bundled: run `npx projen bundle` first (npx projen bench does)');
  if (options.metricsOnly) return metricsOnly(options.coldStarts, options.write);
  const benchStarted = performance.now();
  const withDemo = options.sizes.some((s) => s > STREAM_BURST_BYTES && s <= STREAMED_DEMO_MAX_BYTES);
  const mirrorVariants: MirrorVariant[] = ['this', 'original', 'bare-upload', ...(withDemo ? ['this-streamed' as const] : [])];
  const origin = await startOrigin();
  const { stacks, s3DataDir, close } = await startStacks({
    endpoint: origin.url, bandwidthCap: options.bandwidthCap, variants: mirrorVariants, handlerDir: options.handlerDir,
  });
  const info: RunInfo = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    memoryGiB: os.totalmem() / 1024 ** 3,
    runs: options.runs,
    bandwidthCap: options.bandwidthCap,
    burstBytes: STREAM_BURST_BYTES,
    date: new Date().toISOString(),
    handlerDir: options.handlerDir,
    s3DataDir,
  };
  // Idle connections closed before the servers' 5 s keepAliveTimeout (this also makes the agent honour their Keep-Alive hint).
  const agent = new http.Agent({ keepAlive: true, timeout: 4_000 });
  const samples: Sample[] = [];
  const log = (text: string) => process.stderr.write(text);
  try {
    for (const size of options.sizes) {
      for (let run = 1; run <= options.runs; run++) {
        const seed = (size / MiB) * 1000 + run;
        const sha256 = await patternSha256({ size, seed });
        const warmUpSize = Math.min(size, WARM_UP_MAX_BYTES);
        const warmUpSha256 = await patternSha256({ size: warmUpSize, seed: WARM_UP_SEED });
        const variants: Variant[] = ['this', 'original', 'bare-upload', 'direct'];
        if (withDemo && size > STREAM_BURST_BYTES && size <= STREAMED_DEMO_MAX_BYTES) variants.push('this-streamed');
        // A different order in every run (seeded, so reruns compare): no design always follows the same one.
        const order = shuffled(variants, seed);
        for (const variant of order) {
          const id = `${sizeLabel(size)}-r${run}-${randomBytes(4).toString('hex')}`;
          const object: BenchObject = { path: `/bench/${variant}/${id}.bin`, size, sha256 };
          origin.route(object.path, { body: { size, seed }, headers: OCTET_STREAM });
          log(`${sizeLabel(size).padStart(7)} run ${run}/${options.runs} ${variant.padEnd(13)} `);
          let measurement;
          if (variant === 'direct') {
            measurement = await measureDirect(origin.url, object, agent);
          } else {
            const warmUps = Array.from({ length: WARM_UPS }, (_, i): BenchObject => ({
              path: `/bench/${variant}/warm-up-${id}-${i + 1}.bin`, size: warmUpSize, sha256: warmUpSha256,
            }));
            for (const warmUp of warmUps) origin.route(warmUp.path, { body: { size: warmUpSize, seed: WARM_UP_SEED }, headers: OCTET_STREAM });
            // Nothing else runs while a design is measured: every other stack's containers are stopped too.
            for (const other of stacks.values()) {
              for (const container of other.mirror.functionUrl.pool.live) await container.stop();
            }
            measurement = await measureMiss(stacks.get(variant)!, object, warmUps, agent);
          }
          samples.push({ variant, size, run, measurement });
          const v = measurement.viewer;
          log(`first byte ${v ? v.firstByteMs.toFixed(1) : '–'} ms, whole ${v ? v.wholeBodyMs.toFixed(0) : '–'} ms` +
            `${measurement.storedMs === undefined ? '' : `, stored ${measurement.storedMs.toFixed(0)} ms`}` +
            `${measurement.peakRssBytes === undefined ? '' : `, peak RSS ${(measurement.peakRssBytes / MiB).toFixed(0)} MiB`}` +
            `${measurement.problems.length > 0 ? `  FAILED: ${measurement.problems.join('; ')}` : ''}\n`);
        }
      }
    }
  } finally {
    agent.destroy();
    await close();
    await origin.close();
  }

  let realistic: RealisticResults | undefined;
  if (options.realistic) realistic = await measureRealistic({ ...options.realistic, runs: options.runs, log });
  if (options.coldStarts > 0) log(`cold start: ${options.coldStarts} fresh processes per option …\n`);
  const coldStarts = options.coldStarts > 0 ? await measureColdStarts(options.coldStarts) : [];
  const metricsCost = options.coldStarts > 0 ? renderMetricsCost(await measureMetricsCost(options.coldStarts, WARM_CALLS)) : undefined;
  const report = renderReport(samples, options.sizes, coldStarts, info, performance.now() - benchStarted)
    + (realistic ? `\n${renderRealistic(realistic)}` : '');
  process.stdout.write(`\n${report}${metricsCost ? `\n${metricsCost}` : ''}`);
  // Rendered on every run, so a broken chart fails here (and in CI) even with --no-write.
  const chart = await renderChart(samples, options.sizes, info);
  const failed = samples.some((s) => s.measurement.problems.length > 0)
    || (realistic !== undefined && [...realistic.herds, ...realistic.firstBytes].some((row) => row.problems.length > 0));
  if (options.write && failed) {
    process.stdout.write(`\nNot writing ${path.relative(ROOT, RESULTS_FILE)} or ${path.relative(ROOT, CHART_FILE)}: some measurements failed (above).\n`);
  } else if (options.write) {
    const command = `npx projen bench${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
    // Other benchmarks' sections of the file (npx projen bench:jobs) are kept.
    fs.writeFileSync(RESULTS_FILE, withKeptSections(RESULTS_FILE, [
      '# Benchmark results',
      '',
      `Written by \`${command}\` on ${info.date}.`,
      '',
      report,
      // Without cold starts the metrics were not measured: the file's section is kept (withKeptSections).
      ...(metricsCost ? [sectionBlock(METRICS_SECTION, metricsCost)] : []),
      '<details><summary>Every run</summary>',
      '',
      renderRuns(samples),
      '</details>',
      '',
    ].join('\n')));
    fs.mkdirSync(path.dirname(CHART_FILE), { recursive: true });
    fs.writeFileSync(CHART_FILE, chart);
    process.stdout.write(`\nWrote ${path.relative(ROOT, RESULTS_FILE)} and ${path.relative(ROOT, CHART_FILE)}.\n`);
  }
  if (failed) process.exitCode = 1;
}

/** `--metrics-only`: measures what the metrics cost and rewrites only that section of the results. */
async function metricsOnly(coldStarts: number, write: boolean): Promise<void> {
  process.stderr.write(`metrics cost: ${coldStarts} fresh processes per option, ${WARM_CALLS} log lines per logger …\n`);
  const command = `npx projen bench ${process.argv.slice(2).join(' ')}`;
  const note = `This section written by \`${command}\` on ${new Date().toISOString()} (${os.cpus().length} CPUs, Node.js ${process.version}).`;
  const section = renderMetricsCost(await measureMetricsCost(Math.max(coldStarts, 1), WARM_CALLS), note);
  process.stdout.write(`\n${section}`);
  if (!write) return;
  writeSection(RESULTS_FILE, METRICS_SECTION, section);
  process.stdout.write(`\nWrote the metrics section of ${path.relative(ROOT, RESULTS_FILE)}.\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${failureText(err)}\n`);
  process.exit(1);
});
