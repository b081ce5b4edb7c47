/**
 * bench/results.md holds more than one benchmark's table: each writer replaces only its own section (between
 * `<!-- section:NAME -->` and `<!-- /section:NAME -->`), and `npx projen bench`, which writes the file whole, keeps
 * the others.
 */
import * as fs from 'node:fs';

const SECTION = /<!-- section:([\w-]+) -->[\s\S]*?<!-- \/section:\1 -->\n?/g;

/** `text` followed by every section of `file` that `text` does not hold itself. */
export function withKeptSections(file: string, text: string): string {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const kept = [...existing.matchAll(SECTION)].filter(([, name]) => !text.includes(`<!-- section:${name} -->`)).map(([whole]) => whole);
  return kept.length === 0 ? text : `${text.replace(/\n*$/, '\n\n')}${kept.join('\n')}`;
}

/** `markdown` between the markers of section `name`. */
export function sectionBlock(name: string, markdown: string): string {
  return `<!-- section:${name} -->\n${markdown.trim()}\n<!-- /section:${name} -->\n`;
}

/** Writes section `name` of `file` (replacing it, or appending it). */
export function writeSection(file: string, name: string, markdown: string): void {
  const block = sectionBlock(name, markdown);
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const pattern = new RegExp(`<!-- section:${name} -->[\\s\\S]*?<!-- /section:${name} -->\\n?`);
  fs.writeFileSync(file, pattern.test(existing) ? existing.replace(pattern, block) : `${existing.replace(/\n*$/, '\n\n')}${block}`);
}
