/**
 * `npx projen prewarm`: a migration job over the local stack. Synthesizes the same stack as `npx projen local` with
 * a `MirrorJobs` added, starts the same S3 stand-in on the same `.local/` data (and the built-in sample origin unless
 * --endpoint is given), runs the job with the bundled functions (local/jobs/runner.ts), prints a progress line and
 * the summary (each outcome with its count), and writes the run's summary.json and failures.csv.
 *
 *   npx projen prewarm -- --keys keys.txt
 *   npx projen prewarm -- --keys failures.csv --format report --concurrency 4
 *   npx projen prewarm -- --mode refresh
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { MirrorJobs, MirrorOriginDistribution } from '../../src';
import { failureText, UsageError } from '../command-line';
import { DEFAULT_DATA_DIR, s3DataDirectory } from '../data-dir';
import { startSampleOrigin } from '../origin/sample';
import type { LocalOrigin } from '../origin/server';
import { startS3 } from '../s3/server';
import { synthesizeMirror } from '../synth';
import { parsePrewarmFlags, USAGE } from './flags';
import { formatProgress, formatSummary } from './report';
import { runLocalJob } from './runner';
import { readJobsSpec } from './spec';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLES = ['assets/jobs/runtime/item.lambda/index.js', 'assets/jobs/runtime/run.lambda/index.js'];

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const flags = parsePrewarmFlags(process.argv.slice(2), process.env);
  if (flags.help) return void process.stdout.write(USAGE);
  if (flags.keys !== undefined && !existsSync(flags.keys)) throw new UsageError(`--keys ${flags.keys}: no such file`);
  for (const bundle of BUNDLES) if (!existsSync(path.join(ROOT, bundle))) throw new Error(`${bundle} is missing: run "npx projen bundle" first`);
  const dataDir = flags.dataDir === undefined ? DEFAULT_DATA_DIR : path.resolve(flags.dataDir);

  let origin: LocalOrigin | undefined;
  if (!flags.endpoint) origin = await startSampleOrigin();
  const endpoint = flags.endpoint ?? origin!.url;
  try {
    const outdir = path.join(dataDir, 'cdk.out.jobs');
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    // The same stack as npx projen local (same ids, so the same bucket and data), with the jobs added.
    const synthesized = synthesizeMirror({
      outdir,
      build: (stack) => {
        const mirror = new MirrorOriginDistribution(stack, 'Mirror', { endpoint });
        new MirrorJobs(stack, 'Jobs', { mirror: mirror.mirror, maxConcurrency: flags.concurrency, batchSize: flags.batchSize });
      },
    });
    const spec = readJobsSpec(synthesized.template, path.dirname(synthesized.templateFile));
    const directory = s3DataDirectory(dataDir, origin ? undefined : endpoint);
    const s3 = await startS3({ buckets: [spec.mirrorBucket, spec.reportsBucket], directory, strict: true });
    try {
      const result = await runLocalJob({
        spec,
        s3,
        mode: flags.mode,
        manifestFile: flags.keys,
        format: flags.format,
        concurrency: flags.concurrency,
        batchSize: flags.batchSize,
        outputDir: path.join(dataDir, 'jobs'),
        onProgress: (progress) => process.stdout.write(`\r${formatProgress(flags.mode, progress)}`),
        onLog: flags.verbose ? (line) => process.stdout.write(`\n  ${line}`) : undefined,
      });
      process.stdout.write(`\n${formatSummary(result.summary, result.files)}\n`);
    } finally {
      await s3.stop();
    }
  } finally {
    await origin?.close();
  }
}

main().catch((err) => {
  process.stderr.write(`prewarm: ${failureText(err)}\n`);
  process.exit(1);
});
