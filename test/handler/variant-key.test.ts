import { REJECTED_PATHS, urlLookingPaths } from './hostile-paths';
import { keyFromRawPath } from '../../src/handler/key';
import { originUrl } from '../../src/handler/origin-url';
import { requestKeyFromRawPath } from '../../src/handler/variant-key';
import { canonicalQuery, variantUri } from '../../src/variant/rules';

const OSS = ['x-oss-process'];
const OSS_URI = '/photo.jpg%3Fx-oss-process%3Dimage%2Fresize%2Cw_150%2Fcircle%2Cr_100';

const HOSTILE = [...urlLookingPaths('127.0.0.1:9').map(([rawPath]) => rawPath), ...REJECTED_PATHS.map(([, rawPath]) => rawPath)];

describe('without listed parameters nothing changes', () => {
  test.each([OSS_URI, '/photo.jpg', '/a%3fb', '/%3F', '/dir/', ...HOSTILE])('%s: exactly keyFromRawPath', (rawPath) => {
    const plain = keyFromRawPath(rawPath, 'mirror/');
    expect(requestKeyFromRawPath(rawPath, 'mirror/', [])).toEqual(plain.ok ? { ...plain, query: '', viewerPath: rawPath } : plain);
  });
});

test('with listed parameters, a path without the separator gets exactly keyFromRawPath\'s key or refusal', () => {
  for (const rawPath of HOSTILE) {
    const plain = keyFromRawPath(rawPath, '');
    expect(requestKeyFromRawPath(rawPath, '', OSS)).toEqual(plain.ok ? { ...plain, query: '', viewerPath: rawPath } : plain);
  }
});

describe('with listed parameters', () => {
  test('a plain path is the plain object', () => {
    expect(requestKeyFromRawPath('/img/photo%201.jpg', '', OSS)).toEqual({ ok: true, key: 'img/photo 1.jpg', path: 'img/photo 1.jpg', originPath: 'img/photo%201.jpg', query: '', viewerPath: '/img/photo%201.jpg' });
  });

  test('the function\'s URI is the variant: its key is what S3 decodes, its query what the origin gets', () => {
    const expected = {
      ok: true,
      key: 'mirror/photo.jpg?x-oss-process=image/resize,w_150/circle,r_100',
      path: 'photo.jpg',
      originPath: 'photo.jpg',
      query: 'x-oss-process=image/resize,w_150/circle,r_100',
      viewerPath: '/photo.jpg',
    };
    expect(requestKeyFromRawPath(OSS_URI, 'mirror/', OSS)).toEqual(expected);
    // S3 decodes either hex case to the same key.
    expect(requestKeyFromRawPath(OSS_URI.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()), 'mirror/', OSS)).toEqual(expected);
    expect(`mirror/${decodeURIComponent(OSS_URI.slice(1))}`).toBe(expected.key);
  });

  test('"." and ".." segments are refused in the variant as in the path; dots that are not whole segments are kept', () => {
    for (const value of ['a/../b', 'a/./b', 'a/..', '/.', '%2E%2E/x/%2e%2E']) {
      expect(canonicalQuery([{ name: 'p', value }], ['p'])).toEqual({ ok: false, reason: 'the variant would put a "." or ".." segment in the key' });
    }
    // What the function would refuse, S3 hands the handler all the same if it is asked directly: 400 as well.
    expect(requestKeyFromRawPath(`/a.jpg${encodeURIComponent('?p=a/../b')}`, '', ['p'])).toEqual({
      ok: false, status: 400, reason: 'the variant would put a "." or ".." segment in the key',
    });
    const result = requestKeyFromRawPath(variantUri('/a.jpg', 'p=..a/b../.c/x'), '', ['p']);
    expect(result).toEqual({ ok: true, key: 'a.jpg?p=..a/b../.c/x', path: 'a.jpg', originPath: 'a.jpg', query: 'p=..a/b../.c/x', viewerPath: '/a.jpg' });
    const url = originUrl('https://example.com/base', 'a.jpg', 'p=..a/b../.c/x');
    expect(url.ok && url.url.href).toBe('https://example.com/base/a.jpg?p=..a/b../.c/x');
  });

  test.each<[string, string, number, string]>([
    ['an unlisted parameter', '/photo.jpg%3Fw%3D1', 400, 'the variant query names a parameter that is not listed'],
    ['a name in another case', '/photo.jpg%3FX-OSS-PROCESS%3Da', 400, 'the variant query names a parameter that is not listed'],
    ['an escape the function would not write', '/photo.jpg%3Fx-oss-process%3Dimage%252Fresize', 400, 'the variant query is not canonical'],
    ['"+" for a space', '/photo.jpg%3Fx-oss-process%3Da%2Bb', 400, 'the variant query is not canonical'],
    ['a second separator', '/photo.jpg%3Fx-oss-process%3Da%3Fb', 400, 'the variant query is not canonical'],
    ['an empty variant', '/photo.jpg%3F', 400, 'the variant query is not canonical'],
    ['a parameter given twice', '/p.jpg%3Fx-oss-process%3Da%26x-oss-process%3Da', 400, 'the query parameter "x-oss-process" must be given at most once'],
    ['bad percent-encoding after the separator', '/photo.jpg%3Fx-oss-process%3D%E2', 400, 'invalid percent-encoding in the variant'],
    ['a malformed escape after the separator', '/photo.jpg%3Fx-oss-process%3D%Z', 400, 'invalid percent-encoding in the variant'],
    ['no object before the separator', '/%3Fx-oss-process%3Da', 400, 'the path names no object'],
    ['a ".." segment before the separator', '/a/..%3Fx-oss-process%3Da', 400, 'the path contains "." or ".." segments'],
    ['a key over 1,024 bytes', `/photo.jpg%3Fx-oss-process%3D${'a'.repeat(1_100)}`, 414, 'the key is 1124 bytes, more than 1024'],
  ])('refused: %s', (_, rawPath, status, reason) => {
    expect(requestKeyFromRawPath(rawPath, '', OSS)).toEqual({ ok: false, status, reason });
  });

  test('every URI the function writes gives back the object and the query it folded in (random values)', () => {
    let seed = 3;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['a', '/', ',', '=', '&', '+', ' ', '%', '?', '#', "'", '.', '..', 'é', '家', '\n'];
    for (let round = 0; round < 300; round++) {
      const value = Array.from({ length: random(10) }, () => alphabet[random(alphabet.length)]).join('');
      const canonical = canonicalQuery([{ name: 'x-oss-process', value: encodeURIComponent(value) }], OSS);
      if (!canonical.ok) {
        // The one refusal such a value can meet: a "." or ".." segment.
        expect(value.split('/').slice(1)).toEqual(expect.arrayContaining([expect.stringMatching(/^\.\.?$/)]));
        continue;
      }
      const result = requestKeyFromRawPath(variantUri('/dir/caf%C3%A9.jpg', canonical.query), 'm/', OSS);
      expect(result).toEqual({ ok: true, key: `m/dir/café.jpg?${canonical.query}`, path: 'dir/café.jpg', originPath: 'dir/caf%C3%A9.jpg', query: canonical.query, viewerPath: '/dir/caf%C3%A9.jpg' });
      const url = originUrl('https://example.com', 'dir/caf%C3%A9.jpg', canonical.query);
      expect(url.ok).toBe(true);
    }
  });
});
