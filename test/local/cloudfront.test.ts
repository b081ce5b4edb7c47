/**
 * The local CloudFront on its own, with two recording origins standing in for
 * S3 and the function URL: failover rules, methods, the default root object,
 * origin paths, what is forwarded and added, raw paths, cut bodies, timeouts.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { recordingOrigin, send, sendRaw } from './helpers';
import { CloudFrontRecord, LocalCloudFront } from '../../local/cloudfront';
import { BehaviorSpec, DistributionSpec } from '../../local/template';

/** The default behaviour: an origin group of the bucket, then the function URL. */
const BASE_SPEC: BehaviorSpec = {
  pathPattern: '*',
  allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
  primary: { id: 'bucket', kind: 's3', domainName: 'b.s3.us-east-1.amazonaws.com', bucketName: 'b', originPath: '/prefix', readTimeoutSeconds: 30, signed: true },
  fallback: { id: 'fn', kind: 'function-url', domainName: 'abc.lambda-url.us-east-1.on.aws', originPath: '', readTimeoutSeconds: 30, signed: true },
  failoverStatusCodes: [404, 500],
  forwarding: {
    headers: { kind: 'only', names: new Set(['accept-language']) },
    queryStrings: { kind: 'only', names: new Set(['v']) },
    cookies: { kind: 'none' },
    acceptEncoding: { gzip: true, brotli: true },
  },
  compress: true,
  functionAssociations: [],
};

let primaryStatus = 404;
const primary = recordingOrigin((req, res) => {
  res.writeHead(req.url!.includes('/ok') ? 200 : primaryStatus, { 'content-type': 'text/plain' }).end(`primary ${req.url}`);
});
const fallback = recordingOrigin((req, res) => {
  if (req.url!.includes('hang')) return;
  if (req.url!.includes('cut')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(Buffer.alloc(1000));
    setTimeout(() => res.socket!.destroy(), 20);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'x-from': 'fallback' }).end(`fallback ${req.url}`);
});
let cf: LocalCloudFront;

/** A distribution whose one (default) behaviour is BASE_SPEC with `spec`. */
async function distribution(spec: Partial<BehaviorSpec> = {}, origins: { s3?: string; fn?: string } = {}): Promise<LocalCloudFront> {
  const dist: DistributionSpec = { logicalId: 'Dist', defaultRootObject: 'index.html', behaviors: [{ ...BASE_SPEC, ...spec }] };
  const started = await LocalCloudFront.start({
    distribution: dist,
    origins: {
      bucket: { url: origins.s3 ?? (await primary).url, pathPrefix: '/bucket' },
      fn: { url: origins.fn ?? (await fallback).url, hostHeader: 'abc.lambda-url.us-east-1.on.aws' },
    },
  });
  return started;
}

const others: LocalCloudFront[] = [];
beforeAll(async () => {
  cf = await distribution();
});
afterAll(async () => {
  await Promise.all([cf, ...others].map((d) => d.close()));
  for (const origin of [await primary, await fallback]) {
    origin.server.closeAllConnections();
    origin.server.close();
  }
});
beforeEach(() => {
  primaryStatus = 404;
});

test('the primary answers first; a failover code sends the request to the fallback', async () => {
  const hit = await send(cf.url, '/ok.txt');
  expect(hit.body.toString()).toBe('primary /bucket/prefix/ok.txt');
  expect(hit.headers).toMatchObject({ 'x-cache': 'Miss from cloudfront', 'x-amz-cf-pop': expect.any(String), 'x-amz-cf-id': expect.any(String) });
  expect(hit.headers.via).toMatch(/cloudfront\.net \(CloudFront\)$/);

  const miss = await send(cf.url, '/missing.txt');
  expect(miss.body.toString()).toBe('fallback /missing.txt');
  expect(miss.headers['x-cache']).toBe('Miss from cloudfront');
  expect(cf.counters).toMatchObject({ servedByPrimary: 1, failovers: 1 });

  primaryStatus = 500;
  expect((await send(cf.url, '/error.txt')).body.toString()).toBe('fallback /error.txt');
  primaryStatus = 403;
  const denied = await send(cf.url, '/denied.txt');
  expect(denied.status).toBe(403);
  expect(denied.body.toString()).toBe('primary /bucket/prefix/denied.txt');
  // What CloudFront says of an origin's 4xx or 5xx: an error, not a miss.
  expect(denied.headers['x-cache']).toBe('Error from cloudfront');
});

test('what reaches the fallback: only the policies\' headers and query strings, plus CloudFront\'s own', async () => {
  const { seen } = await fallback;
  await send(cf.url, '/headers.txt?v=1&other=2', {
    headers: { 'accept-language': 'fr', 'x-secret': 'no', 'cookie': 'session=1', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'browser', 'x-forwarded-for': '10.0.0.1' },
  });
  const request = seen.find((r) => r.url.startsWith('/headers.txt'))!;
  expect(request.url).toBe('/headers.txt?v=1');
  expect(request.headers).toMatchObject({
    'host': 'abc.lambda-url.us-east-1.on.aws',
    'accept-language': 'fr',
    'accept-encoding': 'br,gzip',
    'user-agent': 'Amazon CloudFront',
    'x-forwarded-for': '10.0.0.1, 127.0.0.1',
    'x-amz-cf-id': expect.any(String),
    'via': expect.stringMatching(/^1\.1 [0-9a-f]+\.cloudfront\.net \(CloudFront\)$/),
    'authorization': expect.stringMatching(/^AWS4-HMAC-SHA256 /),
  });
  expect(request.headers['x-secret']).toBeUndefined();
  expect(request.headers.cookie).toBeUndefined();
  // The primary (S3) got the same filtered request, unsigned (s3rver would check a signature).
  const toPrimary = (await primary).seen.find((r) => r.url.startsWith('/bucket/prefix/headers.txt'))!;
  expect(toPrimary.url).toBe('/bucket/prefix/headers.txt?v=1');
  expect(toPrimary.headers.authorization).toBeUndefined();
});

test('"/" becomes the default root object; other paths pass through raw', async () => {
  const { seen } = await primary;
  const targets = ['/', '/?v=2', '/dir/', '//x', '/a/../b', '/%2e%2e/x', '/a%2Fb', '/\\\\host/x', '/@host'];
  for (const target of targets) await send(cf.url, target);
  await sendRaw(cf.port, 'http://elsewhere.example/abs?v=3');
  const urls = seen.slice(-targets.length - 1).map((r) => r.url);
  expect(urls).toEqual([
    '/bucket/prefix/index.html',
    '/bucket/prefix/index.html?v=2',
    '/bucket/prefix/dir/',
    '/bucket/prefix//x',
    '/bucket/prefix/a/../b',
    '/bucket/prefix/%2e%2e/x',
    '/bucket/prefix/a%2Fb',
    '/bucket/prefix/\\\\host/x',
    '/bucket/prefix/@host',
    '/bucket/prefix/abs?v=3',
  ]);
});

test('other methods: 403 from CloudFront, or (when allowed) the primary only, never a failover', async () => {
  const post = await send(cf.url, '/form', { method: 'POST' });
  expect(post.status).toBe(403);
  expect(post.headers['x-cache']).toBe('Error from cloudfront');

  const all = await distribution({ allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'] });
  others.push(all);
  const allowed = await send(all.url, '/form', { method: 'POST' });
  expect(allowed.status).toBe(404);
  expect(allowed.body.toString()).toBe('primary /bucket/prefix/form');
});

test('an unreachable primary fails over; unreachable origins are a 502; a silent one a 504', async () => {
  const closed = http.createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  closed.close();
  await once(closed, 'close');

  const noPrimary = await distribution({}, { s3: deadUrl });
  const noOrigins = await distribution({}, { s3: deadUrl, fn: deadUrl });
  others.push(noPrimary, noOrigins);
  expect((await send(noPrimary.url, '/x')).body.toString()).toBe('fallback /x');
  const unreachable = await send(noOrigins.url, '/x');
  expect(unreachable.status).toBe(502);
  expect(unreachable.headers['x-cache']).toBe('Error from cloudfront');
  // Only this distribution gives up on the function URL after 1 s: no other test races that timer.
  const impatient = await distribution({ fallback: { ...BASE_SPEC.fallback!, readTimeoutSeconds: 1 } });
  others.push(impatient);
  expect((await send(impatient.url, '/hang')).status).toBe(504);
});

test('a fallback body that stops short cuts the viewer\'s connection', async () => {
  const recorded = new Promise<CloudFrontRecord>((resolve) => {
    const listener = (record: CloudFrontRecord) => {
      if (record.rawUrl !== '/cut.bin') return;
      cf.off('request', listener);
      resolve(record);
    };
    cf.on('request', listener);
  });
  const reply = await send(cf.url, '/cut.bin');
  expect(reply.status).toBe(200);
  expect(reply.complete).toBe(false);
  expect(await recorded).toMatchObject({ failover: true, servedBy: 'function-url', completed: false, viewerAborted: false });
});

/**
 * An origin that closes a keep-alive connection exactly when it is reused: the
 * second request on a socket destroys it before any response, as a server whose
 * keepAliveTimeout fires just as the reused request goes out does.
 */
async function resettingOrigin(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const requestsOnSocket = new WeakMap<object, number>();
  const log: { url: string; reset: boolean }[] = [];
  const origin = await recordingOrigin((req, res) => {
    const n = (requestsOnSocket.get(req.socket) ?? 0) + 1;
    requestsOnSocket.set(req.socket, n);
    log.push({ url: req.url!, reset: n === 2 });
    if (n === 2) req.socket.destroy();
    else answer(req, res);
  });
  return { ...origin, log };
}

test('a reused connection the origin resets before answering is retried once on a new one: no failover, no 502', async () => {
  const s3 = await resettingOrigin((req, res) => {
    res.writeHead(req.url!.includes('hit') ? 200 : 404, { 'content-type': 'text/plain' }).end(`primary ${req.url}`);
  });
  const fn = await resettingOrigin((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`fallback ${req.url}`));
  const resetting = await distribution({}, { s3: s3.url, fn: fn.url });
  others.push(resetting);
  const recorded = new Promise<CloudFrontRecord[]>((resolve) => {
    const records: CloudFrontRecord[] = [];
    resetting.on('request', (record: CloudFrontRecord) => {
      if (records.push(record) === 4) resolve(records);
    });
  });
  try {
    const replies = [];
    // One after the other, so each request finds the previous one's connection idle in the pool.
    for (const target of ['/hit-1', '/hit-2', '/miss-1', '/miss-2']) replies.push(await send(resetting.url, target));

    expect(replies.map((r) => [r.status, r.body.toString()])).toEqual([
      [200, 'primary /bucket/prefix/hit-1'],
      [200, 'primary /bucket/prefix/hit-2'],
      [200, 'fallback /miss-1'],
      [200, 'fallback /miss-2'],
    ]);
    expect((await recorded).map((r) => [r.rawUrl, r.servedBy, r.failover])).toEqual([
      ['/hit-1', 's3', false],
      ['/hit-2', 's3', false],
      ['/miss-1', 'function-url', true],
      ['/miss-2', 'function-url', true],
    ]);
    // The resets did happen: /hit-2 on the primary's reused connection, /miss-2 on the fallback's; each sent again once.
    expect(s3.log.filter((r) => r.url === '/bucket/prefix/hit-2')).toEqual([{ url: '/bucket/prefix/hit-2', reset: true }, { url: '/bucket/prefix/hit-2', reset: false }]);
    expect(fn.log.filter((r) => r.url === '/miss-2')).toEqual([{ url: '/miss-2', reset: true }, { url: '/miss-2', reset: false }]);
  } finally {
    for (const origin of [s3, fn]) {
      origin.server.closeAllConnections();
      origin.server.close();
    }
  }
});

const VIEWER_REQUEST = `function handler(event) {
  var request = event.request;
  if (request.uri === '/deny') return { statusCode: 400, statusDescription: 'Bad Request', headers: { 'x-denied': { value: 'yes' } } };
  request.uri = '/rewritten' + request.uri;
  request.querystring = { v: { value: 'from-function' } };
  request.headers['accept-language'] = { value: 'de' };
  return request;
}`;

test('a viewer-request function runs first: the origins see the request it returns, or the viewer its response', async () => {
  const withFunction = await distribution({ functionAssociations: [{ eventType: 'viewer-request', code: VIEWER_REQUEST }] });
  others.push(withFunction);
  const { seen } = await fallback;
  const passed = await send(withFunction.url, '/fn.txt?v=1&w=2', { headers: { 'accept-language': 'fr' } });
  expect(passed.body.toString()).toBe('fallback /rewritten/fn.txt?v=from-function');
  expect(seen[seen.length - 1].headers['accept-language']).toBe('de');

  const denied = await send(withFunction.url, '/deny');
  expect(denied.status).toBe(400);
  expect(denied.headers['x-denied']).toBe('yes');
  expect(denied.headers['x-cache']).toBe('FunctionGeneratedResponse from cloudfront');
});

test('a function the local CloudFront cannot run is refused rather than skipped', async () => {
  await expect(distribution({ functionAssociations: [{ eventType: 'viewer-response', code: 'function handler(e) { return e.response; }' }] }))
    .rejects.toThrow(/cannot run: viewer-response/);
  await expect(distribution({ functionAssociations: [{ eventType: 'viewer-request', functionLogicalId: 'Imported' }] }))
    .rejects.toThrow(/viewer-request \(code not in the template\)/);
});
