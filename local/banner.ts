/** What `npx projen local` prints once everything runs: where each part listens, what to try, and whether the origin answers. */
import * as path from 'node:path';
import type { Reachability } from './endpoint-check';
import type { RunningExample } from './examples';
import type { LocalMirror } from './stack';
import { ENVIRONMENT_VARIABLES } from '../src/config';

/** Everything the banner tells. */
export interface BannerFacts {
  readonly mirror: LocalMirror;
  readonly endpoint: string;
  /** The built-in sample origin's paths, when it is the origin. */
  readonly sampleFiles?: readonly string[];
  /** The example served (--example), on its own sample origins. */
  readonly example?: RunningExample;
  /** The start-up check of --endpoint (none for the sample origin, which runs in this process). */
  readonly reachability?: Reachability;
  /** The port asked for, when it was taken and another one is used. */
  readonly portTaken?: number;
  readonly s3Directory: string;
  readonly templateFile: string;
  readonly bandwidthCap: boolean;
}

/** The banner's lines. */
export function bannerLines(facts: BannerFacts): string[] {
  const { mirror, endpoint, reachability, example } = facts;
  const { spec } = mirror;
  const url = mirror.viewerUrl;
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const several = spec.mirrors.length > 1;
  // s3rver keeps a folder per bucket: the one to look in, when there is one.
  const data = rel(spec.buckets.length === 1 ? path.join(facts.s3Directory, spec.buckets[0].name) : facts.s3Directory);
  const headline = reachability?.reachable === false
    ? [
      `The origin cannot be reached: HEAD ${reachability.url} failed (${reachability.reason}).`,
      `The local stack runs anyway at ${url}/ but every miss will be a 502 or a 504 until the origin answers;`,
      'what the bucket already holds is still served.',
    ]
    : [several ? `${spec.mirrors.length} mirrors run locally behind one distribution. Open ${url}/` : `The mirror runs locally. Open ${url}/`];
  const originNote = facts.sampleFiles || example
    ? `   (${example?.origins[0].label ?? 'the built-in sample origin'}; --endpoint URL mirrors another)`
    : reachability?.reachable ? `   (answered HEAD ${new URL(reachability.url).pathname} with ${reachability.status})` : '   (NOT REACHABLE, see above)';
  const width = Math.max(...spec.mirrors.flatMap((m) => m.pathPatterns.map((p) => p.length)));
  const paths = (m: (typeof spec.mirrors)[number]) => m.pathPatterns.join(' ').padEnd(width);
  const functionLine = (m: (typeof spec.mirrors)[number], i: number) =>
    `${several ? `${paths(m)}  ` : ''}${mirror.functionUrls[i].url}   ${m.function.handler} from ${rel(m.function.assetDir)}, ${m.function.memoryMb} MB, ` +
    `${m.function.timeoutSeconds} s, ${m.functionUrl.invokeMode}`;
  const label = (mirrorEndpoint: string) => example?.origins.find((o) => o.origin.url === mirrorEndpoint)?.label;
  const buckets = spec.buckets.map((b) => b.name).join(', ');
  return [
    '',
    ...headline,
    '',
    ...(several
      ? spec.mirrors.map((m, i) => {
        const mirrorEndpoint = m.function.environment[ENVIRONMENT_VARIABLES.endpoint] ?? '?';
        const note = label(mirrorEndpoint) ? `   (${label(mirrorEndpoint)})` : '';
        return `  ${i === 0 ? 'paths       ' : '            '} ${paths(m)}  → ${mirrorEndpoint}${note}`;
      })
      : [`  origin       ${endpoint}${originNote}`]),
    `  CloudFront   ${url}   stand-in: no cache (every request goes to S3 first), no compression, plain HTTP${facts.portTaken !== undefined ? `; port ${facts.portTaken} was taken` : ''}`,
    `  S3           ${mirror.s3.endpoint}   bucket ${buckets}, data in ${data} (kept between runs)`,
    ...spec.mirrors.map((m, i) => `  ${i === 0 ? 'function URL' : '            '} ${functionLine(m, i)}`),
    `               streamed bodies ${facts.bandwidthCap ? 'capped to ~2 MB/s after the first 6 MB, as Lambda does (--no-bandwidth-cap to lift it)' : 'not capped (--no-bandwidth-cap)'}`,
    `  template     ${rel(facts.templateFile)}`,
    '',
    ...(several ? ['Each path goes to the mirror of the first pattern it matches, as in CloudFront; the key is the whole path.', ''] : []),
    'An answer the handler fetched from the origin for that request (a miss) carries "x-mirror: miss"; an answer from the bucket does not.',
    'x-cache says "Miss from cloudfront" ("Error from cloudfront" for a 4xx or 5xx) on every answer: this stand-in has no cache, so never a Hit.',
    '',
    'Try:',
    ...(example
      ? example.tryLines(url)
      : facts.sampleFiles
        ? [
          `  curl -sI ${url}/data/info.json | grep -i '^x-'   # a miss: x-mirror: miss`,
          `  curl -sI ${url}/data/info.json | grep -i '^x-'   # again: served from the bucket, no x-mirror`,
          `  curl -sL -o /dev/null -D - ${url}/files/20mib.bin   # above the stream threshold: stored first, a 302 to itself, then from the bucket`,
          `  curl -sL --compressed ${url}/docs/notes.txt | head -2  # sent gzip-encoded: stored as sent, a 302 to itself, then from the bucket`,
          `  curl -i ${url}/missing.html            # 404 passes through, nothing stored`,
        ]
        : [
          `  curl -sI ${url}/<a path at the origin> | grep -i '^x-'   # a miss (x-mirror: miss), then the same again: a hit (no x-mirror)`,
        ]),
    `  ls -R ${data}   # the stored objects (<key>._S3rver_object)`,
    '',
    ...(example ? example.origins.map((o) => `Sample files at ${o.label}: ${o.files.join(', ')}`) : []),
    ...(facts.sampleFiles ? [`Sample files: ${facts.sampleFiles.join(', ')}`] : []),
    ...(example || facts.sampleFiles ? [''] : []),
    'Each request is logged below, with its S3 key, in the order it finished. Ctrl-C stops everything.',
    '',
  ];
}
