/**
 * The transform that credits what tests run of the handler's bundle to src/: it passes the code on unchanged,
 * maps it to src/ files only, and refuses a bundle that src/ does not build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

// CommonJS, as Jest loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const transform = require('./support/bundle-coverage-transform');

const ROOT = path.join(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'handler', 'mirror.lambda', 'index.js');

test('the bundle is passed on byte for byte, with a map to the src/ files it was built from and no others', () => {
  const code = fs.readFileSync(BUNDLE, 'utf8');
  const { code: out, map } = transform.process(code, BUNDLE);
  expect(out).toBe(code);
  expect(map.sources).toContain(path.join(ROOT, 'src', 'handler', 'mirror.lambda.ts'));
  expect(map.sources).toContain(path.join(ROOT, 'src', 'handler', 'mirror.ts'));
  expect(map.sources.every((source: string) => source.startsWith(path.join(ROOT, 'src') + path.sep))).toBe(true);
  expect(map.sourcesContent).toHaveLength(map.sources.length);
  expect(map.mappings.length).toBeGreaterThan(1000);
});

test('a bundle that src/ does not build is refused, not credited to the wrong lines', () => {
  const code = fs.readFileSync(BUNDLE, 'utf8').replace('"use strict";', '"use strict";/* changed */');
  expect(() => transform.process(code, BUNDLE)).toThrow(/assets\/handler\/mirror\.lambda\/index\.js is not what src\/ builds today: run "npx projen bundle"/);
  expect(() => transform.process('', path.join(ROOT, 'assets', 'other', 'index.js'))).toThrow(/no bundle task in \.projen\/tasks\.json writes assets\/other\/index\.js/);
});

test('code of a dropped source stays in the map, unmapped, so the source before it is not credited with it', () => {
  // Line 1: a.ts 1:1 from column 0, x.js from column 2. Line 2: a.ts 2:1.
  const map = { version: 3, sources: ['src/a.ts', 'node_modules/x.js'], sourcesContent: ['a', 'x'], names: [], mappings: 'AAAA,ECAA;ADCA' };
  const kept = transform.keepSources(map, '/repo', (file: string) => file.startsWith('/repo/src/'));
  expect(kept).toEqual({ version: 3, sources: ['/repo/src/a.ts'], sourcesContent: ['a'], names: [], mappings: 'AAAA,E;AACA' });
});
