/** What `npx projen local` prints once everything runs: where each part listens, what to try, and whether the origin answers. */
import * as path from 'node:path';
import type { Reachability } from './endpoint-check';
import type { LocalMirror } from './stack';

/** Everything the banner tells. */
export interface BannerFacts {
  readonly mirror: LocalMirror;
  readonly endpoint: string;
  /** The built-in sample origin's paths, when it is the origin. */
  readonly sampleFiles?: readonly string[];
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
  const { mirror, endpoint, reachability } = facts;
  const { spec } = mirror;
  const url = mirror.viewerUrl;
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const fn = spec.function;
  const data = rel(path.join(facts.s3Directory, spec.bucketName));
  const headline = reachability?.reachable === false
    ? [
      `The origin cannot be reached: HEAD ${reachability.url} failed (${reachability.reason}).`,
      `The local stack runs anyway at ${url}/ but every miss will be a 502 or a 504 until the origin answers;`,
      'what the bucket already holds is still served.',
    ]
    : [`The mirror runs locally. Open ${url}/`];
  const originNote = facts.sampleFiles
    ? '   (the built-in sample origin; --endpoint URL mirrors another)'
    : reachability?.reachable ? `   (answered HEAD ${new URL(reachability.url).pathname} with ${reachability.status})` : '   (NOT REACHABLE, see above)';
  return [
    '',
    ...headline,
    '',
    `  origin       ${endpoint}${originNote}`,
    `  CloudFront   ${url}   stand-in: no cache (every request goes to S3 first), no compression, plain HTTP${facts.portTaken !== undefined ? `; port ${facts.portTaken} was taken` : ''}`,
    `  S3           ${mirror.s3.endpoint}   bucket ${spec.bucketName}, data in ${data} (kept between runs)`,
    `  function URL ${mirror.functionUrl.url}   ${fn.handler} from ${rel(fn.assetDir)}, ${fn.memoryMb} MB, ${fn.timeoutSeconds} s, ${spec.functionUrl.invokeMode}`,
    `               streamed bodies ${facts.bandwidthCap ? 'capped to ~2 MB/s after the first 6 MB, as Lambda does (--no-bandwidth-cap to lift it)' : 'not capped (--no-bandwidth-cap)'}`,
    `  template     ${rel(facts.templateFile)}`,
    '',
    'An answer the handler fetched from the origin for that request (a miss) carries "x-mirror: miss"; an answer from the bucket does not.',
    'x-cache says "Miss from cloudfront" ("Error from cloudfront" for a 4xx or 5xx) on every answer: this stand-in has no cache, so never a Hit.',
    '',
    'Try:',
    ...(facts.sampleFiles
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
    ...(facts.sampleFiles ? [`Sample files: ${facts.sampleFiles.join(', ')}`, ''] : []),
    'Each request is logged below, with its S3 key, in the order it finished. Ctrl-C stops everything.',
    '',
  ];
}
