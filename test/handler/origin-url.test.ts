import { urlLookingPaths } from './hostile-paths';
import { keyFromRawPath } from '../../src/handler/key';
import { encodePathSegment, isSameOrigin, originUrl } from '../../src/handler/origin-url';

const ENDPOINT = 'https://old.example.com:8443/assets';

/** The origin URL of a viewer's raw path, as the handler builds it. */
function built(rawPath: string, endpoint: string = ENDPOINT, query?: string): string {
  const key = keyFromRawPath(rawPath, '');
  if (!key.ok) throw new Error(key.reason);
  const result = originUrl(endpoint, key.originPath, query);
  if (!result.ok) throw new Error(result.reason);
  return result.url.href;
}

describe('originUrl', () => {
  test('appends each segment to the endpoint path, re-encoded', () => {
    expect(built('/photo/2018/a%20b%2Bc.jpg')).toBe('https://old.example.com:8443/assets/photo/2018/a%20b%2Bc.jpg');
    expect(built('/%e2%82%ac/%C3%A9t%c3%a9')).toBe('https://old.example.com:8443/assets/%E2%82%AC/%C3%A9t%C3%A9');
    expect(built('/€/été')).toBe('https://old.example.com:8443/assets/%E2%82%AC/%C3%A9t%C3%A9');
    expect(built('/a%3Fb%23c%25d')).toBe('https://old.example.com:8443/assets/a%3Fb%23c%25d');
    expect(built('/dir/')).toBe('https://old.example.com:8443/assets/dir/');
  });

  test('a raw "+" reaches the origin as the viewer sent it; an encoded one stays encoded', () => {
    expect(built('/libgit2-0.12+1.3.crate')).toBe('https://old.example.com:8443/assets/libgit2-0.12+1.3.crate');
    expect(built('/libgit2-0.12%2B1.3.crate')).toBe('https://old.example.com:8443/assets/libgit2-0.12%2B1.3.crate');
    expect(built('/a+%2F+b')).toBe('https://old.example.com:8443/assets/a+/+b');
  });

  test('the endpoint path loses its trailing slash; a bare host has none', () => {
    expect(built('/x', 'https://old.example.com/assets/')).toBe('https://old.example.com/assets/x');
    expect(built('/x', 'https://old.example.com')).toBe('https://old.example.com/x');
    expect(built('/x', 'http://old.example.com:80/')).toBe('http://old.example.com/x');
  });

  test.each(urlLookingPaths('evil.example:8080'))(
    'the URL-looking path %s stays on the endpoint host',
    (rawPath, _key, target) => {
      const key = keyFromRawPath(rawPath, '');
      if (!key.ok) throw new Error(key.reason);
      for (const endpoint of [ENDPOINT, 'http://127.0.0.1:9000', 'http://127.0.0.1:9000/']) {
        const result = originUrl(endpoint, key.originPath);
        expect(result.ok).toBe(true);
        const url = result.ok ? result.url : new URL('about:blank');
        expect(url.host).toBe(new URL(endpoint).host);
        expect(url.username + url.password + url.search + url.hash).toBe('');
        // Read back, the path is the endpoint path plus exactly the key's segments.
        const segments = url.pathname.split('/').slice(new URL(endpoint).pathname.replace(/\/+$/, '').split('/').length);
        expect(segments.map(decodeURIComponent).join('/')).toBe(key.path);
      }
      expect(built(rawPath, 'http://127.0.0.1:9000')).toBe(`http://127.0.0.1:9000${target}`);
    },
  );

  test('a segment can never turn into URL syntax', () => {
    for (const char of ['/', '\\', '?', '#', '%', '@', ':', ' ', '\u0000', ';', '=', '&', '+']) {
      const encoded = encodePathSegment(`a${char}b`);
      expect(encoded).toMatch(/^[A-Za-z0-9_.!~*'()-]*(%[0-9A-F]{2}[A-Za-z0-9_.!~*'()-]*)*$/);
      expect(encoded).not.toBe(`a${char}b`);
      expect(decodeURIComponent(encoded)).toBe(`a${char}b`);
    }
    expect(built('/\\\\evil.example\\x', 'http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000/%5C%5Cevil.example%5Cx');
    expect(built('///127.0.0.1:1/x', 'http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000///127.0.0.1%3A1/x');
  });

  test('refuses a path the URL parser would change (dot segments)', () => {
    expect(originUrl(ENDPOINT, 'a/../b')).toMatchObject({ ok: false });
    expect(originUrl(ENDPOINT, '.')).toMatchObject({ ok: false });
  });

  test('adds an already-encoded query only when given', () => {
    expect(built('/x', ENDPOINT, 'w=150&fmt=webp')).toBe('https://old.example.com:8443/assets/x?w=150&fmt=webp');
    expect(originUrl(ENDPOINT, 'x', 'a#b')).toMatchObject({ ok: false });
  });
});

describe('isSameOrigin', () => {
  const endpoint = new URL('https://old.example.com/assets');
  test.each([
    ['https://old.example.com/other', true],
    ['https://old.example.com:443/x', true],
    ['http://old.example.com/x', false],
    ['https://old.example.com:8443/x', false],
    ['https://evil.example/x', false],
    ['https://old.example.com.evil.example/x', false],
  ])('%s → %s', (url, same) => {
    expect(isSameOrigin(new URL(url), endpoint)).toBe(same);
  });
});
