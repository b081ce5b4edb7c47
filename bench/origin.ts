/**
 * The benchmark's origin: serves the same bodies as the test origin
 * (`local/origin/server.ts`: the seeded 64 KiB-block pattern, so its
 * `patternSha256` holds) but derives every block from one base block cached
 * per seed when the route is set. The test origin computes that block (a
 * thousand SHA-512s, 5–40 ms here) on every request, which would add a
 * noisy constant to every first byte and hide the differences measured.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { patternBuffer, PatternBody } from '../local/origin/server';

const BLOCK = 64 * 1024;

/** A running benchmark origin. */
export interface BenchOrigin {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Serves `body` at `path` (exactly, no query) from now on, with a Content-Length. */
  route(path: string, body: PatternBody, contentType?: string): void;
  close(): Promise<void>;
}

/** Starts the origin on 127.0.0.1 and a free port. */
export async function startBenchOrigin(): Promise<BenchOrigin> {
  const routes = new Map<string, { body: PatternBody; contentType: string }>();
  const blocks = new Map<number, Buffer>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here\n');
      return;
    }
    const { size, seed = 0 } = route.body;
    const base = blocks.get(seed)!;
    res.writeHead(200, { 'content-type': route.contentType, 'content-length': String(size) });
    if (req.method === 'HEAD') return void res.end();
    let index = 0;
    const pump = () => {
      while (index * BLOCK < size) {
        const block = Buffer.from(base);
        block.writeUInt32BE(index % 0x100000000, 0);
        const length = Math.min(BLOCK, size - index * BLOCK);
        index++;
        if (!res.write(block.subarray(0, length))) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => res.off('drain', pump));
    pump();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route: (path, body, contentType = 'application/octet-stream') => {
      // Block 0 of the pattern, computed here rather than on the request; block i is the same with i in its first four bytes.
      if (!blocks.has(body.seed ?? 0)) blocks.set(body.seed ?? 0, patternBuffer({ size: BLOCK, seed: body.seed }));
      routes.set(path, { body, contentType });
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
