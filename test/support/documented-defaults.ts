/**
 * The `@default` of every prop of every interface the API exports, as documented: from jsii's assembly (`.jsii`,
 * what API.md and every language binding show) or, before a jsii build, from the same doc comments in src/ read
 * with the TypeScript compiler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/** One prop as documented: whether it is optional, and its `@default` text if it has one. */
export interface DocumentedProp {
  readonly optional: boolean;
  readonly default?: string;
}

/** Props by interface name, then prop name. */
export type DocumentedInterfaces = Record<string, Record<string, DocumentedProp>>;

const ROOT = path.join(__dirname, '..', '..');
export const ASSEMBLY = path.join(ROOT, '.jsii');
const SRC = path.join(ROOT, 'src');
const INDEX = path.join(SRC, 'index.ts');

/** Every interface in the assembly (types → properties → docs.default); jsii lists an interface's own props only. */
export function fromAssembly(file = ASSEMBLY): DocumentedInterfaces {
  const assembly = JSON.parse(fs.readFileSync(file, 'utf8'));
  const found: DocumentedInterfaces = {};
  for (const type of Object.values<any>(assembly.types ?? {})) {
    if (type.kind !== 'interface') continue;
    found[type.name] = Object.fromEntries((type.properties ?? []).map((p: any) =>
      [p.name, { optional: p.optional === true, default: p.docs?.default }]));
  }
  return found;
}

/** Every interface src/index.ts exports (directly or through `export *`), with its own props, as jsii reads them. */
export function fromSources(index = INDEX): DocumentedInterfaces {
  // src/ alone, without aws-cdk-lib's declarations: the exports resolve within src/, and loading those takes a minute.
  const program = ts.createProgram(sourceFiles(), { noResolve: true, noLib: true, types: [], noEmit: true, module: ts.ModuleKind.CommonJS });
  const checker = program.getTypeChecker();
  const found: DocumentedInterfaces = {};
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(index)!)!)) {
    // eslint-disable-next-line no-bitwise -- SymbolFlags is a bit set
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.find(ts.isInterfaceDeclaration);
    if (!declaration) continue;
    found[symbol.name] = Object.fromEntries(declaration.members.filter(ts.isPropertySignature).map((member) => {
      const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
      const comment = typeof tag?.comment === 'string' ? tag.comment : tag?.comment?.map((c) => c.text).join('');
      return [(member.name as ts.Identifier).text, { optional: member.questionToken !== undefined, default: tag ? (comment ?? '').trim() : undefined }];
    }));
  }
  return found;
}

/** Whether `.jsii` exists and was built after the last change to src/ (an older one documents older props). */
export function assemblyIsCurrent(file = ASSEMBLY): boolean {
  if (!fs.existsSync(file)) return false;
  const built = fs.statSync(file).mtimeMs;
  return sourceFiles().every((name) => fs.statSync(name).mtimeMs <= built);
}

function sourceFiles(): string[] {
  return fs.readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts')).map((name) => path.join(SRC, name));
}
