/**
 * A local third-party origin on 127.0.0.1 for tests, the local run and the benchmark:
 * content of any size (generated, never held in memory) and faults on demand.
 *
 * ```ts
 * const origin = await startOrigin();
 * origin.route('/a.bin', { body: { size: 64 * MiB, seed: 1 } });
 * origin.route('/cut', { body: 'hello world', fault: { kind: 'cut', afterBytes: 5 } });
 * // … origin.url is http://127.0.0.1:PORT, origin.requests lists what it saw.
 * await origin.close();
 * ```
 *
 * Routes match the raw request target (`req.url`, path and query as sent);
 * anything else gets a 404. A 200 route with an ETag or Last-Modified answers
 * a conditional GET that still matches it with 304 and no body (RFC 9110 §13).
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { patternBase, PatternBody, patternChunks } from './pattern';

export { patternBuffer, patternSha256, patternStream } from './pattern';
export type { PatternBody } from './pattern';

/** Something to go wrong. */
export type OriginFault =
  /** Reset the connection before any response byte. */
  | { readonly kind: 'reset-before-headers' }
  /** Never answer (until the server closes). */
  | { readonly kind: 'hang-before-headers' }
  /** Send the headers (with the full Content-Length, if any) and `afterBytes` body bytes, then cut the connection. */
  | { readonly kind: 'cut'; readonly afterBytes: number }
  /** Send the headers and `afterBytes` body bytes, then send nothing more (until the server closes). */
  | { readonly kind: 'stall'; readonly afterBytes: number };

/** How the origin answers one request target. */
export interface OriginRoute {
  /** Default 200. */
  readonly status?: number;
  /** Response headers; `content-length` is added unless `chunked` (or set here). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Default empty. */
  readonly body?: string | Buffer | PatternBody;
  /** Send `transfer-encoding: chunked` instead of a Content-Length. */
  readonly chunked?: boolean;
  readonly fault?: OriginFault;
}

/** A request the origin saw. */
export interface RecordedRequest {
  readonly method: string;
  /** The raw request target. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** A running origin. */
export interface LocalOrigin {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every request seen, in order. */
  readonly requests: RecordedRequest[];
  /** Answers `target` (raw path and query) with `route` from now on. */
  route(target: string, route: OriginRoute): void;
  /** Resolves when a request for `target` arrives (at once if one already did). */
  requested(target: string): Promise<RecordedRequest>;
  /** Closes the server and every connection (hanging ones included). */
  close(): Promise<void>;
}

/** Starts an origin on 127.0.0.1 and a free port. */
export async function startOrigin(): Promise<LocalOrigin> {
  const routes = new Map<string, OriginRoute>();
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ target: string; resolve: (req: RecordedRequest) => void }> = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    requests.push(recorded);
    for (const waiter of waiters.filter((w) => w.target === recorded.url)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(recorded);
    }
    void serve(routes.get(recorded.url) ?? { status: 404, body: 'not here' }, req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (target, route) => {
      // A pattern's base block is computed now, not on the request: the benchmark measures first bytes.
      if (isPattern(route.body)) patternBase(route.body.seed);
      routes.set(target, route);
    },
    requested: (target) => {
      const seen = requests.find((r) => r.url === target);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ target, resolve }));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function serve(route: OriginRoute, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const fault = route.fault;
  if (fault?.kind === 'reset-before-headers') {
    req.socket.resetAndDestroy();
    return;
  }
  if (fault?.kind === 'hang-before-headers') return;

  if (notModified(route, req)) {
    res.writeHead(304, validatorHeaders(route));
    res.end();
    return;
  }
  const size = bodySize(route.body);
  const headers: Record<string, string | readonly string[]> = { ...route.headers };
  if (route.chunked) headers['transfer-encoding'] = 'chunked';
  else if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) headers['content-length'] = String(size);
  res.writeHead(route.status ?? 200, headers as http.OutgoingHttpHeaders);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }

  const limit = fault?.kind === 'cut' || fault?.kind === 'stall' ? Math.min(fault.afterBytes, size) : size;
  let sent = 0;
  for (const chunk of bodyChunks(route.body)) {
    const piece = chunk.subarray(0, limit - sent);
    if (piece.length > 0 && !res.write(piece)) await drainedOrClosed(res);
    sent += piece.length;
    if (sent >= limit || res.destroyed) break;
  }
  if (fault?.kind === 'cut' || fault?.kind === 'stall') res.flushHeaders();
  // end() on the socket (not destroy) lets the bytes already written arrive before the connection closes.
  if (fault?.kind === 'cut') res.socket?.end();
  if (fault) return;
  res.end();
}

/** The route's ETag and Last-Modified, as a 304 repeats them. */
function validatorHeaders(route: OriginRoute): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(route.headers ?? {})) {
    if (/^(etag|last-modified)$/i.test(name)) out[name.toLowerCase()] = String(value);
  }
  return out;
}

/** Whether a GET's validators still match a 200 route: If-None-Match first (weak comparison), else If-Modified-Since. */
function notModified(route: OriginRoute, req: http.IncomingMessage): boolean {
  if ((route.status ?? 200) !== 200 || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const { etag, 'last-modified': lastModified } = validatorHeaders(route);
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const weak = (tag: string) => tag.trim().replace(/^W\//, '');
    return etag !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || weak(tag) === weak(etag));
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined || lastModified === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Date.parse(lastModified) <= since;
}

/** Resolves on the next drain or close, leaving no listener behind (one per slow write would pile up). */
function drainedOrClosed(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function isPattern(body: OriginRoute['body']): body is PatternBody {
  return body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
}

function bodySize(body: OriginRoute['body']): number {
  if (body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (Buffer.isBuffer(body)) return body.length;
  return body.size;
}

/** The body in pieces; only a socket that pushes back makes the server wait (no await per piece). */
function bodyChunks(body: OriginRoute['body']): Iterable<Buffer> {
  if (body === undefined) return [];
  if (typeof body === 'string' || Buffer.isBuffer(body)) return [Buffer.from(body)];
  return patternChunks(body);
}
