/** The CORS of a response headers policy, applied to an origin's answer as CloudFront applies it. */
import { CorsPolicySpec, withCorsHeaders } from '../../local/cloudfront-cors';

const POLICY: CorsPolicySpec = {
  allowOrigins: ['https://app.example'],
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  allowHeaders: ['*'],
  exposeHeaders: [],
  allowCredentials: false,
  maxAgeSeconds: 3600,
  originOverride: true,
};

const request = (method: string, headers: Record<string, string>) => ({ method, headers: new Map(Object.entries(headers)) });
const PREFLIGHT = { 'origin': 'https://app.example', 'access-control-request-method': 'GET' };

test('a GET from an allowed origin: that origin is allowed, no preflight headers', () => {
  expect(withCorsHeaders(POLICY, request('GET', { origin: 'https://app.example' }), { 'content-type': 'text/plain' })).toEqual({
    'content-type': 'text/plain',
    'access-control-allow-origin': 'https://app.example',
  });
});

test('a preflight from an allowed origin: the methods, the headers and the max age as well', () => {
  expect(withCorsHeaders(POLICY, request('OPTIONS', PREFLIGHT), {})).toEqual({
    'access-control-allow-origin': 'https://app.example',
    'access-control-allow-methods': 'GET, HEAD, OPTIONS',
    'access-control-allow-headers': '*',
    'access-control-max-age': '3600',
  });
  // OPTIONS without Access-Control-Request-Method is no preflight.
  expect(withCorsHeaders(POLICY, request('OPTIONS', { origin: 'https://app.example' }), {})).toEqual({ 'access-control-allow-origin': 'https://app.example' });
});

test('no Origin, or one the policy does not allow: nothing added, the origin\'s own headers untouched', () => {
  const fromOrigin = { 'access-control-allow-origin': 'https://other.example' };
  expect(withCorsHeaders(POLICY, request('GET', {}), {})).toEqual({});
  expect(withCorsHeaders(POLICY, request('OPTIONS', { ...PREFLIGHT, origin: 'https://evil.example' }), {})).toEqual({});
  expect(withCorsHeaders(POLICY, request('GET', { origin: 'https://app.example.evil' }), fromOrigin)).toEqual(fromOrigin);
  expect(withCorsHeaders(undefined, request('GET', { origin: 'https://app.example' }), {})).toEqual({});
});

test('originOverride: the policy\'s headers replace the origin\'s; without it, the origin\'s are kept and the missing ones added', () => {
  const fromOrigin = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD' };
  expect(withCorsHeaders(POLICY, request('OPTIONS', PREFLIGHT), fromOrigin)).toMatchObject({
    'access-control-allow-origin': 'https://app.example',
    'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  });
  expect(withCorsHeaders({ ...POLICY, originOverride: false }, request('OPTIONS', PREFLIGHT), fromOrigin)).toEqual({
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, HEAD',
    'access-control-allow-headers': '*',
    'access-control-max-age': '3600',
  });
});

test('any origin, wildcard origins, ALL methods, credentials and exposed headers', () => {
  const any = { ...POLICY, allowOrigins: ['*'], allowMethods: ['ALL'], exposeHeaders: ['x-mirror', 'etag'], allowCredentials: true, maxAgeSeconds: undefined };
  expect(withCorsHeaders(any, request('OPTIONS', { ...PREFLIGHT, origin: 'https://anything.example' }), {})).toEqual({
    'access-control-allow-origin': '*',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'x-mirror, etag',
    'access-control-allow-methods': 'GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT',
    'access-control-allow-headers': '*',
  });
  const subdomains = { ...POLICY, allowOrigins: ['https://*.app.example'] };
  expect(withCorsHeaders(subdomains, request('GET', { origin: 'https://eu.app.example' }), {})).toEqual({ 'access-control-allow-origin': 'https://eu.app.example' });
  expect(withCorsHeaders(subdomains, request('GET', { origin: 'https://app.example' }), {})).toEqual({});
  expect(withCorsHeaders(subdomains, request('GET', { origin: 'http://eu.app.example' }), {})).toEqual({});
});
