/** bench/results.md is written by several benchmarks: each replaces its own section and keeps the others'. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sectionBlock, withKeptSections, writeSection } from '../../bench/results-sections';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sections-'));
  file = path.join(dir, 'results.md');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a whole rewrite keeps the sections it does not write, and replaces the one it does', () => {
  fs.writeFileSync(file, `# Old\n\nold table\n\n${sectionBlock('jobs', 'jobs table')}\n${sectionBlock('metrics-cost', 'old metrics')}`);
  const text = withKeptSections(file, `# New\n\nnew table\n\n${sectionBlock('metrics-cost', 'new metrics')}`);
  expect(text).not.toContain('old table');
  expect(text).not.toContain('old metrics');
  expect(text).toContain('new metrics');
  expect(text).toContain(sectionBlock('jobs', 'jobs table'));
  expect(text.match(/<!-- section:metrics-cost -->/g)).toHaveLength(1);
});

test('writeSection replaces a section in place, or appends it, leaving the rest byte for byte', () => {
  const before = `# Results\n\nmain table\n\n${sectionBlock('jobs', 'first')}\ntail\n`;
  fs.writeFileSync(file, before);
  writeSection(file, 'jobs', 'second');
  expect(fs.readFileSync(file, 'utf8')).toBe(before.replace('first', 'second'));
  writeSection(file, 'metrics-cost', 'metrics');
  const after = fs.readFileSync(file, 'utf8');
  expect(after.startsWith(before.replace('first', 'second').trimEnd())).toBe(true);
  expect(after.endsWith(sectionBlock('metrics-cost', 'metrics'))).toBe(true);
});
