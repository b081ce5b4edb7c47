/**
 * `npx projen load-test`: drives the whole local stack (CloudFront → S3 →
 * function URL → the bundled handler → origin and S3) with many concurrent
 * requests over a mix of hits and misses, then checks every stored object
 * against the origin. Prints figures; asserts nothing but integrity.
 *
 *   npx projen load-test [--requests 1000] [--concurrency 50] [--keys 100] [--containers 4]   (--help: every flag)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MirrorOriginDistribution } from '../src';
import { failureText } from './command-line';
import { parseLoadTestFlags, USAGE } from './load-test-flags';
import { formatBytes } from './request-log';
import { MirrorRequestRecord, startLocalMirror } from './stack';
import { synthesizeMirror } from './synth';
import { ENVIRONMENT_VARIABLES } from '../src/config';
import { patternSha256, startOrigin } from './origin/server';

/** A seeded generator (Park–Miller), so every run asks for the same keys in the same order. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Result {
  readonly key: number;
  /** CloudFront's ID for the request, to find its record. */
  readonly cfId?: string;
  readonly status?: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly error?: string;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = parseLoadTestFlags(process.argv.slice(2));
  if (options.help) return void process.stdout.write(USAGE);
  const rand = random(20240601);

  // Sizes spread evenly on a log scale from minBytes to maxBytes.
  const keys = Array.from({ length: options.keys }, (_, i) => {
    const size = Math.round(options.minBytes * (options.maxBytes / options.minBytes) ** (options.keys === 1 ? 1 : i / (options.keys - 1)));
    return { path: `/load/k${String(i).padStart(3, '0')}.bin`, size, seed: 1000 + i };
  });
  const origin = await startOrigin();
  for (const key of keys) {
    origin.route(`/base${key.path}`, { body: { size: key.size, seed: key.seed }, headers: { 'content-type': 'application/octet-stream' } });
  }
  const expected = await Promise.all(keys.map((key) => patternSha256({ size: key.size, seed: key.seed })));

  const outdir = mkdtempSync(join(tmpdir(), 'mirror-load-'));
  const { spec } = synthesizeMirror({ outdir, build: (stack) => new MirrorOriginDistribution(stack, 'Mirror', { endpoint: `${origin.url}/base` }) });
  const mirror = await startLocalMirror({ spec, function: { maxContainers: options.containers, whenBusy: 'queue' } });
  const records: MirrorRequestRecord[] = [];
  mirror.on('request', (record: MirrorRequestRecord) => records.push(record));

  const sequence = Array.from({ length: options.requests }, () => Math.floor(rand() * keys.length));
  // Idle connections closed before the server's 5 s keepAliveTimeout (this also makes the agent honour its Keep-Alive hint).
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency, timeout: 4_000 });
  const results: Result[] = [];
  let next = 0;
  let resent = 0;
  const one = (index: number, fresh = false, started = performance.now()): Promise<Result> => new Promise((resolve) => {
    const hash = createHash('sha256');
    let cfId: string | undefined;
    let responded = false;
    const done = (status: number | undefined, ok: boolean, error?: string) => {
      resolve({ key: index, cfId, status, ms: performance.now() - started, ok, error });
    };
    const req = http.get(`${mirror.viewerUrl}${keys[index].path}`, { agent: fresh ? false : agent }, (res) => {
      responded = true;
      cfId = res.headers['x-amz-cf-id'] as string | undefined;
      res.on('data', (chunk: Buffer) => hash.update(chunk));
      res.on('error', (err) => done(res.statusCode, false, err.message));
      res.on('end', () => {
        if (res.statusCode !== 200) return done(res.statusCode, false, `status ${res.statusCode}`);
        if (!res.complete) return done(res.statusCode, false, 'incomplete body');
        const sha = hash.digest('hex');
        done(res.statusCode, sha === expected[index], sha === expected[index] ? undefined : 'body differs from the origin');
      });
    });
    req.on('error', (err) => {
      // The server closed an idle keep-alive connection just as it was reused: a browser sends the GET again, once.
      if (!responded && !fresh && req.reusedSocket) {
        resent++;
        return resolve(one(index, true, started));
      }
      done(undefined, false, err.message);
    });
  });
  process.stdout.write(`Load test: ${options.requests} requests, ${options.concurrency} in flight, ${options.keys} keys of ${formatBytes(options.minBytes)}–${formatBytes(options.maxBytes)}, ${options.containers} containers\n`);
  const wallStart = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (next < sequence.length) results.push(await one(sequence[next++]));
  }));
  const wallMs = performance.now() - wallStart;

  // Stores may still be finishing after their viewers got the last byte: wait until every container is idle.
  while (mirror.functionUrl.containers.some((c) => c.state === 'busy')) await new Promise((resolve) => setTimeout(resolve, 50));
  const rss = await mirror.functionUrl.peakRss();

  const requested = [...new Set(sequence)];
  // Every object in the bucket is checked, not only those under the keys asked for: one stored under a wrong key counts too.
  const keyPrefix = spec.function.environment[ENVIRONMENT_VARIABLES.keyPrefix] ?? '';
  const expectedByKey = new Map(requested.map((index) => [`${keyPrefix}${keys[index].path.slice(1)}`, expected[index]]));
  const storedKeys = await mirror.s3.listKeys(spec.bucketName);
  let stored = 0;
  let corrupt = 0;
  const unexpected: string[] = [];
  for (const key of storedKeys) {
    const sha = expectedByKey.get(key);
    if (sha === undefined) {
      unexpected.push(key);
      continue;
    }
    const object = await mirror.s3.getObject(spec.bucketName, key);
    if (object && createHash('sha256').update(object.body).digest('hex') === sha) stored++;
    else corrupt++;
  }
  const storedSet = new Set(storedKeys);
  const missing = [...expectedByKey.keys()].filter((key) => !storedSet.has(key)).length;
  const fetches = requested.map((index) => origin.requests.filter((r) => r.url === `/base${keys[index].path}`).length);
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  const errors = results.filter((r) => !r.ok);
  const byCfId = new Map(records.map((r) => [r.cloudFront.cfId, r]));
  const describeError = (e: Result) => {
    const record = e.cfId ? byCfId.get(e.cfId) : undefined;
    const where = record ? (record.cloudFront.failover ? `miss (${String(record.handlerLog?.outcome ?? record.invocation?.error?.errorType ?? '?')})` : 'hit') : 'no record';
    return `${e.error} on a ${where}`;
  };
  const hits = records.filter((r) => !r.cloudFront.failover && r.cloudFront.status === 200).length;
  const misses = records.filter((r) => r.cloudFront.failover).length;
  const bytes = keys.reduce((sum, key, i) => sum + key.size * sequence.filter((s) => s === i).length, 0);

  const f = (ms: number) => `${ms.toFixed(0)} ms`;
  const split = (hit: boolean) => results
    .filter((r) => r.cfId !== undefined && byCfId.get(r.cfId)?.cloudFront.failover === !hit)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const hitMs = split(true);
  const missMs = split(false);
  const outcomes = new Map<string, number>();
  for (const record of records) {
    const outcome = record.handlerLog?.outcome;
    if (typeof outcome === 'string') outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const lines = [
    '',
    '| figure | value |',
    '|---|---|',
    `| requests | ${results.length} in ${(wallMs / 1000).toFixed(1)} s = **${(results.length / (wallMs / 1000)).toFixed(0)} requests/s** (${formatBytes(bytes)} to viewers) |`,
    `| latency | p50 ${f(percentile(latencies, 50))}, p90 ${f(percentile(latencies, 90))}, p99 ${f(percentile(latencies, 99))}, max ${f(latencies[latencies.length - 1])} |`,
    `| hit latency | p50 ${f(percentile(hitMs, 50))}, p90 ${f(percentile(hitMs, 90))}, p99 ${f(percentile(hitMs, 99))} |`,
    `| miss latency | p50 ${f(percentile(missMs, 50))}, p90 ${f(percentile(missMs, 90))}, p99 ${f(percentile(missMs, 99))} (misses wait for one of ${options.containers} containers) |`,
    `| hits / misses | ${hits} from the bucket / ${misses} through the function (${requested.length} distinct keys requested) |`,
    `| handler outcomes | ${[...outcomes].map(([outcome, n]) => `${outcome} ${n}`).join(', ')} (exists: a racing miss found the object stored, If-None-Match) |`,
    `| origin fetches per key | min ${Math.min(...fetches)}, max ${Math.max(...fetches)}, mean ${(fetches.reduce((a, b) => a + b, 0) / fetches.length).toFixed(2)} (no CloudFront cache here: concurrent misses on one key each fetch) |`,
    `| viewer retries | ${resent} (a GET resent once on a new connection after a reused one was reset before any response) |`,
    `| errors | **${errors.length}**${errors.length > 0 ? ` (${[...new Set(errors.map(describeError))].slice(0, 8).join('; ')})` : ''} |`,
    `| stored objects | ${storedKeys.length} in the bucket: ${stored} byte-exact, **${corrupt} corrupt or partial**, **${unexpected.length} under a key never requested**${unexpected.length > 0 ? ` (${unexpected.slice(0, 5).join(', ')})` : ''}; ${missing} of ${requested.length} requested keys missing |`,
    `| containers | ${mirror.functionUrl.pool.started} started; peak RSS ${rss.map((c) => formatBytes(c.peakRssBytes ?? 0)).join(', ')} |`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  agent.destroy();
  await mirror.close();
  await origin.close();
  rmSync(outdir, { recursive: true, force: true });
  const pass = errors.length === 0 && corrupt === 0 && unexpected.length === 0 && missing === 0;
  process.stdout.write(pass ? 'PASS: zero errors, every stored object byte-exact under a requested key.\n' : 'FAIL: see errors / corrupt / unexpected / missing above.\n');
  process.exit(pass ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`load-test: ${failureText(err)}\n`);
  process.exit(1);
});
