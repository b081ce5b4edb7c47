/**
 * What attaches to the default mirror without another distribution, as steps of the default mirror's app: a second
 * mirror on `/second/*` (its own endpoint, key prefix, metrics name and CORS), a herd on it, the default mirror's
 * prewarm job with its report, and the second mirror's metrics in CloudWatch. A distribution costs 12–30 minutes a
 * run, so these share the default mirror's (see docs/integration-tests.md).
 */
import type { MirrorOriginDistribution } from '../../../src';
import { ORIGIN_OBJECTS, SECOND_ENDPOINT_PATH, expectedBody, originEtag } from '../content';
import { PROBE_MANIFEST_PREFIX } from '../fixture';
import { NO_HEADER, Step } from '../steps';

/** The second mirror's path pattern, key prefix and name in its metrics. */
export const SECOND = { pattern: '/second/*', keyPrefix: 'second-mirror/', mirrorName: 'cdk-mirror-origin-integ-second' } as const;

/** The browser origin the second mirror's CORS allows, and one it does not. */
export const APP_ORIGIN = 'https://app.example';
const OTHER_ORIGIN = 'https://other.example';

/** The second mirror: `/second/x` is fetched from `<origin>/two/second/x` and stored as `second-mirror/second/x`. */
export function addSecondMirror(mirror: MirrorOriginDistribution, context: { readonly originUrl: string }): void {
  mirror.addMirror(SECOND.pattern, {
    endpoint: `${context.originUrl}${SECOND_ENDPOINT_PATH}`,
    keyPrefix: SECOND.keyPrefix,
    mirrorName: SECOND.mirrorName,
    cors: { allowedOrigins: [APP_ORIGIN] },
  });
}

/** The object the second mirror serves for `/second/<name>`, as fetched from the second endpoint. */
const second = (name: string) => `/${SECOND_ENDPOINT_PATH}/second/${name}`;
const secondA = expectedBody(second('a.bin'));
const secondCors = expectedBody(second('cors.bin'));
const herdObject = expectedBody(second('herd.bin'));

/** A second mirror on a path pattern: its own endpoint and key prefix; the default mirror keeps its own paths. */
export const SECOND_MIRROR_STEPS: readonly Step[] = [
  {
    id: 'SecondMiss',
    proves: 'a miss under /second/* is fetched from the second endpoint (the bytes of /two/second/a.bin)',
    probe: { kind: 'http', path: '/second/a.bin' },
    expect: { status: 200, servedBy: 'handler', ...secondA },
  },
  {
    id: 'SecondStored',
    proves: 'the second mirror stores under its own key prefix, with the second endpoint\'s ETag',
    probe: { kind: 'head-object', key: `${SECOND.keyPrefix}second/a.bin`, waitSeconds: 30 },
    expect: { exists: true, contentLength: secondA.bytes, originEtag: originEtag(second('a.bin')) },
  },
  {
    id: 'SecondHit',
    proves: 'the next request under /second/* is a hit served by S3 from that prefix',
    probe: { kind: 'http', path: '/second/a.bin' },
    expect: { status: 200, servedBy: 's3', ...secondA },
  },
  {
    id: 'SecondOnlyUnderPrefix',
    proves: 'the default mirror stored nothing for /second/* (no key without the second mirror\'s prefix)',
    probe: { kind: 'list', prefix: 'second/' },
    expect: { keys: [] },
  },
  {
    id: 'SecondNotFound',
    proves: 'the second endpoint\'s 404 is passed through by the second mirror',
    probe: { kind: 'http', path: '/second/missing.bin' },
    expect: { status: 404 },
  },
  {
    id: 'DefaultStillDefault',
    proves: 'the default mirror still answers its own paths after the second mirror\'s requests (a hit from S3)',
    probe: { kind: 'http', path: '/objects/small.bin' },
    expect: { status: 200, servedBy: 's3', ...expectedBody('/objects/small.bin') },
  },
];

/** CORS on the second mirror: the allowed origin on a miss and on a hit, a preflight S3 answers, nothing for another origin. */
export const CORS_STEPS: readonly Step[] = [
  {
    id: 'CorsMiss',
    proves: 'a cross-origin GET of a miss gets access-control-allow-origin (the handler answered)',
    probe: { kind: 'http', path: '/second/cors.bin', origin: APP_ORIGIN },
    expect: { status: 200, servedBy: 'handler', accessControlAllowOrigin: APP_ORIGIN, ...secondCors },
  },
  {
    id: 'CorsStored',
    proves: 'the cross-origin miss is stored',
    probe: { kind: 'head-object', key: `${SECOND.keyPrefix}second/cors.bin`, waitSeconds: 30 },
    expect: { exists: true, contentLength: secondCors.bytes },
  },
  {
    id: 'CorsHit',
    proves: 'a cross-origin GET of a hit gets access-control-allow-origin (S3 answered)',
    probe: { kind: 'http', path: '/second/cors.bin', origin: APP_ORIGIN },
    expect: { status: 200, servedBy: 's3', accessControlAllowOrigin: APP_ORIGIN, ...secondCors },
  },
  {
    id: 'CorsPreflight',
    proves: 'a preflight OPTIONS of a key not stored is answered 200 by S3\'s CORS rules through OAC (the handler would answer 204)',
    probe: { kind: 'http', path: '/second/not-yet.bin', method: 'OPTIONS', origin: APP_ORIGIN, accessControlRequestMethod: 'GET' },
    expect: { status: 200, accessControlAllowOrigin: APP_ORIGIN },
  },
  {
    id: 'CorsOtherOrigin',
    proves: 'an origin not allowed gets the object without access-control-allow-origin',
    probe: { kind: 'http', path: '/second/cors.bin', origin: OTHER_ORIGIN },
    expect: { status: 200, servedBy: 's3', accessControlAllowOrigin: NO_HEADER, ...secondCors },
  },
];

/** Viewers in the herd. */
const HERD = 8;

/** A herd on one new object of the second mirror: every answer exact, the origin asked once. */
export const HERD_STEPS: readonly Step[] = [
  {
    id: 'Herd',
    proves: `${HERD} concurrent misses of one 3 MiB object: ${HERD} exact answers, the origin asked exactly once (single-flight)`,
    probe: { kind: 'herd', path: '/second/herd.bin', viewers: HERD, originPath: second('herd.bin') },
    expect: { viewers: HERD, ok: HERD, originRequests: 1, ...herdObject },
  },
  {
    id: 'HerdStored',
    proves: 'the herd\'s object is stored whole',
    probe: { kind: 'head-object', key: `${SECOND.keyPrefix}second/herd.bin`, waitSeconds: 30 },
    expect: { exists: true, contentLength: herdObject.bytes },
  },
];

/** The default mirror's prewarm run: one key of each kind. */
const JOB = { execution: 'integ-prewarm', key: `${PROBE_MANIFEST_PREFIX}prewarm.txt` } as const;
const JOB_LINES = {
  present: '/objects/small.bin',
  stored: '/jobs/prewarmed.bin',
  notFound: '/jobs/missing.bin',
  rejected: '/jobs/%zz.bin',
} as const;

/** Starts the prewarm run (after `objects/small.bin` is stored: it is the manifest's `present` key). */
export const JOB_START_STEP: Step = {
  id: 'JobStart',
  proves: 'a prewarm run starts from a paths manifest in the jobs\' manifest bucket (StartExecution)',
  probe: { kind: 'job-start', execution: JOB.execution, mode: 'prewarm', manifest: { key: JOB.key, format: 'paths', lines: Object.values(JOB_LINES) } },
  expect: { execution: JOB.execution, started: true },
};

/** The run's report, and what it stored. */
export const JOB_REPORT_STEPS: readonly Step[] = [
  {
    id: 'JobReport',
    proves: 'the run succeeds; its summary.json counts one key per outcome: present, stored, not-found, rejected',
    probe: { kind: 'job-report', execution: JOB.execution, waitSeconds: 90 },
    expect: {
      status: 'SUCCEEDED',
      mode: 'prewarm',
      items: 4,
      outcomes: { 'present': 1, 'stored': 1, 'not-found': 1, 'rejected': 1 },
      bytesFromOrigin: ORIGIN_OBJECTS[JOB_LINES.stored].size,
      failedBatches: 0,
    },
  },
  {
    id: 'JobStored',
    proves: 'the run stored the key no viewer asked for, with the origin\'s ETag',
    probe: { kind: 'head-object', key: JOB_LINES.stored.slice(1) },
    expect: { exists: true, contentLength: ORIGIN_OBJECTS[JOB_LINES.stored].size, originEtag: originEtag(JOB_LINES.stored) },
  },
  {
    id: 'JobHit',
    proves: 'what the run stored is a hit served by S3',
    probe: { kind: 'http', path: JOB_LINES.stored },
    expect: { status: 200, servedBy: 's3', ...expectedBody(JOB_LINES.stored) },
  },
];

/** The second mirror's metrics: its stored misses (a.bin, cors.bin, herd.bin once) and its 404. */
export const METRICS_STEP: Step = {
  id: 'Metrics',
  proves: 'the handler\'s EMF metrics reach CloudWatch: the second mirror\'s Misses by outcome and BytesFromOrigin, exact',
  probe: {
    kind: 'metrics',
    mirrorName: SECOND.mirrorName,
    outcomes: ['stored', 'not-found', 'waited'],
    waitFor: { 'stored': 3, 'not-found': 1 },
    sinceKey: 'warmup.txt',
    waitSeconds: 90,
  },
  expect: {
    misses: { 'stored': 3, 'not-found': 1 },
    bytesFromOrigin: secondA.bytes + secondCors.bytes + herdObject.bytes,
  },
};
