/**
 * Checks that README.md's Python, Java, C# and Go usage blocks are jsii-rosetta's translations of the TypeScript
 * usage snippet (the README's first TypeScript block), exactly as the tablet written by `jsii-rosetta extract`
 * holds them (Go with the edits `completeGo` makes), so no hand-edited translation can drift from the TypeScript
 * that CI compiles.
 *
 *   npx ts-node --transpile-only projenrc/readme-translations.ts [--print | --write]
 *
 * Run `jsii` and `jsii-rosetta extract --strict .jsii` first (they write .jsii and the tablet, .jsii.tabl.json).
 * Exits 1 when a block differs (trailing whitespace aside), is missing, or the tablet has no translation of the
 * snippet. --print writes the translated blocks as markdown; --write puts them into README.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const README_FILE = path.join(ROOT, 'README.md');
const TABLET_FILE = path.join(ROOT, '.jsii.tabl.json');

/** The translated languages, in the README's order: the fence's language and the tablet's key. */
export const LANGUAGES = [
  { fence: 'python', tablet: 'python' },
  { fence: 'java', tablet: 'java' },
  { fence: 'csharp', tablet: 'csharp' },
  { fence: 'go', tablet: 'go' },
] as const;

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** The fence's language (its info string's first word). */
  readonly language: string;
  /** The code between the fences. */
  readonly source: string;
  /** Index of the opening fence's line. */
  readonly start: number;
  /** Index of the closing fence's line. */
  readonly end: number;
}

/** What this script reads of a rosetta tablet. */
export interface Tablet {
  readonly snippets: Readonly<Record<string, {
    /** Translations by language; "$" is the TypeScript source. */
    readonly translations: Readonly<Record<string, { readonly source: string }>>;
    readonly didCompile?: boolean;
  }>>;
}

/** The fenced code blocks of `markdown` (backtick fences at the start of a line). */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`README.md line ${i + 1}: a code block that is never closed`);
    blocks.push({ language: open[1], source: lines.slice(i + 1, end).join('\n'), start: i, end });
    i = end;
  }
  return blocks;
}

/** `source` without trailing whitespace on any line or blank lines around it (rosetta trims its output). */
export function normalise(source: string): string {
  return source.split('\n').map((line) => line.trimEnd()).join('\n').replace(/^\n+|\n+$/g, '');
}

/** The tablet's translations of `typescript`, by tablet language, or undefined when it has none. */
export function translationsOf(tablet: Tablet, typescript: string): Readonly<Record<string, { readonly source: string }>> | undefined {
  const wanted = normalise(typescript);
  const snippet = Object.values(tablet.snippets).find((s) => s.translations.$ !== undefined && normalise(s.translations.$.source) === wanted);
  if (snippet?.didCompile === false) throw new Error('the tablet says the usage snippet did not compile: run jsii-rosetta extract --strict');
  return snippet?.translations;
}

/** The usage snippet and the translated blocks that follow it (up to the next TypeScript block). */
export function usageBlocks(blocks: readonly CodeBlock[]): { usage: CodeBlock; translated: Map<string, CodeBlock> } {
  const isTypeScript = (block: CodeBlock): boolean => block.language === 'ts' || block.language === 'typescript';
  const index = blocks.findIndex(isTypeScript);
  if (index < 0) throw new Error('README.md has no TypeScript block');
  const next = blocks.findIndex((block, i) => i > index && isTypeScript(block));
  const translated = new Map<string, CodeBlock>();
  for (const block of blocks.slice(index + 1, next < 0 ? undefined : next)) {
    if (!LANGUAGES.some((language) => language.fence === block.language)) continue;
    if (translated.has(block.language)) throw new Error(`README.md line ${block.start + 1}: a second ${block.language} block after the usage snippet`);
    translated.set(block.language, block);
  }
  return { usage: blocks[index], translated };
}

/**
 * Rosetta's Go with the edits it needs to compile against aws-cdk-go v2: the module's `/v2`, the jsii runtime
 * import that `jsii.String` needs, `nil` for the options left out, the package on a props type (`pkg.NewX(…, &XProps{`
 * becomes `&pkg.XProps{`), and property reads of the snippet's variables as the getter calls jsii's Go has
 * (`mirror.Distribution.DistributionDomainName` becomes `mirror.Distribution().DistributionDomainName()`).
 */
export function completeGo(source: string): string {
  const lines = source.split('\n');
  const imports = lines.filter((line) => /^import "[^"]+"$/.test(line)).map((line) => line.slice('import '.length));
  const rest = lines.filter((line) => !/^import "[^"]+"$/.test(line));
  const packages = imports.map((name) => (name === '"github.com/aws/aws-cdk-go/awscdk"' ? '"github.com/aws/aws-cdk-go/awscdk/v2"' : name));
  if (rest.some((line) => line.includes('jsii.'))) packages.push('"github.com/aws/jsii-runtime-go"');
  const variables = rest.map((line) => /^\s*(\w+) :=/.exec(line)?.[1]).filter((name): name is string => name !== undefined);
  let body = rest.join('\n')
    .replace(/awscdk\.NewApp\(\)/g, 'awscdk.NewApp(nil)')
    .replace(/awscdk\.NewStack\((\w+), (jsii\.String\("[^"]*"\))\)/g, 'awscdk.NewStack($1, $2, nil)')
    .replace(/\.Synth\(\)/g, '.Synth(nil)')
    .replace(/\b(\w+)\.New(\w+)\(([^\n]*?)&\2Props\{/g, '$1.New$2($3&$1.$2Props{');
  if (variables.length > 0) {
    // A chain ending in a call keeps its last member as the method it is.
    body = body.replace(new RegExp(`\\b(${variables.join('|')})((?:\\.[A-Z]\\w*)+)(\\(?)`, 'g'), (_match, variable: string, chain: string, call: string) => {
      const members = chain.split('.').slice(1);
      const getters = call ? members.slice(0, -1) : members;
      return `${variable}${getters.map((member) => `.${member}()`).join('')}${call ? `.${members[members.length - 1]}(` : ''}`;
    });
  }
  const block = packages.length === 0 ? '' : `import (\n${[...new Set(packages)].sort().map((name) => `\t${name}`).join('\n')}\n)\n`;
  return normalise(block + body);
}

/** Where `actual` first differs from `expected`, with both lines. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split('\n');
  const got = actual.split('\n');
  const line = want.findIndex((text, i) => text !== got[i]);
  const at = line < 0 ? want.length : line;
  return `first difference at line ${at + 1} of the block:\n  rosetta: ${JSON.stringify(want[at] ?? '(end of block)')}\n  README:  ${JSON.stringify(got[at] ?? '(end of block)')}`;
}

function main(argv: readonly string[]): number {
  const mode = argv.includes('--write') ? 'write' : argv.includes('--print') ? 'print' : 'check';
  const readme = fs.readFileSync(README_FILE, 'utf8');
  const { usage, translated } = usageBlocks(codeBlocks(readme));
  if (!fs.existsSync(TABLET_FILE)) {
    console.error(`No ${path.basename(TABLET_FILE)}: run jsii, then jsii-rosetta extract --strict .jsii`);
    return 1;
  }
  const tablet = JSON.parse(fs.readFileSync(TABLET_FILE, 'utf8')) as Tablet;
  const translations = translationsOf(tablet, usage.source);
  if (!translations) {
    console.error(`The tablet has no translation of README.md's usage snippet (line ${usage.start + 1}): ` +
      'run jsii, then jsii-rosetta extract --strict .jsii (the tablet is older than the README)');
    return 1;
  }

  const expected = LANGUAGES.map(({ fence, tablet: key }) => {
    const source = translations[key]?.source;
    if (source === undefined) throw new Error(`the tablet has no ${key} translation of the usage snippet`);
    return { fence, source: fence === 'go' ? completeGo(source) : normalise(source) };
  });

  if (mode === 'print') {
    for (const { fence, source } of expected) console.log(`\`\`\`${fence}\n${source}\n\`\`\`\n`);
    return 0;
  }
  if (mode === 'write') {
    const lines = readme.split('\n');
    // From the last block up, so the earlier blocks' line indexes stay right.
    const targets = expected.map((e) => ({ ...e, block: translated.get(e.fence) })).sort((a, b) => (b.block?.start ?? 0) - (a.block?.start ?? 0));
    for (const { fence, source, block } of targets) {
      if (!block) throw new Error(`README.md has no ${fence} block after the usage snippet (line ${usage.start + 1}) to write into`);
      lines.splice(block.start + 1, block.end - block.start - 1, ...source.split('\n'));
    }
    fs.writeFileSync(README_FILE, lines.join('\n'));
    console.log(`README.md: wrote ${expected.map((e) => e.fence).join(', ')} from the tablet`);
    return 0;
  }

  const problems: string[] = [];
  for (const { fence, source } of expected) {
    const block = translated.get(fence);
    if (!block) problems.push(`no ${fence} block after the usage snippet (line ${usage.start + 1})`);
    else if (normalise(block.source) !== source) problems.push(`the ${fence} block (line ${block.start + 1}) is not rosetta's translation: ${firstDifference(source, normalise(block.source))}`);
  }
  if (problems.length > 0) {
    console.error(`README.md:\n- ${problems.join('\n- ')}\nSee them with --print, or fix them with --write (projenrc/readme-translations.ts).`);
    return 1;
  }
  console.log(`README.md: the ${expected.map((e) => e.fence).join(', ')} blocks are jsii-rosetta's translations of the usage snippet (line ${usage.start + 1})`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`README.md: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
