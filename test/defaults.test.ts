/**
 * Every `@default` the API documents that names a value equals the default the constructs use (src/defaults.ts),
 * every default there is documented, and docs/defaults.md's table is that same list. The docs are read from jsii's
 * assembly, `.jsii` (what API.md and the bindings show), which `npx projen compile` writes: CI and `projen build`
 * compile before they test, and CI sets REQUIRE_JSII_ASSEMBLY so that this check cannot fall back there. Without a
 * current `.jsii` (a plain `npx projen test`), the same doc comments are read with the TypeScript compiler from
 * every interface src/index.ts exports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CORS_PROP_DEFAULTS, DISTRIBUTION_PROP_DEFAULTS, JOBS_PROP_DEFAULTS, ORIGIN_PROP_DEFAULTS } from '../src/defaults';
import { ASSEMBLY, assemblyIsCurrent, DocumentedInterfaces, fromAssembly, fromSources } from './support/documented-defaults';

const fromJsii = assemblyIsCurrent();
if (!fromJsii && process.env.REQUIRE_JSII_ASSEMBLY) {
  throw new Error(`REQUIRE_JSII_ASSEMBLY is set but ${ASSEMBLY} is missing or older than src/: run npx projen compile first`);
}
const documented: DocumentedInterfaces = fromJsii ? fromAssembly() : fromSources();

/** The defaults each interface's value `@default`s must equal; an interface not named here may document none. */
const DEFAULTS_BY_INTERFACE: Record<string, Record<string, unknown>> = {
  MirrorOriginProps: ORIGIN_PROP_DEFAULTS,
  MirrorOriginCors: CORS_PROP_DEFAULTS,
  // jsii lists an interface's own props only: the ones the distribution inherits are MirrorOriginProps'.
  MirrorOriginDistributionProps: DISTRIBUTION_PROP_DEFAULTS,
  MirrorJobsProps: JOBS_PROP_DEFAULTS,
};

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

test(`the docs come from ${fromJsii ? '.jsii' : 'the TypeScript sources'}, and name every interface with its own defaults`, () => {
  expect(Object.keys(documented)).toEqual(expect.arrayContaining(Object.keys(DEFAULTS_BY_INTERFACE)));
});

describe.each(Object.keys(documented).sort())('%s', (name) => {
  const docs = documented[name];

  test('every optional prop has a @default, and no required prop has one', () => {
    const wrong = Object.entries(docs).filter(([, prop]) => prop.optional !== (prop.default !== undefined)).map(([prop]) => prop);
    expect(wrong).toEqual([]);
  });

  test('each @default that names a value is the value the construct uses, and each default the construct uses is documented', () => {
    const valued = Object.fromEntries(Object.entries(docs)
      .map(([prop, { default: text }]) => [prop, text === undefined ? undefined : valueOf(text)])
      .filter(([, value]) => value !== undefined)
      .map(([prop, value]) => [prop, comparable(value)]));
    const used = Object.fromEntries(Object.entries(DEFAULTS_BY_INTERFACE[name] ?? {}).map(([prop, value]) => [prop, comparable(value)]));
    expect(valued).toEqual(used);
  });
});

// Only with a current .jsii is there something to compare the fallback with; CI always has one.
if (fromJsii) {
  test('the TypeScript reading (used without .jsii) finds what jsii documents', () => {
    const flat = (interfaces: DocumentedInterfaces) => Object.fromEntries(Object.entries(interfaces).map(([name, props]) => [name,
      Object.fromEntries(Object.entries(props).map(([prop, doc]) => [prop, { ...doc, default: doc.default?.replace(/\s+/g, ' ') }]))]));
    expect(flat(fromSources())).toEqual(flat(documented));
  });
}

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
