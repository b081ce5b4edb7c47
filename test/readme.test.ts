/**
 * The README stays short and true: its size limit (the detail lives in docs/), the benchmark figures it quotes
 * (the ones `npx projen bench` recorded in bench/results.md), the CDK CLI version it names, and what a run of the
 * integration tests costs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import { scenarioCost } from './integ/cost';
import { SCENARIOS } from './integ/scenarios';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const RESULTS = fs.readFileSync(path.join(ROOT, 'bench', 'results.md'), 'utf8');

/** A cell of the results' main table: the row of `size` and `design`, the column at `index` (0 = object). */
function resultCell(size: string, design: string, index: number): string {
  const row = RESULTS.split('\n').find((line) => line.startsWith(`| ${size} | ${design} |`));
  if (row === undefined) throw new Error(`bench/results.md has no row "${size} | ${design}"`);
  return row.split('|').map((cell) => cell.trim())[index + 1];
}

test('README.md is at most 25 KB: each subject\'s detail lives in its docs/ page', () => {
  expect(Buffer.byteLength(README)).toBeLessThanOrEqual(25 * 1024);
});

test('the CDK CLI version the README and docs/ name (2.1xxx, what `cdk init` writes) is the one package.json pins', () => {
  const pinned = semver.minVersion(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies['aws-cdk'])!;
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((file) => file.endsWith('.md'))
    .map((file) => fs.readFileSync(path.join(ROOT, 'docs', file), 'utf8'));
  const named = [README, ...docs].flatMap((text) => [...text.matchAll(/\b2\.1\d{3}\b/g)].map((match) => match[0]));
  expect(named.length).toBeGreaterThan(0);
  expect([...new Set(named)]).toEqual([`${pinned.major}.${pinned.minor}`]);
});

test('the figures the README quotes are the recorded benchmark\'s', () => {
  const sentence = README.replace(/\s+/g, ' ').match(
    /a 1 MiB miss reached the viewer's first byte in ([\d.]+ m?s) \(([\d.]+ m?s) with the original design\), and a 512 MiB object peaked at ([\d.]+ MiB) of memory \(([\d.]+ MiB)\)/,
  );
  expect(sentence).not.toBeNull();
  const [, firstByte, originalFirstByte, peak, originalPeak] = sentence!;
  expect({ firstByte, originalFirstByte, peak, originalPeak }).toEqual({
    firstByte: resultCell('1 MiB', 'this handler', 2),
    originalFirstByte: resultCell('1 MiB', 'original design', 2),
    peak: resultCell('512 MiB', 'this handler', 5),
    originalPeak: resultCell('512 MiB', 'original design', 5),
  });
});

test('the cost of a run of the integration tests the README quotes is the estimate the runner prints, in whole cents', () => {
  const cents = Math.round(SCENARIOS.reduce((sum, scenario) => sum + scenarioCost(scenario).dollars, 0) * 100);
  expect(README.replace(/\s+/g, ' ')).toContain(`costs about ${cents} US cent${cents === 1 ? '' : 's'} and takes`);
});
