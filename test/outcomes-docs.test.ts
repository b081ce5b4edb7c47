/** One vocabulary of outcomes: the table in docs/how-it-works.md names exactly the handler's (src/handler/result.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OUTCOMES } from '../src/metrics/names';

test('docs/how-it-works.md\'s outcome table lists every outcome once, and no other', () => {
  const page = fs.readFileSync(path.join(__dirname, '..', 'docs', 'how-it-works.md'), 'utf8');
  const section = page.slice(page.indexOf('## Outcomes'));
  expect(section.startsWith('## Outcomes')).toBe(true);
  const documented = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
  expect(documented).toEqual([...OUTCOMES]);
});
