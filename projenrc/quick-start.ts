/**
 * Takes the README's quick start out of README.md for CI's fresh-app check, so the check runs the README as written:
 * the quick start is the README's first TypeScript block (the one whose translations readme-translations.ts checks),
 * and the file it replaces is the `bin/<name>.ts` that the text right before the block names.
 *
 *   npx ts-node --transpile-only projenrc/quick-start.ts --path          prints that file (bin/<name>.ts)
 *   npx ts-node --transpile-only projenrc/quick-start.ts --write APP_DIR  replaces APP_DIR/bin/<name>.ts with the block
 *
 * Exits 1 when the README has no TypeScript block, the text before it names no `bin/<name>.ts`, or (with --write)
 * that file does not exist in APP_DIR, which means `cdk init` no longer writes what the README says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeBlocks, usageBlocks } from './readme-translations';

const README_FILE = path.join(__dirname, '..', 'README.md');

/** The quick start's code and the app file it replaces, relative to the app's folder. */
export interface QuickStart {
  readonly source: string;
  readonly file: string;
}

/** The quick start of `markdown`: its first TypeScript block and the `bin/<name>.ts` named between it and the block before. */
export function quickStart(markdown: string): QuickStart {
  const blocks = codeBlocks(markdown);
  const { usage } = usageBlocks(blocks);
  const previous = blocks.filter((block) => block.end < usage.start).pop();
  const prose = markdown.split('\n').slice(previous ? previous.end + 1 : 0, usage.start).join('\n');
  const files = [...prose.matchAll(/`(bin\/[A-Za-z0-9_.-]+\.ts)`/g)].map((match) => match[1]);
  if (files.length === 0) {
    throw new Error(`the text before the quick start (line ${usage.start + 1}) names no \`bin/<name>.ts\` for it to replace`);
  }
  return { source: usage.source.endsWith('\n') ? usage.source : `${usage.source}\n`, file: files[files.length - 1] };
}

function main(argv: readonly string[]): number {
  const start = quickStart(fs.readFileSync(README_FILE, 'utf8'));
  if (argv[0] === '--path') {
    console.log(start.file);
    return 0;
  }
  if (argv[0] === '--write' && argv[1]) {
    const target = path.join(argv[1], start.file);
    if (!fs.existsSync(target)) {
      console.error(`README.md: the quick start replaces ${start.file}, which the app in ${argv[1]} does not have`);
      return 1;
    }
    fs.writeFileSync(target, start.source);
    console.log(`README.md's quick start written to ${target}`);
    return 0;
  }
  console.error('usage: quick-start.ts --path | --write APP_DIR');
  return 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`README.md: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
