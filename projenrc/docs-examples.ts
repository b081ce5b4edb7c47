/**
 * Compiles every TypeScript block of docs/*.md under jsii-rosetta in strict mode, as `jsii-rosetta extract --strict
 * .jsii` does for README.md (docs/ is not part of the jsii assembly, so rosetta would never see these blocks).
 *
 *   npx ts-node --transpile-only projenrc/docs-examples.ts [page.md ...]
 *
 * Run `jsii` first (it writes .jsii and lib/). Each page becomes the README of a submodule of a copy of the assembly,
 * in a temporary folder that links this package's package.json, lib/, rosetta/ fixtures and node_modules, so a block
 * compiles exactly as a README block does (same fixtures, same `nofixture` and `fixture=` rules). Exits 1 when a block
 * does not compile, naming the page.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeBlocks } from './readme-translations';

const ROOT = path.join(__dirname, '..');
const DOCS = path.join(ROOT, 'docs');

/** The pages to check: the arguments, or every markdown page of docs/. */
export function pages(argv: readonly string[]): string[] {
  if (argv.length > 0) return argv.map((page) => path.resolve(page));
  return fs.readdirSync(DOCS).filter((name) => name.endsWith('.md')).sort().map((name) => path.join(DOCS, name));
}

/** How many TypeScript blocks `markdown` holds (rosetta compiles `ts` and `typescript` fences). */
export function typeScriptBlocks(markdown: string): number {
  return codeBlocks(markdown).filter((block) => block.language === 'ts' || block.language === 'typescript').length;
}

/** The submodule name rosetta reports for a page (`<assembly>.docs_<page>`, an FQN rosetta accepts). */
export function submoduleOf(assembly: string, page: string): string {
  return `${assembly}.docs_${path.basename(page, '.md').replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function main(argv: readonly string[]): number {
  const assemblyFile = path.join(ROOT, '.jsii');
  if (!fs.existsSync(assemblyFile)) {
    console.error('docs/: no .jsii here: run `npx projen compile` (jsii) first');
    return 1;
  }
  const assembly = JSON.parse(fs.readFileSync(assemblyFile, 'utf8'));
  const checked = pages(argv).map((page) => ({ page, markdown: fs.readFileSync(page, 'utf8') }))
    .filter(({ markdown }) => typeScriptBlocks(markdown) > 0);
  const blocks = checked.reduce((sum, { markdown }) => sum + typeScriptBlocks(markdown), 0);
  if (checked.length === 0) {
    console.log('docs/: no TypeScript block to compile');
    return 0;
  }

  // The README's own snippets stay out: `jsii-rosetta extract --strict .jsii` compiles them already.
  const docsOnly = {
    ...assembly,
    readme: undefined,
    types: {},
    submodules: Object.fromEntries(checked.map(({ page, markdown }) => [submoduleOf(assembly.name, page), { readme: { markdown } }])),
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-examples-'));
  try {
    fs.writeFileSync(path.join(work, '.jsii'), JSON.stringify(docsOnly));
    for (const name of ['package.json', 'lib', 'rosetta', 'node_modules']) {
      fs.symlinkSync(path.join(ROOT, name), path.join(work, name));
    }
    const rosetta = spawnSync('npx', ['jsii-rosetta', 'extract', '--strict', work], { cwd: ROOT, stdio: 'inherit' });
    if (rosetta.status !== 0) {
      console.error(`docs/: a TypeScript block does not compile (above; "${assembly.name}.docs_<page>" names the page)`);
      return 1;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`docs/: ${blocks} TypeScript block(s) in ${checked.map(({ page }) => path.relative(ROOT, page)).join(', ')} compile (jsii-rosetta, strict)`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
