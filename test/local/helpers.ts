/**
 * Helpers for the local stack's tests: an HTTP client that never normalises
 * paths and never throws on a cut response, raw requests over a socket, and a
 * wait for the record of one viewer request.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { MirrorRequestRecord } from '../../local/stack';
import { SynthesizedMirror, synthesizeMirror } from '../../local/synth';

// This machine may run an older Node.js than Lambda; the SDK's warning about it is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What came back, whole or cut. */
export interface Reply {
  readonly status?: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body ended cleanly (false: the connection was cut). */
  readonly complete: boolean;
  /** When the response headers arrived (ms since epoch). */
  readonly headersAt?: number;
  readonly error?: string;
}

/** Sends a request with `target` sent exactly as given (never normalised); resolves whatever happens, unless `onHeaders` throws. */
export function send(
  baseUrl: string,
  target: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; onHeaders?: (res: http.IncomingMessage) => Promise<void> | void } = {},
): Promise<Reply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: options.method ?? 'GET', path: target, headers: options.headers, agent: false });
    req.on('error', (err) => resolve({ headers: {}, body: Buffer.alloc(0), complete: false, error: err.message }));
    req.on('response', (res) => {
      const headersAt = Date.now();
      const chunks: Buffer[] = [];
      let error: string | undefined;
      // Hold the body until onHeaders has looked at the world as it was when the headers arrived.
      res.pause();
      void Promise.resolve(options.onHeaders?.(res)).then(() => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => (error = err.message));
        res.on('close', () => resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete && error === undefined,
          headersAt,
          error,
        }));
        res.resume();
      }, (err: unknown) => {
        // A failed check in onHeaders fails the request at once, instead of leaving it paused until the test times out.
        res.destroy();
        reject(err);
      });
    });
    req.end();
  });
}

/** Sends `GET <target> HTTP/1.1` over a plain socket (absolute-form, backslashes, anything) and returns the status line's code and the text. */
export function sendRaw(port: number, target: string, method = 'GET'): Promise<{ status?: number; text: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, 'latin1'));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : undefined, text });
    });
  });
}

/** Resolves with the next viewer request record that `matches`; subscribe before sending the request. */
export function nextRecord(mirror: NodeJS.EventEmitter, matches: (record: MirrorRequestRecord) => boolean): Promise<MirrorRequestRecord> {
  return new Promise((resolve) => {
    const listener = (record: MirrorRequestRecord) => {
      if (!matches(record)) return;
      mirror.off('request', listener);
      resolve(record);
    };
    mirror.on('request', listener);
  });
}

/** Sends a viewer request and resolves once its record (invocation included) is in. */
export async function sendAndSettle(
  mirror: NodeJS.EventEmitter & { viewerUrl: string },
  target: string,
  options: Parameters<typeof send>[2] = {},
): Promise<{ reply: Reply; record: MirrorRequestRecord }> {
  const method = options.method ?? 'GET';
  const recorded = nextRecord(mirror, (r) => r.cloudFront.rawUrl === target && r.cloudFront.method === method);
  const reply = await send(mirror.viewerUrl, target, options);
  return { reply, record: await recorded };
}

/** SHA-256 (hex). */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Synthesizes `build` into a temporary cloud assembly; `dispose()` removes it. */
export function synthesizeForTest(build: (stack: Stack) => void): SynthesizedMirror & { dispose(): void } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'mirror-local-synth-'));
  const dispose = () => rmSync(outdir, { recursive: true, force: true });
  try {
    return { ...synthesizeMirror({ outdir, build }), dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** A request a recording origin saw. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** An origin that records requests and answers with `answer(req, res)`. */
export async function recordingOrigin(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    answer(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { seen, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
