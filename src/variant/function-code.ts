/**
 * The code of the viewer-request CloudFront Function: the bundle esbuild builds from `viewer-request.ts`
 * (`npx projen bundle`), then the parameter list and the top-level `handler` CloudFront calls. The list
 * is written in at synth because a CloudFront Function has no environment and its code takes no tokens.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The bundle, found the same way from `src/variant` (ts-jest, the example app) and `lib/variant` (the package). */
export const VIEWER_REQUEST_BUNDLE = path.join(__dirname, '../../assets/variant/viewer-request/index.js');
/** The variable the bundle's IIFE assigns its exports to (esbuild `--global-name`). */
export const BUNDLE_GLOBAL_NAME = 'cdkMirrorOriginVariant';
/** CloudFront's limit on the size of a function's code. */
export const MAX_FUNCTION_CODE_BYTES = 10 * 1024;

let cachedBundle: string | undefined;

/** The function's code for the parameter names `listed`, built around `bundle` (by default the shipped one). */
export function viewerRequestFunctionCode(listed: readonly string[], bundle: string = readBundle()): string {
  return [
    bundle.replace(/\s+$/, ''),
    `var VARIANT_QUERY_STRINGS = ${asciiJson(listed)};`,
    'function handler(event) {',
    `  return ${BUNDLE_GLOBAL_NAME}.viewerRequest(event, VARIANT_QUERY_STRINGS);`,
    '}',
    '',
  ].join('\n');
}

/** The shipped bundle, read once. */
export function readBundle(): string {
  if (cachedBundle === undefined) {
    if (!fs.existsSync(VIEWER_REQUEST_BUNDLE)) {
      throw new Error(`cdk-mirror-origin: the CloudFront Function bundle ${VIEWER_REQUEST_BUNDLE} is missing; ` +
        'in a checkout of the library, run "npx projen bundle" (the npm package ships it)');
    }
    cachedBundle = fs.readFileSync(VIEWER_REQUEST_BUNDLE, 'utf8');
  }
  return cachedBundle;
}

/** JSON with every non-ASCII character escaped, so the code stays ASCII (U+2028 ends an ES5 string literal). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
