/**
 * The local stacks the benchmark runs side by side, one per design, each a
 * whole local mirror (S3, function URL, CloudFront) from the same synthesized
 * template: this library's handler (the staged asset), the original design
 * and the bare upload (bundled here from bench/, run by the same function URL
 * stand-in in the same kind of container, in buffered invoke mode).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { FunctionOverrides, LocalMirror, startLocalMirror } from '../local/stack';
import { synthesizeMirror } from '../local/synth';
import { MirrorOriginDistribution } from '../src';
import { ENVIRONMENT_VARIABLES, MAX_STREAMED_RESPONSE_BYTES } from '../src/config';

/** The designs measured through a local mirror. */
export type MirrorVariant = 'this' | 'this-streamed' | 'original' | 'bare-upload';

/** A running stack for one design. */
export interface BenchStack {
  readonly variant: MirrorVariant;
  readonly mirror: LocalMirror;
  /** Whether the function URL streams its responses (and so is subject to the bandwidth cap). */
  readonly streamed: boolean;
}

/** What `startStacks` started, and how to stop it all. */
export interface BenchStacks {
  readonly stacks: ReadonlyMap<MirrorVariant, BenchStack>;
  /** Where the S3 stand-ins keep their data. */
  readonly s3DataDir: string;
  close(): Promise<void>;
}

/** The in-memory file system, where there is one: writing GiBs to disk stalls at random on write-back and swamps the figures. */
const MEMORY_FS = '/dev/shm';

/** Options of `startStacks`. */
export interface StartStacksOptions {
  /** The origin every design mirrors. */
  readonly endpoint: string;
  /** Lambda's ~2 MB/s cap on streamed responses after 6 MB. */
  readonly bandwidthCap: boolean;
  /** The designs to start. */
  readonly variants: readonly MirrorVariant[];
  /** Run this handler from another bundle directory (to compare a change); default the synthesized asset. */
  readonly handlerDir?: string;
}

/** Bundles a bench handler as projen bundles the library's (esbuild, node24, CommonJS), into `outdir/index.js`. */
export function bundle(entry: string, outdir: string): void {
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, entry)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    outfile: path.join(outdir, 'index.js'),
    tsconfig: path.join(__dirname, '..', 'tsconfig.dev.json'),
    logLevel: 'error',
  });
}

/** Synthesizes the mirror once and starts a local stack per design; one container each, so runs never overlap. */
export async function startStacks(options: StartStacksOptions): Promise<BenchStacks> {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-bench-'));
  const { spec } = synthesizeMirror({
    outdir: path.join(workdir, 'cdk.out'),
    build: (stack) => new MirrorOriginDistribution(stack, 'Mirror', { endpoint: options.endpoint }),
  });
  const common: FunctionOverrides = { maxContainers: 1, whenBusy: 'queue', bandwidthCap: options.bandwidthCap };
  const ours: FunctionOverrides = options.handlerDir ? { ...common, codeDir: path.resolve(options.handlerDir) } : common;
  const overrides: Record<MirrorVariant, FunctionOverrides> = {
    'this': ours,
    // Every size streamed, none redirected: what the bandwidth cap does to a design that always streams.
    'this-streamed': { ...ours, environment: { [ENVIRONMENT_VARIABLES.streamThresholdBytes]: String(MAX_STREAMED_RESPONSE_BYTES) } },
    'original': { ...common, codeDir: path.join(workdir, 'original'), handler: 'index.handler', invokeMode: 'BUFFERED' },
    'bare-upload': { ...common, codeDir: path.join(workdir, 'bare-upload'), handler: 'index.handler', invokeMode: 'BUFFERED' },
  };
  if (options.variants.includes('original')) bundle('original.lambda.ts', overrides.original.codeDir!);
  if (options.variants.includes('bare-upload')) bundle('bare-upload.lambda.ts', overrides['bare-upload'].codeDir!);

  const s3DataDir = fs.mkdtempSync(path.join(isWritableDir(MEMORY_FS) ? MEMORY_FS : workdir, 'mirror-bench-s3-'));
  const stacks = new Map<MirrorVariant, BenchStack>();
  const close = async () => {
    // Every stack is closed and the folders removed even if one close fails; the first failure is reported after.
    const closed = await Promise.allSettled([...stacks.values()].map((stack) => stack.mirror.close()));
    fs.rmSync(s3DataDir, { recursive: true, force: true });
    fs.rmSync(workdir, { recursive: true, force: true });
    const failure = closed.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failure) throw failure.reason;
  };
  try {
    for (const variant of options.variants) {
      const mirror = await startLocalMirror({ spec, function: overrides[variant], s3Directory: path.join(s3DataDir, variant) });
      stacks.set(variant, { variant, mirror, streamed: (overrides[variant].invokeMode ?? spec.functionUrl.invokeMode) === 'RESPONSE_STREAM' });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { stacks, s3DataDir, close };
}

function isWritableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
