/**
 * docs/benchmark.md explains the recorded run: its tables must be that run's, as `npx projen bench` wrote them to
 * bench/results.md (a table is matched by its header row).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** The markdown tables of `text`, each as its lines. */
function tables(text: string): string[][] {
  const lines = text.split('\n');
  const found: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || !/^\|[-:| ]+\|$/.test(lines[i + 1] ?? '')) continue;
    let end = i;
    while (end < lines.length && lines[end].startsWith('|')) end++;
    found.push(lines.slice(i, end));
    i = end;
  }
  return found;
}

test('every table of docs/benchmark.md is the recorded run\'s table with the same header', () => {
  // The run's own tables, without the per-run details.
  const recorded = new Map(tables(fs.readFileSync(path.join(ROOT, 'bench', 'results.md'), 'utf8').split('<details>')[0]).map((t) => [t[0], t]));
  const documented = tables(fs.readFileSync(path.join(ROOT, 'docs', 'benchmark.md'), 'utf8'));
  const matched = documented.filter((t) => recorded.has(t[0]));
  // The main table, the ratios, the targets, the cold start, the herd and the connection reuse.
  expect(matched.length).toBeGreaterThanOrEqual(6);
  for (const table of matched) expect(table).toEqual(recorded.get(table[0]));
});
