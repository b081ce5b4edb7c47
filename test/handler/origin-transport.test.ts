/**
 * Origin connections of a warm container, against the real origin stand-in (connections counted there): kept and
 * reused, TLS sessions resumed, a kept connection the origin had dropped retried once on a new one, and kept after
 * a small answer that is not used (a 404).
 */
import type * as http from 'node:http';
import type { Readable } from 'node:stream';
import { LocalOrigin, startOrigin } from '../../local/origin/server';
import { createLocalTls, LocalTls } from '../../local/origin/tls';
import { declaredLength, discardBody, DRAIN_MAX_BYTES, fetchOrigin } from '../../src/handler/origin';
import { createNodeTransport, keepAliveAgents, OriginAgents, OriginTransport } from '../../src/handler/origin-transport';

let origin: LocalOrigin;
let tlsOrigin: LocalOrigin;
let tls: LocalTls;
const agents: OriginAgents[] = [];

beforeAll(async () => {
  tls = createLocalTls();
  [origin, tlsOrigin] = await Promise.all([startOrigin(), startOrigin({ tls })]);
  for (const o of [origin, tlsOrigin]) {
    o.route('/a', { body: 'first' });
    o.route('/b', { body: 'second' });
    o.route('/c', { body: 'third' });
  }
});

afterAll(async () => {
  for (const a of agents) {
    a.http.destroy();
    a.https.destroy();
  }
  await Promise.all([origin?.close(), tlsOrigin?.close()]);
  tls?.dispose();
});

function transport(ca?: string): { send: OriginTransport; agents: OriginAgents } {
  const kept = keepAliveAgents(ca);
  agents.push(kept);
  return { send: createNodeTransport(kept), agents: kept };
}

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function get(send: OriginTransport, base: string, path: string): Promise<{ status: number; body: string }> {
  const response = await send(new URL(`${base}${path}`), { 'accept-encoding': 'identity' }, 30_000);
  return { status: response.status, body: await text(response.body) };
}

test('a warm container\'s requests share one connection; without agents each has its own', async () => {
  const before = origin.connections.length;
  const { send } = transport();
  expect(await get(send, origin.url, '/a')).toEqual({ status: 200, body: 'first' });
  expect(await get(send, origin.url, '/b')).toEqual({ status: 200, body: 'second' });
  expect(origin.connections.length - before).toBe(1);
  expect(origin.requests.slice(-2).map((r) => r.reused)).toEqual([false, true]);

  const fresh = createNodeTransport(false);
  await get(fresh, origin.url, '/a');
  await get(fresh, origin.url, '/b');
  expect(origin.connections.length - before).toBe(3);
});

test('a kept connection the origin dropped fails before any byte: retried once on a new connection', async () => {
  origin.route('/dropped', { body: 'answered on a new connection', fault: { kind: 'reset-if-reused' } });
  const { send } = transport();
  await get(send, origin.url, '/a');
  const before = origin.connections.length;
  expect(await get(send, origin.url, '/dropped')).toEqual({ status: 200, body: 'answered on a new connection' });
  const tries = origin.requests.filter((r) => r.url === '/dropped');
  expect(tries.map((r) => r.reused)).toEqual([true, false]);
  expect(origin.connections.length - before).toBe(1);
});

test('one retry only, and only for a reused connection: a reset on a new connection, or twice, fails the request', async () => {
  origin.route('/reset', { fault: { kind: 'reset-before-headers' } });
  const { send } = transport();
  await expect(get(send, origin.url, '/reset')).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(origin.requests.filter((r) => r.url === '/reset')).toHaveLength(1);
  await get(send, origin.url, '/a');
  await expect(get(send, origin.url, '/reset')).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(origin.requests.filter((r) => r.url === '/reset').map((r) => r.reused)).toEqual([false, true, false]);
});

test('https: the connection is kept, and a new one resumes the TLS session', async () => {
  const { send, agents: kept } = transport(tls.ca);
  const before = tlsOrigin.connections.length;
  expect(await get(send, tlsOrigin.url, '/a')).toEqual({ status: 200, body: 'first' });
  expect(await get(send, tlsOrigin.url, '/b')).toEqual({ status: 200, body: 'second' });
  expect(tlsOrigin.connections.length - before).toBe(1);
  // The origin closed it (idle): the next connection skips the full handshake.
  for (const sockets of Object.values(kept.https.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(await get(send, tlsOrigin.url, '/c')).toEqual({ status: 200, body: 'third' });
  expect(tlsOrigin.connections.slice(before).map((c) => c.resumed)).toEqual([false, true]);
});

test('a reset on a reused connection after the response began fails the body, and the request is never sent again', async () => {
  let bytesRead!: () => void;
  const read = new Promise<void>((resolve) => (bytesRead = resolve));
  origin.route('/reset-late', { body: 'x'.repeat(64 * 1024), fault: { kind: 'reset', afterBytes: 1000, until: read } });
  const { send } = transport();
  await get(send, origin.url, '/a');
  const response = await send(new URL(`${origin.url}/reset-late`), { 'accept-encoding': 'identity' }, 30_000);
  expect(response.status).toBe(200);
  const chunks: Buffer[] = [];
  const failed = new Promise<unknown>((resolve) => {
    response.body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).length >= 1000) bytesRead();
    });
    response.body.on('error', resolve);
    response.body.on('end', () => resolve(undefined));
  });
  await expect(failed).resolves.toMatchObject({ code: 'ECONNRESET' });
  expect(Buffer.concat(chunks).length).toBe(1000);
  // A retry would have gone out at the reset, before this request on a connection of its own.
  await get(send, origin.url, '/b');
  expect(origin.requests.filter((r) => r.url === '/reset-late').map((r) => r.reused)).toEqual([true]);
});

/** Resolves once every connection `agent` has in use is back in its pool, or closed. */
function connectionsSettled(agent: http.Agent): Promise<unknown> {
  return Promise.all(Object.values(agent.sockets).flat().map((socket) => (!socket || socket.destroyed ? undefined : new Promise<void>((resolve) => {
    const done = (): void => {
      agent.off('free', onFree);
      socket.off('close', done);
      resolve();
    };
    const onFree = (freed: unknown): void => (freed === socket ? done() : undefined);
    agent.on('free', onFree);
    socket.once('close', done);
  }))));
}

test('an answer that is not used: a small body is read to its end and the connection kept; a larger one is dropped with it', async () => {
  origin.route('/missing-small', { status: 404, body: 'not here' });
  origin.route('/missing-large', { status: 404, body: 'x'.repeat(DRAIN_MAX_BYTES + 1) });
  const { send, agents: kept } = transport();
  const discarded = async (path: string): Promise<void> => {
    const url = new URL(`${origin.url}${path}`);
    const response = await fetchOrigin({
      url, endpoint: url, viewerHeaders: {}, forwardHeaders: [], originHeaders: {}, headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000, transport: send,
    });
    expect(response.status).toBe(404);
    discardBody(response.body, declaredLength(response.headers));
    await connectionsSettled(kept.http);
  };
  const before = origin.connections.length;
  await discarded('/missing-small');
  await discarded('/missing-small');
  expect(origin.connections.length - before).toBe(1);
  await discarded('/missing-large');
  await discarded('/missing-large');
  expect(origin.connections.length - before).toBe(2);
});
