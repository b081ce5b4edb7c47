/**
 * `npx projen local`: the whole mirror on this machine. Synthesizes a stack
 * holding `MirrorOriginDistribution`, starts S3, the function URL (running
 * the bundled handler the template names) and CloudFront on 127.0.0.1, and
 * logs every request: a miss fetched and stored, or a hit from the bucket.
 *
 *   npx projen local                                  # mirrors the built-in sample origin
 *   npx projen local --endpoint https://example.com   # mirrors any origin (LOCAL_MIRROR_ENDPOINT works too)
 *   npx projen local --example two-origins            # two mirrors: "/legacy/*" on a second sample origin
 *   npx projen local --port 9000 --no-bandwidth-cap
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { MirrorOriginDistribution } from '../src';
import { bannerLines } from './banner';
import { DEFAULT_DATA_DIR, s3DataDirectory } from './data-dir';
import { checkEndpoint } from './endpoint-check';
import { EXAMPLES, RunningExample } from './examples';
import { parseLocalRunFlags, USAGE } from './main-flags';
import { MetricsSummary } from './metrics-summary';
import { SAMPLE_FILES, startSampleOrigin } from './origin/sample';
import type { LocalOrigin } from './origin/server';
import { formatRequest } from './request-log';
import { LocalMirror, MirrorRequestRecord, startLocalMirror } from './stack';
import { synthesizeMirror } from './synth';

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'handler', 'mirror.lambda', 'index.js');

/** Whether `port` can be listened on at 127.0.0.1 right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  // This machine may run an older Node.js than Lambda's; the SDK's warning about it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const args = parseLocalRunFlags(process.argv.slice(2), process.env);
  if (args.help) return void process.stdout.write(USAGE);
  const dataDir = args.dataDir === undefined ? DEFAULT_DATA_DIR : path.resolve(args.dataDir);
  if (!existsSync(BUNDLE)) throw new Error(`the handler is not bundled (${path.relative(ROOT, BUNDLE)}): run "npx projen bundle" first`);

  let origin: LocalOrigin | undefined;
  let example: RunningExample | undefined;
  let mirror: LocalMirror | undefined;
  let stopping = false;
  // What the dashboard would show, from the handler's own EMF records.
  const summary = new MetricsSummary();
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${summary.line()}\n${signal}: stopping…\n`);
    await mirror?.close();
    await origin?.close();
    await example?.close();
    process.stdout.write('stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if (args.example) example = await EXAMPLES[args.example].start();
  else if (!args.endpoint) origin = await startSampleOrigin();
  const endpoint = args.endpoint ?? (example?.origins[0].origin ?? origin!).url;
  // Checked once, and the stack served either way: the origin may come up later, and hits need none.
  const reachability = origin || example ? undefined : await checkEndpoint(endpoint);

  const outdir = path.join(dataDir, 'cdk.out');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  process.stdout.write('Synthesizing the stack…\n');
  const synthesized = synthesizeMirror({ outdir, build: example?.build ?? ((stack) => new MirrorOriginDistribution(stack, 'Mirror', { endpoint })) });
  const spec = synthesized.spec;

  const port = (await portIsFree(args.port)) ? args.port : 0;
  // One bucket folder per origin: objects mirrored from one must never be served for another.
  const s3Directory = example ? path.join(dataDir, 's3', `example-${example.name}`) : s3DataDirectory(dataDir, origin ? undefined : endpoint);
  mirror = await startLocalMirror({ spec, port, s3Directory, function: { bandwidthCap: args.bandwidthCap } });
  if (stopping) return;
  mirror.on('request', (record: MirrorRequestRecord) => {
    process.stdout.write(`${formatRequest(record)}\n`);
    if (args.verbose) for (const line of record.invocation?.logs ?? []) process.stdout.write(`       handler: ${line}\n`);
    summary.add(record);
    if (args.summaryEvery > 0 && summary.requests % args.summaryEvery === 0) process.stdout.write(`${summary.line()}\n`);
  });

  process.stdout.write(bannerLines({
    mirror,
    endpoint,
    sampleFiles: origin ? SAMPLE_FILES.map((f) => f.path) : undefined,
    example,
    reachability,
    portTaken: port !== args.port ? args.port : undefined,
    s3Directory,
    templateFile: synthesized.templateFile,
    bandwidthCap: args.bandwidthCap,
  }).join('\n'));
}

main().catch((err) => {
  process.stderr.write(`local: ${(err as Error).message}\n`);
  process.exit(1);
});
