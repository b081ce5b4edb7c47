/**
 * The integ apps' committed snapshots, without an AWS account:
 *
 *   ts-node test/integ/snapshot.ts check <name>...    a fresh `cdk synth` must equal test/<name>.integ.snapshot/
 *   ts-node test/integ/snapshot.ts update <name>...   writes the fresh synth there
 *
 * A snapshot holds each stack's template and asset manifest and integ.json, with asset hashes blanked (as the jest
 * template snapshots do) and keys sorted, so it changes when the deployed shape changes, not with every change to a
 * bundle or to the order constructs are created in.
 * Synth runs cdk-nag (the apps add it), so a finding nobody acknowledged fails the check too.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { integAppNames, snapshotDir, synth, workDir } from './cdk';

/** What a snapshot keeps of a cloud assembly: not manifest.json, tree.json, *.metadata.json (machine paths), assets. */
export function isSnapshotFile(file: string): boolean {
  return file.endsWith('.template.json') || file.endsWith('.assets.json') || file === 'integ.json';
}

/** The snapshot files of a cloud assembly, asset hashes replaced by `[ASSET HASH]`. */
export function normalizedAssembly(assemblyDir: string): Map<string, string> {
  const files = fs.readdirSync(assemblyDir).filter(isSnapshotFile).sort();
  // Only the hashes the asset manifests name: a 64-hex value the test expects (a body's SHA-256) must stay visible.
  const hashes = new Set<string>();
  for (const file of files.filter((f) => f.endsWith('.assets.json'))) {
    const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8'));
    for (const kind of ['files', 'dockerImages']) for (const hash of Object.keys(manifest[kind] ?? {})) hashes.add(hash);
  }
  const normalized = new Map<string, string>();
  for (const file of files) {
    let text = fs.readFileSync(path.join(assemblyDir, file), 'utf8');
    for (const hash of hashes) text = text.split(hash).join('[ASSET HASH]');
    if (file.endsWith('.assets.json')) text = `${JSON.stringify(sortedKeys(withoutDestinationHashes(JSON.parse(text))), undefined, 1)}\n`;
    // CloudFormation reads no meaning into key order, which follows the order constructs were created in.
    if (file.endsWith('.template.json')) text = `${JSON.stringify(sortedKeys(JSON.parse(text)), undefined, 1)}\n`;
    normalized.set(file, text.endsWith('\n') ? text : `${text}\n`);
  }
  return normalized;
}

/** `value` with the keys of every object in it sorted (arrays keep their order). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]));
}

/** An asset manifest whose destination ids (`current_account-current_region-<8 hex of the asset>`) lose the hash. */
function withoutDestinationHashes(manifest: Record<string, any>): Record<string, any> {
  for (const kind of ['files', 'dockerImages']) {
    for (const entry of Object.values<{ destinations?: Record<string, unknown> }>(manifest[kind] ?? {})) {
      if (!entry.destinations) continue;
      entry.destinations = Object.fromEntries(Object.entries(entry.destinations).map(([id, target]) => [id.replace(/-[0-9a-f]{8}$/, ''), target]));
    }
  }
  return manifest;
}

/** Writes `files` as the whole content of `dir`. */
function writeDir(dir: string, files: Map<string, string>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of files) fs.writeFileSync(path.join(dir, file), text);
}

/** Synthesizes `name` and writes its normalized snapshot files into `dir`. */
function freshSnapshot(name: string, dir: string): void {
  const assembly = path.join(workDir(name), 'cdk.out');
  synth(name, assembly);
  writeDir(dir, normalizedAssembly(assembly));
}

/** Exit code: 0 when every snapshot equals a fresh synth. */
function check(names: string[]): number {
  let failed = 0;
  for (const name of names) {
    const fresh = path.join(workDir(name), 'snapshot');
    freshSnapshot(name, fresh);
    const committed = snapshotDir(name);
    const diff = spawnSync('diff', ['-r', '-u', committed, fresh], { encoding: 'utf8' });
    if (diff.status === 0) {
      console.log(`integ ${name}: the snapshot equals a fresh synth`);
      continue;
    }
    failed++;
    console.error(diff.stdout || diff.stderr);
    console.error(`integ ${name}: the snapshot differs from a fresh synth (above). If the change is meant, run ` +
      `\`npx projen integ:${name}:snapshot\` (or \`npx projen integ:snapshot-all\`) and commit test/${name}.integ.snapshot/; ` +
      'if src/ changed since the last `npx projen bundle`, bundle first.');
  }
  return failed === 0 ? 0 : 1;
}

function update(names: string[]): number {
  for (const name of names) {
    freshSnapshot(name, snapshotDir(name));
    console.log(`integ ${name}: wrote test/${name}.integ.snapshot/`);
  }
  return 0;
}

function main(argv: string[]): number {
  const [command, ...names] = argv;
  const known = integAppNames();
  const unknown = names.filter((name) => !known.includes(name));
  if ((command !== 'check' && command !== 'update') || names.length === 0 || unknown.length > 0) {
    console.error(`usage: ts-node test/integ/snapshot.ts check|update <name>...  (integ apps: ${known.join(', ')})`);
    return 2;
  }
  if (!fs.existsSync(path.join(__dirname, '..', '..', 'assets', 'handler', 'mirror.lambda', 'index.js'))) {
    console.error('The handler is not bundled: run `npx projen bundle` first.');
    return 2;
  }
  return command === 'check' ? check(names) : update(names);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
