/**
 * Raw request paths (as they reach the function, never normalised by a
 * client), shared by the key unit tests and the integration tests.
 */

/** Paths that name no storable key: [label, rawPath, status]. */
export const REJECTED_PATHS: ReadonlyArray<readonly [string, string, 400 | 414]> = [
  ['/../etc/passwd', '/../etc/passwd', 400],
  ['/%2e%2e/%2e%2e/etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', 400],
  ['/a/%2e%2e/%2e%2e/b', '/a/%2e%2e/%2e%2e/b', 400],
  ['/a/%2E%2E', '/a/%2E%2E', 400],
  ['/a/./b', '/a/./b', 400],
  ['/a/%2e/b', '/a/%2e/b', 400],
  ['/..', '/..', 400],
  ['/.', '/.', 400],
  ['/a/..%2fb', '/a/..%2fb', 400],
  ['/a%00b', '/a%00b', 400],
  ['raw NUL', '/a\u0000b', 400],
  ['/a%0d%0aSet-Cookie:x', '/a%0d%0aSet-Cookie:x', 400],
  ['/a%09b (tab)', '/a%09b', 400],
  ['/a%7fb (DEL)', '/a%7fb', 400],
  ['/a%C2%85b (C1 control)', '/a%C2%85b', 400],
  ['/%zz', '/%zz', 400],
  ['/% (bare)', '/%', 400],
  ['/a%2 (short escape)', '/a%2', 400],
  ['/%ff (not UTF-8)', '/%ff', 400],
  ['/%c3 (cut UTF-8)', '/%c3', 400],
  ['/%c0%ae%c0%ae/x (overlong dots)', '/%c0%ae%c0%ae/x', 400],
  ['/%ed%a0%80 (UTF-8 surrogate)', '/%ed%a0%80', 400],
  ['lone UTF-16 surrogate', '/\ud800x', 400],
  ['/ (no object)', '/', 400],
  ['2,000-character path', '/' + 'a'.repeat(1999), 414],
  ['1,100 × é', '/' + 'é'.repeat(1100), 414],
  ['1,100 × %C3%A9', '/' + '%C3%A9'.repeat(1100), 414],
];

/**
 * Legal keys that look like URLs: [rawPath, key, path requested from an
 * endpoint without a base path]. `FOREIGN` stands for the host:port of a
 * server that must never see a request (`FOREIGN_ENCODED`: with `:` as `%3A`).
 */
export const URL_LOOKING_PATHS: ReadonlyArray<readonly [string, string, string]> = [
  ['//FOREIGN/x', '/FOREIGN/x', '//FOREIGN_ENCODED/x'],
  ['/@FOREIGN/x', '@FOREIGN/x', '/%40FOREIGN_ENCODED/x'],
  ['/%5c%5cFOREIGN/x', '\\\\FOREIGN/x', '/%5C%5CFOREIGN_ENCODED/x'],
  ['/%2f%2fFOREIGN/x', '//FOREIGN/x', '///FOREIGN_ENCODED/x'],
  ['/\\\\FOREIGN\\x', '\\\\FOREIGN\\x', '/%5C%5CFOREIGN_ENCODED%5Cx'],
  ['/http://FOREIGN/x', 'http://FOREIGN/x', '/http%3A//FOREIGN_ENCODED/x'],
  ['/http%3A%2F%2FFOREIGN%2Fx', 'http://FOREIGN/x', '/http%3A//FOREIGN_ENCODED/x'],
  ['/@scope/pkg', '@scope/pkg', '/%40scope/pkg'],
];

/** `URL_LOOKING_PATHS` for a foreign server at `hostPort`. */
export function urlLookingPaths(hostPort: string): Array<[string, string, string]> {
  const fill = (text: string) => text.replace(/FOREIGN_ENCODED/g, hostPort.replace(/:/g, '%3A')).replace(/FOREIGN/g, hostPort);
  return URL_LOOKING_PATHS.map(([raw, key, target]) => [fill(raw), fill(key), fill(target)]);
}
