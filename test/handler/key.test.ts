import { REJECTED_PATHS, urlLookingPaths } from './hostile-paths';
import { keyFromRawPath, MAX_KEY_BYTES } from '../../src/handler/key';

describe('keyFromRawPath', () => {
  test.each([
    ['/photo/2018/ocean.jpg', 'photo/2018/ocean.jpg'],
    ['/a%20b%2Bc.txt', 'a b+c.txt'],
    ['/%E2%82%AC/%c3%a9t%C3%A9', '€/été'],
    ['/caf\u00e9.txt', 'café.txt'],
    ['/a%2Fb', 'a/b'],
    ['/a%25b', 'a%b'],
    ['/a%3Fb%23c', 'a?b#c'],
    ['/dir/', 'dir/'],
    ['/a//b', 'a//b'],
    ['/%EF%BB%BFbom', '\uFEFFbom'],
    ['/.well-known/x', '.well-known/x'],
    ['/a/...', 'a/...'],
    ['/%2e%2e%2e', '...'],
  ])('%s is the key S3 looks up: %s', (rawPath, key) => {
    expect(keyFromRawPath(rawPath, '')).toMatchObject({ ok: true, key, path: key });
  });

  test('a raw "+" is a space in the key (as S3 reads it) but stays "+" for the origin', () => {
    expect(keyFromRawPath('/crates/x-0.12+1.3.crate', '')).toEqual({
      ok: true, key: 'crates/x-0.12 1.3.crate', path: 'crates/x-0.12+1.3.crate', originPath: 'crates/x-0.12+1.3.crate',
    });
    expect(keyFromRawPath('/crates/x-0.12%2B1.3.crate', '')).toEqual({
      ok: true, key: 'crates/x-0.12+1.3.crate', path: 'crates/x-0.12+1.3.crate', originPath: 'crates/x-0.12%2B1.3.crate',
    });
    expect(keyFromRawPath('/a+b%20c', 'mirror/')).toMatchObject({ ok: true, key: 'mirror/a b c', originPath: 'a+b%20c' });
    // A raw "+" cannot split a percent-encoded character.
    expect(keyFromRawPath('/caf%C3+%A9', '')).toMatchObject({ ok: false, status: 400 });
  });

  test('the origin path re-encodes each decoded segment', () => {
    expect(keyFromRawPath('/%e2%82%ac/a%2Fb/caf\u00e9 x', '')).toMatchObject({ ok: true, key: '€/a/b/café x', originPath: '%E2%82%AC/a/b/caf%C3%A9%20x' });
  });

  test.each(urlLookingPaths('evil.example:8080').map(([raw, key]) => [raw, key]))(
    'URL-looking %s is the key %s',
    (rawPath, key) => {
      expect(keyFromRawPath(rawPath, '')).toMatchObject({ ok: true, key, path: key });
    },
  );

  test('keyPrefix prefixes the key, not the path fetched', () => {
    expect(keyFromRawPath('/a/b.txt', 'mirror/')).toEqual({ ok: true, key: 'mirror/a/b.txt', path: 'a/b.txt', originPath: 'a/b.txt' });
  });

  test.each(REJECTED_PATHS)('%s is rejected', (_label, rawPath, status) => {
    const result = keyFromRawPath(rawPath, '');
    expect(result).toMatchObject({ ok: false, status });
  });

  test.each([['', 400], ['relative', 400], ['/%g0', 400]] as const)('%j is rejected with %i', (rawPath, status) => {
    expect(keyFromRawPath(rawPath, '')).toMatchObject({ ok: false, status });
  });

  test('the 1,024-byte limit counts the prefix and UTF-8 bytes', () => {
    expect(keyFromRawPath('/' + 'a'.repeat(MAX_KEY_BYTES), '')).toMatchObject({ ok: true });
    expect(keyFromRawPath('/' + 'a'.repeat(MAX_KEY_BYTES - 7), 'mirror/')).toMatchObject({ ok: true });
    expect(keyFromRawPath('/' + 'a'.repeat(MAX_KEY_BYTES - 6), 'mirror/')).toMatchObject({ ok: false, status: 414 });
    expect(keyFromRawPath('/' + 'é'.repeat(512), '')).toMatchObject({ ok: true });
    expect(keyFromRawPath('/' + 'é'.repeat(512) + 'a', '')).toMatchObject({ ok: false, status: 414 });
  });
});
