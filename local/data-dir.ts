/** Where the local runs (`npx projen local`, `npx projen prewarm`) keep their data: one bucket folder per origin. */
import { createHash } from 'node:crypto';
import * as path from 'node:path';

/** Git-ignored: the buckets' data (kept between runs) and the synthesized template, unless --data-dir says otherwise. */
export const DEFAULT_DATA_DIR = path.join(path.resolve(__dirname, '..'), '.local');

/** A readable, unique folder name for an endpoint: `old.example.com_assets-1a2b3c4d`. */
export function endpointFolder(endpoint: string): string {
  const readable = endpoint.replace(/^[a-z]+:\/\//i, '').replace(/[^a-z0-9.-]+/gi, '_').replace(/^_+|_+$/g, '').slice(0, 60);
  return `${readable}-${createHash('sha256').update(endpoint).digest('hex').slice(0, 8)}`;
}

/** The S3 stand-in's folder for `endpoint` (the built-in sample origin's when there is none): objects of one origin are never served for another. */
export function s3DataDirectory(dataDir: string, endpoint: string | undefined): string {
  return path.join(dataDir, 's3', endpoint === undefined ? 'sample' : endpointFolder(endpoint));
}
