import { selfRedirectLocation } from '../../src/handler/respond';

describe('selfRedirectLocation', () => {
  test('is the raw path and query the function saw', () => {
    expect(selfRedirectLocation('/big%20file.bin', '/big%20file.bin', 'v=1&x=%2F')).toBe('/big%20file.bin?v=1&x=%2F');
    expect(selfRedirectLocation('/a.bin', '/a.bin', '')).toBe('/a.bin');
    expect(selfRedirectLocation('/a.bin', '/a.bin', undefined)).toBe('/a.bin');
  });

  test('never reads as another host', () => {
    expect(selfRedirectLocation('//evil.example/x', '//evil.example/x', '')).toBe('/.//evil.example/x');
    expect(new URL(selfRedirectLocation('//evil.example/x', '//evil.example/x', ''), 'https://cdn.example/').href).toBe('https://cdn.example//evil.example/x');
    // A raw backslash would be read as "/" by browsers: the re-encoded path is used instead.
    const location = selfRedirectLocation('/\\\\evil.example\\x', '/%5C%5Cevil.example%5Cx', '');
    expect(location).toBe('/%5C%5Cevil.example%5Cx');
    expect(new URL(location, 'https://cdn.example/').host).toBe('cdn.example');
  });

  test('falls back to the re-encoded path for raw non-ASCII and drops an unsafe query', () => {
    expect(selfRedirectLocation('/café', '/caf%C3%A9', 'a b')).toBe('/caf%C3%A9');
  });
});
