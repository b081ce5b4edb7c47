/**
 * Every `@default` written as a value in the props' doc comments (what jsii puts in .jsii and API.md) equals the
 * default the constructs use (src/defaults.ts), and every default there is documented. Read from the source with
 * the TypeScript compiler, the same comments jsii reads, so the check runs without a jsii build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ts from 'typescript';
import { CORS_PROP_DEFAULTS, DISTRIBUTION_PROP_DEFAULTS, JOBS_PROP_DEFAULTS, ORIGIN_PROP_DEFAULTS } from '../src/defaults';

const PROPS_FILES = [path.join(__dirname, '..', 'src', 'props.ts'), path.join(__dirname, '..', 'src', 'jobs', 'props.ts')];

/** `@default` texts by interface, then prop. */
function documentedDefaults(): Record<string, Record<string, string | undefined>> {
  const found: Record<string, Record<string, string | undefined>> = {};
  for (const file of PROPS_FILES) readDefaults(file, found);
  return found;
}

/** Adds the `@default` texts of `file`'s interfaces to `found`. */
function readDefaults(file: string, found: Record<string, Record<string, string | undefined>>): void {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    const props: Record<string, string | undefined> = {};
    for (const member of node.members) {
      const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
      const comment = typeof tag?.comment === 'string' ? tag.comment : tag?.comment?.map((c) => c.text).join('');
      props[(member.name as ts.Identifier).text] = tag ? (comment ?? '').trim() : undefined;
    }
    found[node.name.text] = props;
  });
}

/** The value a `@default` names, or undefined when it is prose ("- none …"). The text after " - " explains it. */
function valueOf(text: string): unknown {
  if (text.startsWith('-')) return undefined;
  const expression = text.split(/ - /)[0];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('Duration', 'Size', 'logs', 'cloudfront', `return (${expression});`)(Duration, Size, logs, cloudfront);
}

/** Durations and sizes compare by their amount, since the same default can be written in another unit. */
function comparable(value: unknown): unknown {
  if (value instanceof Duration) return `${value.toMilliseconds()} ms`;
  if (value instanceof Size) return `${value.toBytes()} bytes`;
  return value;
}

const documented = documentedDefaults();
const CASES: Array<[string, Record<string, unknown>, string[]]> = [
  ['MirrorOriginProps', ORIGIN_PROP_DEFAULTS, []],
  ['MirrorOriginCors', CORS_PROP_DEFAULTS, []],
  ['MirrorOriginBudget', {}, []],
  // The distribution's interface also lists the props it inherits; only its own are checked against its defaults.
  ['MirrorOriginDistributionProps', DISTRIBUTION_PROP_DEFAULTS, []],
  ['MirrorJobsProps', JOBS_PROP_DEFAULTS, []],
];

describe.each(CASES)('%s', (name, defaults) => {
  const docs = documented[name];

  test('every optional prop has a @default', () => {
    expect(Object.entries(docs).filter(([, text]) => text === undefined).map(([prop]) => prop)).toEqual(
      ({ MirrorOriginCors: ['allowedOrigins'], MirrorOriginProps: ['endpoint'], MirrorJobsProps: ['mirror'] } as Record<string, string[]>)[name] ?? []);
  });

  test('each @default that names a value is the value the construct uses, and each default the construct uses is documented', () => {
    const valued = Object.fromEntries(Object.entries(docs)
      .map(([prop, text]) => [prop, text === undefined ? undefined : valueOf(text)])
      .filter(([, value]) => value !== undefined)
      .map(([prop, value]) => [prop, comparable(value)]));
    const used = Object.fromEntries(Object.entries(defaults).map(([prop, value]) => [prop, comparable(value)]));
    expect(valued).toEqual(used);
  });
});

test('the check can fail: a @default in another unit than the construct uses still compares equal, a different one does not', () => {
  expect(comparable(valueOf('Duration.seconds(10)'))).toEqual(comparable(ORIGIN_PROP_DEFAULTS.originResponseTimeout));
  expect(comparable(valueOf('Duration.seconds(11)'))).not.toEqual(comparable(ORIGIN_PROP_DEFAULTS.originResponseTimeout));
  expect(valueOf('- none: keys are the request paths')).toBeUndefined();
  expect(valueOf('["*"] - any header')).toEqual(['*']);
});

describe('docs/defaults.md', () => {
  const DOC = path.join(__dirname, '..', 'docs', 'defaults.md');

  /** A default as the page writes it. */
  function human(value: unknown): string {
    if (value instanceof Duration) return value.toHumanString();
    if (value instanceof Size) {
      const bytes = value.toBytes();
      const [unit, size] = bytes % 1024 ** 3 === 0 ? ['GiB', 1024 ** 3] : ['MiB', 1024 ** 2];
      return `${bytes / size} ${unit}`;
    }
    if (Array.isArray(value)) return value.join(', ');
    return String(value);
  }

  test('its table of value defaults is exactly the defaults the constructs use', () => {
    const rows = fs.readFileSync(DOC, 'utf8').split('\n')
      .map((line) => /^\| `([\w.]+)` \| (.+) \|$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map(([, prop, value]) => [prop, value]);
    const expected = [
      ...Object.entries(ORIGIN_PROP_DEFAULTS).map(([prop, value]) => [prop, prop === 'logRetention' ? `${value} days` : human(value)]),
      ...Object.entries(CORS_PROP_DEFAULTS).map(([prop, value]) => [`cors.${prop}`, human(value)]),
      ...Object.entries(DISTRIBUTION_PROP_DEFAULTS).map(([prop, value]) => [prop, human(value)]),
    ];
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
    expect(rows).toHaveLength(expected.length);
  });
});
