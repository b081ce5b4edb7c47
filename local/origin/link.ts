/**
 * A network link in front of a local server, for the benchmark's realistic
 * origin: a TCP proxy on 127.0.0.1 that delays every byte by half the round
 * trip each way, costs a new connection one round trip before its first byte
 * goes through (the TCP handshake), and paces what the server sends to a
 * bandwidth shared by every connection (the origin's uplink). TLS goes through
 * unchanged, so its handshake pays its own round trips, as on a real network.
 */
import { once } from 'node:events';
import * as net from 'node:net';

/** The link's shape. */
export interface LinkOptions {
  /** Round-trip time in milliseconds. */
  readonly roundTripMs: number;
  /** The server's sending rate, in bytes per second, shared by all connections. */
  readonly bytesPerSecond: number;
}

/** A running link. */
export interface Link {
  /** The port clients connect to. */
  readonly port: number;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

/** Most bytes a direction holds in flight before it stops reading (a TCP window: bandwidth × delay, at least 1 MiB). */
function windowBytes(options: LinkOptions): number {
  return Math.max(1024 * 1024, Math.ceil((options.bytesPerSecond * options.roundTripMs) / 1000));
}

/** Starts a link to `targetPort` on 127.0.0.1. */
export async function startLink(targetPort: number, options: LinkOptions): Promise<Link> {
  const oneWayMs = options.roundTripMs / 2;
  // The server's side of the link: when its last byte queued so far will have left.
  const uplink = { freeAt: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.setNoDelay(true);
    }
    const openedAt = performance.now();
    // The handshake: the client's first byte leaves after one round trip (SYN, SYN-ACK) and takes its own one-way
    // trip, so nothing it sends reaches the server before 1.5 round trips; the server answers no earlier anyway.
    const direction = { delayMs: oneWayMs, notBefore: openedAt + options.roundTripMs + oneWayMs, window: windowBytes(options) };
    pipeDelayed(client, upstream, direction);
    pipeDelayed(upstream, client, { ...direction, notBefore: openedAt + options.roundTripMs, paced: { ...options, uplink } });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

interface Direction {
  readonly delayMs: number;
  /** No byte is delivered before this moment (`performance.now()` time). */
  readonly notBefore: number;
  readonly window: number;
  /** Paced to a shared bandwidth. */
  readonly paced?: LinkOptions & { readonly uplink: { freeAt: number } };
}

/** Forwards `from` to `to`, each chunk after the delay (and its turn on the paced link), in order; an end or a reset passes on. */
function pipeDelayed(from: net.Socket, to: net.Socket, direction: Direction): void {
  // One queue and one timer per direction: timers of their own could fire out of order and scramble the stream.
  const queue: Array<{ readonly at: number; readonly chunk?: Buffer; readonly close?: 'end' | 'reset' }> = [];
  let queued = 0;
  let lastAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    while (queue.length > 0 && queue[0].at <= performance.now()) {
      const { chunk, close } = queue.shift()!;
      if (chunk) {
        queued -= chunk.length;
        if (!to.destroyed) to.write(chunk);
      }
      if (close === 'end') to.end();
      if (close === 'reset') to.destroy();
    }
    if (queued <= direction.window && from.isPaused()) from.resume();
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
  };
  const push = (at: number, entry: { chunk?: Buffer; close?: 'end' | 'reset' }): void => {
    // Bytes of one connection arrive in order.
    lastAt = Math.max(at, lastAt);
    queue.push({ at: lastAt, ...entry });
    timer ??= setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
  };
  let ended = false;
  from.on('data', (chunk: Buffer) => {
    const arrived = performance.now();
    let at = Math.max(arrived + direction.delayMs, direction.notBefore);
    if (direction.paced) {
      const { uplink, bytesPerSecond } = direction.paced;
      // Serialisation on the shared uplink, then the propagation delay.
      const sentAt = Math.max(arrived, uplink.freeAt) + (chunk.length * 1000) / bytesPerSecond;
      uplink.freeAt = sentAt;
      at = Math.max(sentAt + direction.delayMs, direction.notBefore);
    }
    queued += chunk.length;
    if (queued > direction.window) from.pause();
    push(at, { chunk });
  });
  from.on('end', () => {
    ended = true;
    push(performance.now() + direction.delayMs, { close: 'end' });
  });
  // A reset (or a destroyed peer) goes through as a reset, after the same delay.
  from.on('close', () => {
    if (!ended) push(performance.now() + direction.delayMs, { close: 'reset' });
  });
}
