/**
 * The transform that credits what tests run of a function's bundle to src/: it passes the code on unchanged,
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

/** Every function bundle in assets/ (`<path>.lambda/index.js`, built from src/<path>.lambda.ts). */
const FUNCTION_BUNDLES = fs.readdirSync(path.join(ROOT, 'assets'), { recursive: true, encoding: 'utf8' })
  .filter((file) => /\.lambda\/index\.js$/.test(file.split(path.sep).join('/')))
  .map((file) => path.join(ROOT, 'assets', file));

test('every function bundle is mapped back to src/ when a test runs it; nothing else in assets/ is reported', () => {
  const jest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).jest;
  const transformed = (file: string) => Object.entries<unknown>(jest.transform)
    .some(([pattern, to]) => String(to).includes('bundle-coverage-transform') && new RegExp(pattern).test(file));
  const ignored = (file: string) => jest.coveragePathIgnorePatterns.some((pattern: string) => new RegExp(pattern).test(file));
  expect(FUNCTION_BUNDLES.map((file) => path.relative(ROOT, file)).sort()).toEqual([
    'assets/handler/mirror.lambda/index.js', 'assets/jobs/runtime/item.lambda/index.js', 'assets/jobs/runtime/run.lambda/index.js',
    'assets/metrics/brake/brake.lambda/index.js',
  ]);
  for (const file of FUNCTION_BUNDLES) {
    expect({ file, transformed: transformed(file), ignored: ignored(file) }).toEqual({ file, transformed: true, ignored: false });
  }
  const viewerRequest = path.join(ROOT, 'assets', 'variant', 'viewer-request', 'index.js');
  expect({ transformed: transformed(viewerRequest), ignored: ignored(viewerRequest) }).toEqual({ transformed: false, ignored: true });
});

test.each(FUNCTION_BUNDLES.filter((file) => file !== BUNDLE).map((file) => [path.relative(ROOT, file), file]))(
  '%s is mapped to the src/ entry it was built from, and src/ files only', (_name, file) => {
    const code = fs.readFileSync(file, 'utf8');
    const { code: out, map } = transform.process(code, file);
    expect(out).toBe(code);
    const entry = path.join(ROOT, 'src', `${path.relative(path.join(ROOT, 'assets'), path.dirname(file))}.ts`);
    expect(map.sources).toContain(entry);
    expect(map.sources.every((source: string) => source.startsWith(path.join(ROOT, 'src') + path.sep))).toBe(true);
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
