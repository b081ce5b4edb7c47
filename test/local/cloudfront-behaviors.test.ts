/**
 * The local CloudFront with several cache behaviours, on recording origins: each
 * request goes to the behaviour its path picks, with that behaviour's origins,
 * methods, forwarding, functions and CORS; a behaviour on a plain origin is a 502.
 */
import { recordingOrigin, send } from './helpers';
import { CloudFrontRecord, LocalCloudFront } from '../../local/cloudfront';
import { BehaviorSpec, OriginSpec } from '../../local/template';

const FORWARD = (...names: string[]): BehaviorSpec['forwarding'] => ({
  headers: { kind: 'only', names: new Set(names) },
  queryStrings: { kind: 'none' },
  cookies: { kind: 'none' },
  acceptEncoding: { gzip: false, brotli: false },
});
const s3Origin = (id: string, originPath: string): OriginSpec =>
  ({ id, kind: 's3', domainName: 'b.s3.us-east-1.amazonaws.com', bucketName: 'b', originPath, readTimeoutSeconds: 30, signed: true });
const fnOrigin = (id: string): OriginSpec =>
  ({ id, kind: 'function-url', domainName: `${id}.lambda-url.us-east-1.on.aws`, originPath: '', readTimeoutSeconds: 30, signed: true });

const TAG_FUNCTION = `function handler(event) {
  event.request.headers['x-legacy'] = { value: 'from-function' };
  return event.request;
}`;

const BEHAVIORS: BehaviorSpec[] = [
  {
    pathPattern: '/legacy/*',
    allowedMethods: ['GET', 'HEAD'],
    primary: s3Origin('bucket-legacy', ''),
    fallback: fnOrigin('fn-legacy'),
    failoverStatusCodes: [404],
    forwarding: FORWARD('x-legacy'),
    compress: true,
    functionAssociations: [{ eventType: 'viewer-request', code: TAG_FUNCTION }],
  },
  {
    pathPattern: '/app/*',
    allowedMethods: ['GET', 'HEAD'],
    primary: { id: 'app', kind: 'other', domainName: 'app.example.com', originPath: '', readTimeoutSeconds: 30, signed: false },
    failoverStatusCodes: [],
    forwarding: FORWARD(),
    compress: false,
    functionAssociations: [],
  },
  {
    pathPattern: '*',
    allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
    primary: s3Origin('bucket', '/prefix'),
    fallback: fnOrigin('fn'),
    failoverStatusCodes: [404],
    forwarding: FORWARD('accept-language', 'origin', 'access-control-request-method'),
    compress: true,
    functionAssociations: [],
    cors: {
      allowOrigins: ['https://app.example'],
      allowMethods: ['GET', 'HEAD', 'OPTIONS'],
      allowHeaders: ['*'],
      exposeHeaders: [],
      allowCredentials: false,
      maxAgeSeconds: 600,
      originOverride: true,
    },
  },
];

type Origin = Awaited<ReturnType<typeof recordingOrigin>>;
let s3: Origin;
let fn: Origin;
let fnLegacy: Origin;
let cf: LocalCloudFront;

beforeAll(async () => {
  // A hit is any key with "hit" in it; the S3 stand-in's own CORS header shows what the policy overrides.
  s3 = await recordingOrigin((req, res) => {
    const status = req.method === 'OPTIONS' || req.url!.includes('hit') ? 200 : 404;
    res.writeHead(status, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end(`s3 ${req.url}`);
  });
  fn = await recordingOrigin((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`fn ${req.url}`));
  fnLegacy = await recordingOrigin((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`fn-legacy ${req.url}`));
  cf = await LocalCloudFront.start({
    distribution: { logicalId: 'Dist', defaultRootObject: 'index.html', behaviors: BEHAVIORS },
    origins: {
      'bucket-legacy': { url: s3.url, pathPrefix: '/b' },
      'bucket': { url: s3.url, pathPrefix: '/b' },
      'fn': { url: fn.url },
      'fn-legacy': { url: fnLegacy.url },
    },
  });
});

afterAll(async () => {
  await cf?.close();
  for (const origin of [s3, fn, fnLegacy]) {
    origin?.server.closeAllConnections();
    origin?.server.close();
  }
});

/** Sends a request and waits for its record (listened for before sending). */
async function request(target: string, options: Parameters<typeof send>[2] = {}) {
  const method = options.method ?? 'GET';
  const recorded = new Promise<CloudFrontRecord>((resolve) => {
    const listener = (record: CloudFrontRecord) => {
      if (record.rawUrl !== target || record.method !== method) return;
      cf.off('request', listener);
      resolve(record);
    };
    cf.on('request', listener);
  });
  const reply = await send(cf.url, target, options);
  return { reply, record: await recorded };
}

test('each path goes to the origins of the first behaviour whose pattern matches, the default last', async () => {
  const legacy = await request('/legacy/x.txt');
  expect(legacy.reply.body.toString()).toBe('fn-legacy /legacy/x.txt');
  expect(legacy.record).toMatchObject({ pathPattern: '/legacy/*', failover: true, servedBy: 'function-url' });
  expect(s3.seen.map((r) => r.url)).toContain('/b/legacy/x.txt');

  const legacyHit = await request('/legacy/hit.txt');
  expect(legacyHit.reply.body.toString()).toBe('s3 /b/legacy/hit.txt');
  expect(legacyHit.record).toMatchObject({ pathPattern: '/legacy/*', failover: false, servedBy: 's3' });

  // Case-sensitive, and "/legacy" itself is not under "/legacy/*".
  for (const target of ['/x.txt', '/Legacy/x.txt', '/legacy']) {
    const other = await request(target);
    expect(other.reply.body.toString()).toBe(`fn ${target}`);
    expect(other.record.pathPattern).toBe('*');
  }
  expect(s3.seen.map((r) => r.url)).toEqual(expect.arrayContaining(['/b/prefix/x.txt', '/b/prefix/Legacy/x.txt', '/b/prefix/legacy']));
  expect(fnLegacy.seen.map((r) => r.url)).toEqual(['/legacy/x.txt']);
});

test('each behaviour has its own methods, forwarded headers and viewer-request function', async () => {
  const options = await request('/legacy/y.txt', { method: 'OPTIONS' });
  expect(options.reply.status).toBe(403);
  expect(options.record).toMatchObject({ pathPattern: '/legacy/*', servedBy: 'cloudfront' });
  expect((await request('/y.txt', { method: 'OPTIONS' })).reply.status).toBe(200);

  const headers = { 'x-legacy': '1', 'accept-language': 'fr' };
  await request('/legacy/z.txt', { headers });
  await request('/z.txt', { headers });
  const toLegacy = fnLegacy.seen.find((r) => r.url === '/legacy/z.txt')!.headers;
  const toDefault = fn.seen.find((r) => r.url === '/z.txt')!.headers;
  // The legacy behaviour's function set x-legacy, which its policy forwards; the default behaviour runs no function.
  expect([toLegacy['x-legacy'], toLegacy['accept-language']]).toEqual(['from-function', undefined]);
  expect([toDefault['x-legacy'], toDefault['accept-language']]).toEqual([undefined, 'fr']);
});

test('a behaviour whose origin the local stack does not run is answered 502, saying so; no origin is asked', async () => {
  const before = s3.seen.length + fn.seen.length + fnLegacy.seen.length;
  const app = await request('/app/page.html');
  expect(app.reply.status).toBe(502);
  expect(app.reply.headers['x-cache']).toBe('Error from cloudfront');
  expect(app.reply.body.toString()).toContain('The local stack does not run the origin of the cache behaviour /app/*: app (app.example.com)');
  expect(app.record).toMatchObject({ pathPattern: '/app/*', servedBy: 'cloudfront' });
  expect(s3.seen.length + fn.seen.length + fnLegacy.seen.length).toBe(before);
});

test('the CORS of a behaviour\'s response headers policy goes on its answers (bucket and function alike), not on another behaviour\'s', async () => {
  const origin = { origin: 'https://app.example' };
  const hit = await request('/hit.css', { headers: origin });
  const miss = await request('/miss.css', { headers: origin });
  expect([hit.record.servedBy, miss.record.servedBy]).toEqual(['s3', 'function-url']);
  for (const { reply } of [hit, miss]) {
    expect(reply.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(reply.headers['access-control-allow-methods']).toBeUndefined();
  }
  const preflight = await request('/miss.css', { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } });
  expect(preflight.reply.status).toBe(200);
  expect(preflight.reply.headers).toMatchObject({
    'access-control-allow-origin': 'https://app.example', 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-max-age': '600',
  });
  // The S3 stand-in's own "*" passes where the policy adds nothing: another origin, or a behaviour without the policy.
  expect((await request('/hit.js', { headers: { origin: 'https://evil.example' } })).reply.headers['access-control-allow-origin']).toBe('*');
  expect((await request('/legacy/hit.js', { headers: origin })).reply.headers['access-control-allow-origin']).toBe('*');
  expect((await request('/legacy/miss.js', { headers: origin })).reply.headers['access-control-allow-origin']).toBeUndefined();
});
