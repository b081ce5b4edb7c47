/**
 * `npx projen local` as a user runs it (local/main.ts in a process of its own, the bundled handler): the
 * banner says whether the origin answers, the stack serves either way, and the log shows each request with
 * its S3 key in the order it finished. `npx projen bundle` first.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { send } from './helpers';
import { LocalOrigin, startOrigin } from '../../local/origin/server';

// Two stacks boot in processes of their own (TypeScript, synth, S3, containers): generous, for a loaded machine.
jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const TS_NODE = require.resolve('ts-node/dist/bin.js');
const REPORT_BYTES = 5.5 * 1024 * 1024;

/** A running `local/main.ts`: its output so far, and a wait for a line that matches. */
interface LocalRun {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves with the output once `pattern` matches it (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** The exit code, once the process ends by itself. */
  exited(): Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const runs: LocalRun[] = [];
const dataDirs: string[] = [];

function startLocalRun(args: string[]): LocalRun {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-run-'));
  dataDirs.push(dataDir);
  const env = { ...process.env };
  delete env.LOCAL_MIRROR_ENDPOINT;
  const child = spawn(process.execPath, [TS_NODE, '--transpile-only', 'local/main.ts', '--port', '0', '--data-dir', dataDir, ...args], {
    cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onText = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', onText);
  child.stderr!.on('data', onText);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const run: LocalRun = {
    process: child,
    output: () => text,
    waitFor: (pattern) => new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(text);
        if (!match) return;
        listeners.delete(check);
        resolve(match);
      };
      listeners.add(check);
      check();
      void exited.then((code) => {
        if (listeners.delete(check)) reject(new Error(`local/main.ts exited (${code}) before printing ${pattern}:\n${text}`));
      });
    }),
    exited: () => exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  runs.push(run);
  return run;
}

let origin: LocalOrigin;
let closedPort: number;
// Both runs boot at once (each synthesizes and starts a stack: seconds), each test then uses its own.
let unreachable: LocalRun;
let answering: LocalRun;
beforeAll(async () => {
  origin = await startOrigin();
  origin.route('/index.html', { body: '<h1>home</h1>', headers: { 'content-type': 'text/html' } });
  // Streamed (under the 6 MiB streamThreshold) and stored in two parts: the last part and the upload's completion
  // go on after the viewer's last byte.
  origin.route('/report.bin', { body: Buffer.alloc(REPORT_BYTES, 7), headers: { 'content-type': 'application/octet-stream' } });
  const closed = http.createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  closedPort = (closed.address() as AddressInfo).port;
  closed.close();
  await once(closed, 'close');
  unreachable = startLocalRun(['--endpoint', `http://127.0.0.1:${closedPort}`]);
  answering = startLocalRun(['--endpoint', origin.url]);
});

afterAll(async () => {
  await Promise.all(runs.map((run) => run.stop()));
  await origin?.close();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('an origin that cannot be reached is said plainly at start, and the stack serves anyway', async () => {
  const run = unreachable;
  const port = closedPort;
  const [, viewerUrl] = await run.waitFor(/The local stack runs anyway at (http:\/\/127\.0\.0\.1:\d+)\//);
  await run.waitFor(/Ctrl-C stops everything\./);
  expect(run.output()).toContain(`The origin cannot be reached: HEAD http://127.0.0.1:${port}/ failed (connect ECONNREFUSED 127.0.0.1:${port}).`);
  expect(run.output()).toContain('(NOT REACHABLE, see above)');
  expect(run.output()).not.toContain('The mirror runs locally');

  const reply = await send(viewerUrl, '/page.html');
  expect(reply.status).toBe(502);
  expect(reply.headers['x-cache']).toBe('Error from cloudfront');
  await run.waitFor(/^MISS \/page\.html → key page\.html: origin-error: .*ECONNREFUSED.*, nothing stored \(502, \d+ ms\)$/m);
  expect(await run.stop()).toBe(0);
  expect(run.output()).toMatch(/SIGTERM: stopping…\nstopped\.\n$/);
});

test('an origin that answers: the banner says so, "/" is logged as a miss then a hit of index.html; a miss is logged before a hit sent once its answer ended', async () => {
  const run = answering;
  const [, viewerUrl] = await run.waitFor(/The mirror runs locally\. Open (http:\/\/127\.0\.0\.1:\d+)\//);
  await run.waitFor(/Ctrl-C stops everything\./);
  // The origin has no "/" of its own: any status means it answers.
  expect(run.output()).toContain(`origin       ${origin.url}   (answered HEAD / with 404)`);
  expect(run.output()).not.toContain('cannot be reached');

  const miss = await send(viewerUrl, '/');
  expect(miss.status).toBe(200);
  expect(miss.body.toString()).toBe('<h1>home</h1>');
  // The miss is logged once its function is done: only then is the object surely stored for the hit.
  await run.waitFor(/^MISS \/ → key index\.html: origin 200 in \d+ ms → stored/m);
  const hit = await send(viewerUrl, '/');
  expect(hit.body.toString()).toBe('<h1>home</h1>');
  await run.waitFor(/^HIT {2}\/ → key index\.html, from the bucket/m);

  // Another miss, and a hit (of the key stored above, so surely a hit) sent the moment the miss's answer ended, not
  // after its log line: the miss's function is still storing, and reports after the hit is over (5 runs of 5 here).
  // The log still has the miss first, as the requests finished (a log written as reports came has the hit first).
  const report = await send(viewerUrl, '/report.bin');
  expect([report.status, report.headers['x-mirror'], report.body.length]).toEqual([200, 'miss', REPORT_BYTES]);
  const next = await send(viewerUrl, '/');
  expect([next.status, next.headers['x-mirror'], next.body.toString()]).toEqual([200, undefined, '<h1>home</h1>']);
  await run.waitFor(/^MISS \/report\.bin → key report\.bin: origin 200 in \d+ ms → stored/m);
  // Both lines are out (in whichever order): the second HIT of "/" and the MISS above.
  await run.waitFor(/^HIT {2}\/ [^]*^HIT {2}\/ /m);
  const lines = run.output().split('\n').filter((line) => /^(MISS|HIT) /.test(line));
  expect(lines.map((line) => line.slice(0, 4))).toEqual(['MISS', 'HIT ', 'MISS', 'HIT ']);
  expect(lines[2]).toMatch(/^MISS \/report\.bin /);
  expect(await run.stop()).toBe(0);
});

test('--example two-origins: the banner says which path goes where; /legacy/… is a miss from the legacy origin, stored under its whole path', async () => {
  const run = startLocalRun(['--example', 'two-origins']);
  const [, viewerUrl] = await run.waitFor(/2 mirrors run locally behind one distribution\. Open (http:\/\/127\.0\.0\.1:\d+)\//);
  await run.waitFor(/Ctrl-C stops everything\./);
  const [, legacyUrl] = /^ {2}paths {8}\/legacy\/\* {2}→ (http:\/\/127\.0\.0\.1:\d+) {3}\(the legacy sample origin\)$/m.exec(run.output()) ?? [];
  const [, mainUrl] = /^ {15}\* {10}→ (http:\/\/127\.0\.0\.1:\d+) {3}\(the built-in sample origin\)$/m.exec(run.output()) ?? [];
  expect([legacyUrl, mainUrl]).toEqual([expect.any(String), expect.any(String)]);
  expect(legacyUrl).not.toBe(mainUrl);

  const legacy = await send(viewerUrl, '/legacy/report.txt');
  expect([legacy.status, legacy.headers['x-mirror'], legacy.body.toString()]).toEqual([200, 'miss', 'Annual report 2019, served by the legacy host.\n']);
  await run.waitFor(/^MISS \/legacy\/report\.txt → key legacy\/report\.txt: origin 200 in \d+ ms → stored/m);
  // The sample origin has no /legacy/ of its own: only the legacy origin could answer that.
  const main = await send(viewerUrl, '/data/info.json');
  expect([main.status, main.headers['x-mirror']]).toEqual([200, 'miss']);
  await run.waitFor(/^MISS \/data\/info\.json → key data\/info\.json: origin 200 in \d+ ms → stored/m);
  expect(await run.stop()).toBe(0);
});

test('a bad command line is refused with the usage, before anything starts', async () => {
  const run = startLocalRun(['--endpiont', origin.url]);
  expect(await run.exited()).toBe(1);
  expect(run.output()).toMatch(/^local: unknown argument "--endpiont"\n\nUsage: npx projen local /);
});

test('--summary-every 2: the metrics summary every second request, and once more on exit, from the handler\'s EMF records', async () => {
  const run = startLocalRun(['--endpoint', origin.url, '--summary-every', '2']);
  const [, viewerUrl] = await run.waitFor(/The mirror runs locally\. Open (http:\/\/127\.0\.0\.1:\d+)\//);
  await run.waitFor(/Ctrl-C stops everything\./);
  expect((await send(viewerUrl, '/')).status).toBe(200);
  // Stored once its function is done: only then is the next request surely a hit.
  await run.waitFor(/^MISS \/ → key index\.html: origin 200 in \d+ ms → stored/m);
  expect((await send(viewerUrl, '/')).status).toBe(200);
  await run.waitFor(/^summary: 2 requests, 1 hit \(50%\), 1 miss \(1 stored\), 13 B from the origin, 0 origin errors$/m);
  expect((await send(viewerUrl, '/gone.txt')).status).toBe(404);
  await run.waitFor(/^MISS \/gone\.txt → key gone\.txt: /m);
  expect(run.output().match(/^summary: /gm)).toHaveLength(1);
  expect(await run.stop()).toBe(0);
  expect(run.output()).toMatch(/\nsummary: 3 requests, 1 hit \(33%\), 2 misses \(1 stored, 1 not-found\), 13 B from the origin, 0 origin errors\nSIGTERM: stopping…\n/);
});
