/** The local run's start-up check of --endpoint: any status is an answer; a refused or silent origin is not (all on 127.0.0.1). */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEndpoint } from '../../local/endpoint-check';
import { LocalOrigin, startOrigin } from '../../local/origin/server';

let origin: LocalOrigin;
beforeAll(async () => {
  origin = await startOrigin();
  origin.route('/base/', { status: 403, body: 'no listing' });
});
afterAll(async () => {
  await origin.close();
});

/** A port nothing listens on (one just closed). */
async function closedPort(): Promise<number> {
  const server = http.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

test('any status is an answer, even a 404; HEAD goes to the endpoint\'s base path and "/"', async () => {
  expect(await checkEndpoint(origin.url)).toEqual({ reachable: true, url: `${origin.url}/`, status: 404 });
  expect(await checkEndpoint(`${origin.url}/base`)).toEqual({ reachable: true, url: `${origin.url}/base/`, status: 403 });
  expect(origin.requests.slice(-2).map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /', 'HEAD /base/']);
});

test('a refused connection is no answer, with the reason', async () => {
  const port = await closedPort();
  expect(await checkEndpoint(`http://127.0.0.1:${port}`)).toEqual({
    reachable: false, url: `http://127.0.0.1:${port}/`, reason: `connect ECONNREFUSED 127.0.0.1:${port}`,
  });
});

test('an origin that accepts the connection but never answers is no answer once the timeout is over', async () => {
  origin.route('/silent/', { fault: { kind: 'hang-before-headers' } });
  expect(await checkEndpoint(`${origin.url}/silent`, 300)).toEqual({ reachable: false, url: `${origin.url}/silent/`, reason: 'no answer within 0.3 s' });
});
