/**
 * The second origin of the two-origins example (`npx projen local --example
 * two-origins`): an old host whose files live under `/legacy/`, as a site
 * moving off two hosts has them. Its mirror is bound to `/legacy/*`, and the
 * whole viewer path is asked of it, so its paths start with `/legacy/` too.
 */
import type { SampleFile } from './sample';
import { LocalOrigin, startOrigin } from './server';

const LAST_MODIFIED = 'Fri, 01 Mar 2019 00:00:00 GMT';
const headers = (contentType: string, etag: string): Record<string, string> => ({
  'content-type': contentType,
  'etag': `"${etag}"`,
  'last-modified': LAST_MODIFIED,
  'cache-control': 'public, max-age=86400',
});

/** The legacy host's files. */
export const LEGACY_SAMPLE_FILES: readonly SampleFile[] = [
  {
    path: '/legacy/report.txt',
    description: 'text',
    route: { body: 'Annual report 2019, served by the legacy host.\n', headers: headers('text/plain; charset=utf-8', 'report-2019') },
  },
  {
    path: '/legacy/prices.csv',
    description: 'CSV',
    route: { body: 'item,price\nwidget,4.20\ngadget,13.37\n', headers: headers('text/csv', 'prices-2019') },
  },
  {
    path: '/legacy/img/old-logo.svg',
    description: 'SVG image',
    route: {
      body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect x="4" y="4" width="56" height="56" fill="#369"/></svg>\n',
      headers: headers('image/svg+xml', 'old-logo'),
    },
  },
];

/** Starts the legacy host on 127.0.0.1 (any free port). */
export async function startLegacySampleOrigin(): Promise<LocalOrigin> {
  const origin = await startOrigin();
  for (const file of LEGACY_SAMPLE_FILES) origin.route(file.path, file.route);
  return origin;
}
