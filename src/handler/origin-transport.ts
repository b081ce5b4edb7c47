/**
 * How requests reach the origin: `node:http(s)` with connections (and TLS
 * sessions) kept across the requests of a warm container, one retry on a kept
 * socket the origin had closed, and one timer to the response headers.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { toError } from './errors';

/** The origin was too slow: no response headers, or a body that stopped. */
export class OriginTimeoutError extends Error {
  constructor(
    /** What was awaited. */
    public readonly phase: 'headers' | 'body',
    timeoutMs: number,
  ) {
    super(phase === 'headers' ? `no response headers within ${timeoutMs} ms` : `no body bytes for ${timeoutMs} ms`);
    this.name = 'OriginTimeoutError';
  }
}

/** A response as the transport gives it: status, headers, undecoded body. */
export interface RawOriginResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
}

/**
 * Sends one GET; rejects on a connection failure, when no response headers came within `headersTimeoutMs`, or when
 * `signal` aborts first.
 */
export type OriginTransport = (
  url: URL, headers: Readonly<Record<string, string>>, headersTimeoutMs: number, signal?: AbortSignal,
) => Promise<RawOriginResponse>;

/**
 * How long a kept connection may idle before it is closed (an origin's own `Keep-Alive: timeout=N`, when shorter,
 * wins): long enough to carry a warm container's misses, shorter than most origins' and load balancers' own.
 */
export const KEEP_ALIVE_IDLE_MS = 30_000;

/** The two agents of a warm container: one per scheme, both keeping connections (and, for TLS, sessions). */
export interface OriginAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/**
 * Agents that keep connections open between requests, most recently used first; https ones resume TLS sessions.
 * `ca` replaces the trusted CAs (tests; a function trusts a private CA through `NODE_EXTRA_CA_CERTS` instead).
 */
export function keepAliveAgents(ca?: string): OriginAgents {
  const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: KEEP_ALIVE_IDLE_MS };
  return { http: new http.Agent(options), https: new https.Agent({ ...options, maxCachedSessions: 16, ca }) };
}

/**
 * A transport over `node:http(s)`. With `agents` (the default), connections and TLS sessions are kept across the
 * requests of a warm container, so a miss skips TCP and TLS setup. A kept socket can be dead without the container
 * knowing: Lambda freezes a container between invocations, and an origin that closed an idle connection meanwhile
 * is only heard of when the socket is next used. So a request that fails on a reused socket before any response
 * byte arrived (ECONNRESET, EPIPE) is sent once more, on a new connection, after the other idle sockets, as old,
 * are dropped. With `false`, every request has a connection of its own.
 */
export function createNodeTransport(agents: OriginAgents | false = keepAliveAgents()): OriginTransport {
  return (url, headers, headersTimeoutMs, signal) => new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:';
    const agent = agents ? (tls ? agents.https : agents.http) : false;
    // One timer from the start covers DNS, connect, TLS and the wait for headers, a retry included.
    let current: http.ClientRequest | undefined;
    const timer = setTimeout(() => current?.destroy(new OriginTimeoutError('headers', headersTimeoutMs)), headersTimeoutMs);
    // The signal only matters until the headers: after them the caller stops the body itself.
    const onAbort = () => current?.destroy(toError(signal?.reason));
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const send = (via: http.Agent | false, mayRetry: boolean): void => {
      const request = (tls ? https : http).request(url, { method: 'GET', headers, agent: via });
      current = request;
      let responded = false;
      // A kept socket has read earlier answers: "no byte arrived" is no byte beyond what it had read when assigned.
      let readBefore: number | undefined;
      request.on('socket', (socket) => (readBefore = socket.bytesRead));
      request.on('response', (response) => {
        responded = true;
        settle();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response });
      });
      // Errors after the headers also reach the response body (Node destroys it), which is where the caller sees
      // them: this listener only keeps them from going unhandled, and never sends the request again.
      request.on('error', (err) => {
        if (responded) return;
        const nothingRead = readBefore === undefined || request.socket?.bytesRead === readBefore;
        if (mayRetry && via && request.reusedSocket && nothingRead && isStaleSocketError(err) && !signal?.aborted) {
          // With every idle socket dropped, the agent opens a new connection (and resumes the TLS session).
          dropIdleSockets(via);
          return send(via, false);
        }
        settle();
        reject(err);
      });
      request.end();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    send(agent, agent !== false);
    if (signal?.aborted) onAbort();
  });
}

/** The transport of the handler: connections kept across a warm container's requests. */
export const nodeTransport: OriginTransport = createNodeTransport();

/** A kept connection the origin had closed: it failed as it was used, before any answer. */
function isStaleSocketError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** Closes every idle socket of `agent` (after one turned out dead, the others, as old, are likely dead too). */
function dropIdleSockets(agent: http.Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const socket of sockets ?? []) socket.destroy();
  }
}
