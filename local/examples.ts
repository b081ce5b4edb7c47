/**
 * The examples `npx projen local --example NAME` serves, each on sample
 * origins of its own: the stack it synthesizes, and what the banner suggests.
 */
import type { Stack } from 'aws-cdk-lib';
import { MirrorOriginDistribution } from '../src';
import { LEGACY_SAMPLE_FILES, startLegacySampleOrigin } from './origin/legacy-sample';
import { SAMPLE_FILES, startSampleOrigin } from './origin/sample';
import type { LocalOrigin } from './origin/server';

/** A sample origin of a running example. */
export interface ExampleOrigin {
  readonly origin: LocalOrigin;
  /** What the banner calls it. */
  readonly label: string;
  /** Its paths. */
  readonly files: readonly string[];
}

/** An example whose origins run. */
export interface RunningExample {
  readonly name: string;
  /** The origins, the default mirror's first. */
  readonly origins: readonly ExampleOrigin[];
  /** Adds the example's constructs to the stack. */
  build(stack: Stack): void;
  /** The banner's "Try:" lines for the distribution at `url`. */
  tryLines(url: string): string[];
  /** Stops the origins. */
  close(): Promise<void>;
}

/** An example, before it runs. */
export interface LocalExample {
  /** One line for the usage. */
  readonly description: string;
  start(): Promise<RunningExample>;
}

/** Every example, by name. */
export const EXAMPLES: Readonly<Record<string, LocalExample>> = {
  'two-origins': {
    description: 'two mirrors in one distribution: the default on the sample origin, /legacy/* on a second (legacy) origin',
    start: startTwoOrigins,
  },
};

/** `MirrorOriginDistribution` on the sample origin, and `addMirror('/legacy/*')` on the legacy one, sharing the bucket. */
async function startTwoOrigins(): Promise<RunningExample> {
  const [main, legacy] = await Promise.all([startSampleOrigin(), startLegacySampleOrigin()]);
  return {
    name: 'two-origins',
    origins: [
      { origin: main, label: 'the built-in sample origin', files: SAMPLE_FILES.map((f) => f.path) },
      { origin: legacy, label: 'the legacy sample origin', files: LEGACY_SAMPLE_FILES.map((f) => f.path) },
    ],
    build: (stack) => {
      const site = new MirrorOriginDistribution(stack, 'Mirror', { endpoint: main.url });
      site.addMirror('/legacy/*', { endpoint: legacy.url });
    },
    tryLines: (url) => [
      `  curl -sI ${url}/data/info.json | grep -i '^x-'        # from the sample origin: a miss (x-mirror: miss), stored as data/info.json`,
      `  curl -sI ${url}/legacy/report.txt | grep -i '^x-'     # from the legacy origin: a miss, stored as legacy/report.txt`,
      `  curl -sI ${url}/legacy/report.txt | grep -i '^x-'     # again: from the bucket, no x-mirror`,
      `  curl -i ${url}/legacy/missing.txt                     # 404 from the legacy origin, nothing stored`,
    ],
    close: async () => {
      await Promise.all([main.close(), legacy.close()]);
    },
  };
}
