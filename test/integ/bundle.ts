/**
 * Lambda code for the integration tests' own functions (the test origin, the probe), bundled from TypeScript
 * with esbuild at synth. The output depends only on the sources and esbuild's version, so the asset is stable.
 */
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';

const REPO = path.resolve(__dirname, '..', '..');

/** `entry` (relative to the repository) bundled into `test/.tmp/integ-bundles/<name>/index.js`, as Lambda code. */
export function bundledCode(entry: string, name: string): lambda.Code {
  const outdir = path.join(REPO, 'test', '.tmp', 'integ-bundles', name);
  buildSync({
    entryPoints: [path.join(REPO, entry)],
    absWorkingDir: REPO,
    outfile: path.join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The Node.js runtime has the AWS SDK; these functions are test fixtures, not the library.
    external: ['@aws-sdk/*'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  return lambda.Code.fromAsset(outdir);
}
