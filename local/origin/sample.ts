/**
 * The origin the local run mirrors when no endpoint is given (a fresh machine
 * may have no internet): a few deterministic files of different types and
 * sizes, served by the local origin server (which counts requests per path).
 */
import { gzipSync } from 'node:zlib';
import { LocalOrigin, OriginRoute, startOrigin } from './server';

/** One file of the sample site. */
export interface SampleFile {
  readonly path: string;
  readonly description: string;
  readonly route: OriginRoute;
}

const MiB = 1024 * 1024;
const LAST_MODIFIED = 'Mon, 01 Jan 2024 00:00:00 GMT';
const headers = (contentType: string, etag: string): Record<string, string> => ({
  'content-type': contentType,
  'etag': `"${etag}"`,
  'last-modified': LAST_MODIFIED,
  'cache-control': 'public, max-age=3600',
});

const NOTES = Array.from({ length: 400 }, (_, i) => `Line ${i + 1}: stored exactly as the origin sent it, gzip and all.`).join('\n') + '\n';

const INDEX = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>cdk-mirror-origin: local sample origin</title>
  <link rel="stylesheet" href="/css/site.css">
</head>
<body>
  <img src="/img/logo.svg" alt="logo" width="64" height="64">
  <h1>Served through the local mirror</h1>
  <p>This page came from the sample origin on its first request; reload it and it comes from the bucket.</p>
  <ul>
    <li><a href="/data/info.json">/data/info.json</a> (JSON)</li>
    <li><a href="/docs/notes.txt">/docs/notes.txt</a> (text, stored gzip-encoded as the origin sent it)</li>
    <li><a href="/files/1mib.bin">/files/1mib.bin</a> (1 MiB, streamed to you while it is stored)</li>
    <li><a href="/files/20mib.bin">/files/20mib.bin</a> (20 MiB, above the stream threshold: stored first, then a redirect)</li>
    <li><a href="/moved.html">/moved.html</a> (a redirect at the origin, followed by the mirror)</li>
    <li><a href="/missing.html">/missing.html</a> (404 at the origin: passed on, nothing stored)</li>
  </ul>
</body>
</html>
`;

/** The sample site. */
export const SAMPLE_FILES: readonly SampleFile[] = [
  { path: '/index.html', description: 'HTML page linking the others', route: { body: INDEX, headers: headers('text/html; charset=utf-8', 'index-1') } },
  {
    path: '/css/site.css',
    description: 'stylesheet',
    route: { body: 'body { font-family: sans-serif; margin: 2rem; }\nimg { float: right; }\n', headers: headers('text/css', 'css-1') },
  },
  {
    path: '/data/info.json',
    description: 'JSON',
    route: { body: JSON.stringify({ mirrored: true, by: 'cdk-mirror-origin' }, null, 2) + '\n', headers: headers('application/json', 'json-1') },
  },
  {
    path: '/img/logo.svg',
    description: 'SVG image',
    route: {
      body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#f90"/><path d="M16 36l10 10 22-26" stroke="#fff" stroke-width="6" fill="none"/></svg>\n',
      headers: headers('image/svg+xml', 'svg-1'),
    },
  },
  {
    path: '/docs/notes.txt',
    description: 'text served gzip-encoded (content-encoding: gzip)',
    route: { body: gzipSync(Buffer.from(NOTES)), headers: { ...headers('text/plain; charset=utf-8', 'notes-1'), 'content-encoding': 'gzip' } },
  },
  { path: '/files/1mib.bin', description: '1 MiB binary', route: { body: { size: MiB, seed: 1 }, headers: headers('application/octet-stream', 'bin-1') } },
  {
    path: '/files/20mib.bin',
    description: '20 MiB binary, above the 6 MiB stream threshold',
    route: { body: { size: 20 * MiB, seed: 2 }, headers: headers('application/octet-stream', 'bin-20') },
  },
  { path: '/moved.html', description: 'a 301 to /index.html', route: { status: 301, headers: { location: '/index.html' } } },
];

/** Starts the sample origin on 127.0.0.1 (any free port). */
export async function startSampleOrigin(): Promise<LocalOrigin> {
  const origin = await startOrigin();
  for (const file of SAMPLE_FILES) origin.route(file.path, file.route);
  return origin;
}
