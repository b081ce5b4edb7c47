/**
 * The Node.js version the README states as the minimum is one every installed package accepts: `npm ci` on it prints
 * no EBADENGINE warning, and the figure in README.md and docs/develop.md is the one package.json declares.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const PACKAGE = JSON.parse(read('package.json')) as { engines: { node: string } };
const LOCK = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; engines?: unknown }> };
const MINIMUM = semver.minVersion(PACKAGE.engines.node)!.version;

test('package.json, package-lock.json, README.md and docs/develop.md state the same minimum', () => {
  const [major, minor] = MINIMUM.split('.');
  const figure = `${major}.${minor}`;
  expect(MINIMUM).toBe(`${figure}.0`);
  expect(LOCK.packages[''].engines).toEqual(PACKAGE.engines);
  const stated = (text: string) => [...text.matchAll(/Node\.js(?:\*\*)? (\d+\.\d+) or newer/g)].map((match) => match[1]);
  expect(stated(read('README.md'))).toEqual([figure, figure]);
  expect(stated(read('docs/develop.md'))).toEqual([figure]);
  // The README and develop.md also name it as the oldest version CI runs (the workflows' Node.js).
  expect(read('README.md')).toContain(`${MINIMUM} is the oldest version CI runs`);
  expect(read('docs/develop.md')).toContain(`${MINIMUM} is the oldest version CI runs`);
});

test('every package in package-lock.json that names the Node.js versions it supports accepts the stated minimum', () => {
  const refused = Object.entries(LOCK.packages)
    .filter(([, entry]) => typeof entry.engines === 'object' && entry.engines !== null && 'node' in entry.engines)
    .map(([where, entry]) => ({ where, version: entry.version, node: (entry.engines as { node: string }).node }))
    .filter(({ node }) => !semver.satisfies(MINIMUM, node));
  // Each one is an EBADENGINE warning on `npm ci` with the minimum: raise minNodeVersion in .projenrc.ts, or pin older.
  expect(refused).toEqual([]);
});
