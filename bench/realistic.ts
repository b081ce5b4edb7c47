/**
 * The benchmark against a realistic origin: https with a local CA (the function trusts it through
 * `NODE_EXTRA_CA_CERTS`, as it trusts public CAs on Lambda) behind a link with a round trip and a bandwidth cap
 * (local/origin/link.ts). Two things show there and not on 127.0.0.1:
 *
 * - a herd: N viewers missing one object at once, with single-flight on (what ships) and off; origin bytes per
 *   object, counted at the origin;
 * - a warm container's miss: its first byte with the origin connection kept from earlier misses (what ships) and
 *   with a new connection per request (TCP and TLS set up again).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './report';
import { bundle } from './stacks';
import { view } from './viewer';
import { LocalOrigin, patternSha256, startOrigin } from '../local/origin/server';
import { createLocalTls } from '../local/origin/tls';
import { FunctionOverrides, LocalMirror, startLocalMirror } from '../local/stack';
import { synthesizeMirror } from '../local/synth';
import { MirrorOriginDistribution } from '../src';
import { ENVIRONMENT_VARIABLES } from '../src/config';

const MiB = 1024 * 1024;
/** Objects the herd misses. */
export const HERD_SIZES = [1 * MiB, 16 * MiB];
/** The warm container's measured miss: streamed, so its first byte is the origin's first byte passed on. */
const FIRST_BYTE_SIZE = 1 * MiB;
const WARM_UPS = 3;

/** How the realistic origin is shaped and how much is measured. */
export interface RealisticOptions {
  readonly roundTripMs: number;
  readonly bytesPerSecond: number;
  /** Viewers in a herd. */
  readonly herd: number;
  /** Measured warm misses per design. */
  readonly runs: number;
  readonly log: (text: string) => void;
}

/** One herd: what the origin sent for one object missed by N viewers at once. */
export interface HerdRow {
  readonly size: number;
  readonly singleFlight: boolean;
  readonly viewers: number;
  readonly originRequests: number;
  readonly originBytes: number;
  /** Milliseconds until the last viewer had the whole object. */
  readonly lastViewerMs: number;
  readonly problems: readonly string[];
}

/** A warm container's misses: first byte medians, and the origin connections each opened. */
export interface FirstByteRow {
  readonly design: 'kept' | 'per-request';
  readonly firstByteMs: number[];
  readonly newConnections: number[];
  readonly problems: readonly string[];
}

/** Everything measured against the realistic origin. */
export interface RealisticResults {
  readonly options: Omit<RealisticOptions, 'log'>;
  readonly herds: HerdRow[];
  readonly firstBytes: FirstByteRow[];
}

/** Runs the realistic-origin measurements. */
export async function measureRealistic(options: RealisticOptions): Promise<RealisticResults> {
  const tls = createLocalTls();
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-bench-realistic-'));
  const origin = await startOrigin({ tls, link: { roundTripMs: options.roundTripMs, bytesPerSecond: options.bytesPerSecond } });
  const mirrors: LocalMirror[] = [];
  const agent = new http.Agent({ keepAlive: true, timeout: 4_000 });
  try {
    const { spec } = synthesizeMirror({ outdir: path.join(workdir, 'cdk.out'), build: (stack) => new MirrorOriginDistribution(stack, 'Mirror', { endpoint: origin.url }) });
    bundle('no-reuse.lambda.ts', path.join(workdir, 'no-reuse'));
    const trust = { NODE_EXTRA_CA_CERTS: tls.caFile };
    const start = async (overrides: FunctionOverrides) => {
      const mirror = await startLocalMirror({ spec, function: { whenBusy: 'queue', bandwidthCap: true, ...overrides, environment: { ...trust, ...overrides.environment } } });
      mirrors.push(mirror);
      return mirror;
    };
    const herdOn = await start({ maxContainers: options.herd });
    const herdOff = await start({ maxContainers: options.herd, environment: { [ENVIRONMENT_VARIABLES.leaseTableName]: '' } });
    const kept = await start({ maxContainers: 1 });
    const perRequest = await start({ maxContainers: 1, codeDir: path.join(workdir, 'no-reuse'), handler: 'index.handler' });

    const herds: HerdRow[] = [];
    for (const size of HERD_SIZES) {
      for (const [singleFlight, mirror] of [[true, herdOn], [false, herdOff]] as const) {
        options.log(`realistic: herd of ${options.herd}, ${size / MiB} MiB, single-flight ${singleFlight ? 'on' : 'off'} … `);
        const row = await measureHerd(origin, mirror, agent, size, options.herd, singleFlight);
        herds.push(row);
        options.log(`${row.originRequests} origin requests, ${(row.originBytes / size).toFixed(2)}× the object${row.problems.length ? `  FAILED: ${row.problems.join('; ')}` : ''}\n`);
      }
    }
    const firstBytes: FirstByteRow[] = [];
    for (const [design, mirror] of [['kept', kept], ['per-request', perRequest]] as const) {
      options.log(`realistic: warm container's first byte, connection ${design} … `);
      const row = await measureWarmFirstByte(origin, mirror, agent, design, options.runs);
      firstBytes.push(row);
      options.log(`median ${median(row.firstByteMs)?.toFixed(0)} ms${row.problems.length ? `  FAILED: ${row.problems.join('; ')}` : ''}\n`);
    }
    const { log: _log, ...shape } = options;
    return { options: shape, herds, firstBytes };
  } finally {
    agent.destroy();
    await Promise.allSettled(mirrors.map((m) => m.close()));
    await origin.close();
    tls.dispose();
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}

/** N viewers miss one fresh object at once (the containers warm); the origin counts what it sent. */
async function measureHerd(
  origin: LocalOrigin, mirror: LocalMirror, agent: http.Agent, size: number, viewers: number, singleFlight: boolean,
): Promise<HerdRow> {
  const id = randomBytes(4).toString('hex');
  // Warm containers, as on a busy site: a herd of small misses first.
  const warmPath = `/realistic/warm-${id}.bin`;
  origin.route(warmPath, { body: { size: 1024, seed: 5 } });
  await Promise.all(Array.from({ length: viewers }, (_, i) => view(`${mirror.viewerUrl}${warmPath}?${i}`, agent)));
  const objectPath = `/realistic/herd-${size / MiB}MiB-${singleFlight ? 'on' : 'off'}-${id}.bin`;
  const seed = size / MiB + (singleFlight ? 100 : 200);
  origin.route(objectPath, { body: { size, seed }, headers: { 'content-type': 'application/octet-stream' } });
  const expected = await patternSha256({ size, seed });
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: viewers }, () => view(`${mirror.viewerUrl}${objectPath}`, agent, started)));
  const lastViewerMs = performance.now() - started;
  const problems: string[] = [];
  for (const result of results) {
    if (result.status === 'rejected') problems.push(`a viewer failed: ${(result.reason as Error).message}`);
    else if (result.value.status !== 200 || result.value.sha256 !== expected) problems.push(`a viewer got ${result.value.status}, ${result.value.bytes} bytes that differ`);
  }
  const fetches = origin.requests.filter((r) => r.url === objectPath);
  const originBytes = fetches.reduce((sum, r) => sum + r.bodyBytes, 0);
  return { size, singleFlight, viewers, originRequests: fetches.length, originBytes, lastViewerMs, problems };
}

/** A container warmed by a few misses, then the measured one: its first byte, and the origin connections it opened. */
async function measureWarmFirstByte(
  origin: LocalOrigin, mirror: LocalMirror, agent: http.Agent, design: FirstByteRow['design'], runs: number,
): Promise<FirstByteRow> {
  const firstByteMs: number[] = [];
  const newConnections: number[] = [];
  const problems: string[] = [];
  for (let run = 1; run <= runs; run++) {
    const id = `${design}-${run}-${randomBytes(4).toString('hex')}`;
    for (let i = 1; i <= WARM_UPS; i++) {
      const warm = `/realistic/first-byte-warm-${id}-${i}.bin`;
      origin.route(warm, { body: { size: 64 * 1024, seed: 7 } });
      await view(`${mirror.viewerUrl}${warm}`, agent);
    }
    const objectPath = `/realistic/first-byte-${id}.bin`;
    const seed = 300 + run;
    origin.route(objectPath, { body: { size: FIRST_BYTE_SIZE, seed }, headers: { 'content-type': 'application/octet-stream' } });
    const expected = await patternSha256({ size: FIRST_BYTE_SIZE, seed });
    const connectionsBefore = origin.connections.length;
    const got = await view(`${mirror.viewerUrl}${objectPath}`, agent);
    if (got.status !== 200 || got.sha256 !== expected || got.redirected) problems.push(`run ${run}: the viewer got ${got.status}, ${got.bytes} bytes`);
    else firstByteMs.push(got.firstByteMs);
    newConnections.push(origin.connections.length - connectionsBefore);
  }
  return { design, firstByteMs, newConnections, problems };
}
