import { originRequestHeaders, redirectTarget, USER_AGENT } from '../../src/handler/origin';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json');

describe('originRequestHeaders', () => {
  const viewer = {
    'accept-language': 'fr',
    'accept-encoding': 'gzip, br',
    'authorization': 'Bearer viewer',
    'cookie': 'session=1',
    'host': 'x.lambda-url.us-east-1.on.aws',
    'x-amz-cf-id': 'abc',
    'connection': 'keep-alive',
    'range': 'bytes=0-99',
    'if-none-match': '"v1"',
    'user-agent': 'Amazon CloudFront',
  };

  test('asks for identity encoding and names the library and its version', () => {
    expect(USER_AGENT).toBe(`cdk-mirror-origin/${version}`);
    expect(originRequestHeaders(viewer, [], {})).toEqual({ 'user-agent': USER_AGENT, 'accept-encoding': 'identity' });
  });

  test('forwards only the listed viewer headers, never authorization, cookie, host, x-amz-*, connection, range or if-* headers', () => {
    const listed = ['accept-language', 'authorization', 'cookie', 'host', 'x-amz-cf-id', 'connection', 'accept-encoding', 'range', 'if-none-match', 'x-missing'];
    const headers = originRequestHeaders(viewer, listed, {});
    expect(headers).toEqual({ 'user-agent': USER_AGENT, 'accept-language': 'fr', 'accept-encoding': 'identity' });
  });

  test('a forwarded value node:http would refuse (a character above U+00FF, a CR) is left out; obs-text is kept', () => {
    const headers = originRequestHeaders({ 'accept-language': '中文', 'x-a': 'a\rb', 'x-b': 'caf\u00e9' }, ['accept-language', 'x-a', 'x-b'], {});
    expect(headers).toEqual({ 'user-agent': USER_AGENT, 'x-b': 'caf\u00e9', 'accept-encoding': 'identity' });
  });

  test('static origin headers win over forwarded ones; accept-encoding stays identity, host and range are never set', () => {
    const headers = originRequestHeaders(viewer, ['accept-language', 'user-agent'], { 'X-Api-Key': 's3cret', 'Accept-Language': 'en', 'Accept-Encoding': 'gzip', 'Host': 'other.example', 'Range': 'bytes=0-1' });
    expect(headers).toEqual({ 'user-agent': 'Amazon CloudFront', 'accept-language': 'en', 'x-api-key': 's3cret', 'accept-encoding': 'identity' });
  });
});

describe('redirectTarget', () => {
  const endpoint = new URL('http://127.0.0.1:9000/base');
  const current = new URL('http://127.0.0.1:9000/base/a/b.txt');

  test.each([
    ['/base/c.txt', 'http://127.0.0.1:9000/base/c.txt'],
    ['c.txt', 'http://127.0.0.1:9000/base/a/c.txt'],
    ['../other/x?v=1#frag', 'http://127.0.0.1:9000/base/other/x?v=1'],
    ['http://127.0.0.1:9000/elsewhere', 'http://127.0.0.1:9000/elsewhere'],
  ])('follows %s within the endpoint origin', (location, expected) => {
    expect(String(redirectTarget(location, current, endpoint))).toBe(expected);
  });

  test.each([
    ['//evil.example/x'],
    ['http://evil.example/x'],
    ['https://127.0.0.1:9000/x'],
    ['http://127.0.0.1:9001/x'],
    ['http://localhost:9000/x'],
    ['http://user:pw@127.0.0.1:9000/x'],
    ['/\\evil.example/x'],
    ['http://[::1'],
    [''],
  ])('refuses %j', (location) => {
    expect(typeof redirectTarget(location, current, endpoint)).toBe('string');
  });

  test('refuses a missing or repeated Location', () => {
    expect(typeof redirectTarget(undefined, current, endpoint)).toBe('string');
    expect(typeof redirectTarget(['/a', '/b'], current, endpoint)).toBe('string');
  });
});
