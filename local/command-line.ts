/**
 * Command-line flags for the local run, the load test and the benchmark, read
 * with `node:util` `parseArgs`: `--flag value` and `--flag=value` alike, the
 * last of a repeated flag wins, and anything unknown (a flag or a bare word)
 * is refused with the usage, so that a typo never runs with defaults.
 */
import { parseArgs } from 'node:util';

/** A command line that cannot be run: its message says why (and shows the usage for an unknown argument). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What a command prints when it fails: the message alone for a bad command line, the stack for anything else. */
export function failureText(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  return err instanceof Error ? err.stack ?? err.message : String(err);
}

/** The flags a command takes: a value (`string`) or none (`boolean`). `help` (-h) is always there. */
export type FlagSpec = Readonly<Record<string, 'string' | 'boolean'>>;

/** What was given, by flag name (`help` when --help or -h was). */
export type Flags<T extends FlagSpec> = { readonly [K in keyof T]?: T[K] extends 'string' ? string : boolean } & { readonly help?: boolean };

/** Reads `argv` (without node and the script); throws with the usage on an unknown argument. */
export function readFlags<T extends FlagSpec>(argv: readonly string[], spec: T, usage: string): Flags<T> {
  const options = Object.fromEntries([
    ...Object.entries(spec).map(([name, type]) => [name, { type }]),
    ['help', { type: 'boolean', short: 'h' }],
  ]) as Record<string, { type: 'string' | 'boolean'; short?: string }>;
  // Not strict: unknown flags come back as tokens and are refused here, with the message and the usage.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, tokens: true, allowPositionals: true });
  const values: Record<string, string | boolean> = {};
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(`unknown argument "${token.value}"\n\n${usage}`);
    if (token.kind === 'option-terminator') throw new UsageError(`unknown argument "--"\n\n${usage}`);
    const type = options[token.name]?.type;
    if (type === undefined) throw new UsageError(`unknown argument "${argv[token.index]}"\n\n${usage}`);
    if (type === 'string') {
      if (token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
      values[token.name] = token.value;
    } else {
      if (token.inlineValue) throw new UsageError(`${token.rawName} takes no value, got "${argv[token.index]}"`);
      values[token.name] = true;
    }
  }
  return values as Flags<T>;
}

/** A whole number of at least `min` from flag `flag`'s value. */
export function integerFlag(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}
