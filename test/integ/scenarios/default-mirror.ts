/**
 * The default mirror: a miss, a hit, HEAD, a 404, `/`, a large object, an encoded object and a viewer who leaves.
 * streamThreshold is 2 MiB (not 6 MiB) only because the test origin, a buffered function URL, answers at most
 * 6 MB: the large object (3 MiB) takes the same path a larger one would (stored first, then a 302).
 * Then what attaches to it in the same distribution (./attached.ts): a second mirror with CORS, a herd on it, the
 * default mirror's prewarm job, and the metrics.
 */
import { Size } from 'aws-cdk-lib';
import {
  CORS_STEPS, HERD_STEPS, JOB_REPORT_STEPS, JOB_START_STEP, METRICS_STEP, SECOND_MIRROR_STEPS, addSecondMirror,
} from './attached';
import { ORIGIN_CACHE_CONTROL, ORIGIN_OBJECTS, expectedBody, originEtag } from '../content';
import { IntegScenario, WARM_UP } from '../scenario';

const small = expectedBody('/objects/small.bin');
const index = expectedBody('/index.html');
const large = expectedBody('/objects/large.bin');
const encoded = expectedBody('/encoded/data.txt');

export const DEFAULT_MIRROR: IntegScenario = {
  name: 'default-mirror',
  description: 'cdk-mirror-origin integration test: the default mirror in front of a test origin, a second mirror with CORS, jobs, metrics, a herd',
  mirrorProps: { streamThreshold: Size.mebibytes(2) },
  extend: addSecondMirror,
  jobs: { maxConcurrency: 2 },
  countOriginRequests: true,
  steps: [
    WARM_UP,
    {
      id: 'MissStreamed',
      proves: 'a miss is answered 200 by the handler with the exact bytes',
      probe: { kind: 'http', path: '/objects/small.bin' },
      expect: { status: 200, servedBy: 'handler', ...small },
    },
    {
      id: 'MissStored',
      proves: 'the miss is stored byte-exact with the origin\'s headers, its ETag kept as metadata',
      probe: { kind: 'head-object', key: 'objects/small.bin', waitSeconds: 30 },
      expect: {
        exists: true,
        contentLength: small.bytes,
        contentType: ORIGIN_OBJECTS['/objects/small.bin'].contentType,
        cacheControl: ORIGIN_CACHE_CONTROL,
        originEtag: originEtag('/objects/small.bin'),
      },
    },
    // Early, so that the run has the time of the steps below to finish: objects/small.bin is its `present` key.
    JOB_START_STEP,
    {
      id: 'HitFromS3',
      proves: 'the next request is a hit served by S3 (S3\'s ETag), same bytes',
      probe: { kind: 'http', path: '/objects/small.bin' },
      expect: { status: 200, servedBy: 's3', ...small },
    },
    {
      id: 'ContentLength',
      proves: 'a streamed miss reaches the viewer with the Content-Length the handler sets (the local stand-in drops it)',
      probe: { kind: 'http', path: '/objects/length.bin' },
      expect: { status: 200, servedBy: 'handler', ...expectedBody('/objects/length.bin') },
      expectOnAws: { contentLength: String(ORIGIN_OBJECTS['/objects/length.bin'].size) },
    },
    {
      id: 'HeadMiss',
      proves: 'HEAD on a miss is answered 200 without a body',
      probe: { kind: 'http', path: '/objects/head.bin', method: 'HEAD' },
      expect: { status: 200, servedBy: 'handler', bytes: 0 },
    },
    {
      id: 'HeadMissStored',
      proves: 'HEAD on a miss stores the object (fetched with GET)',
      probe: { kind: 'head-object', key: 'objects/head.bin', waitSeconds: 30 },
      expect: { exists: true, contentLength: ORIGIN_OBJECTS['/objects/head.bin'].size },
    },
    {
      id: 'NotFound',
      proves: 'the origin\'s 404 is passed through, cacheable for notFoundTtl (10 s)',
      probe: { kind: 'http', path: '/missing.bin' },
      expect: { status: 404, cacheControl: 'public, max-age=10' },
    },
    {
      id: 'NotFoundNotStored',
      proves: 'a 404 stores nothing',
      probe: { kind: 'list', prefix: 'missing.bin' },
      expect: { keys: [] },
    },
    {
      id: 'RootNotListing',
      proves: '"/" is the default root object, mirrored, never a bucket listing',
      probe: { kind: 'http', path: '/' },
      expect: { status: 200, listing: false, servedBy: 'handler', ...index },
    },
    {
      id: 'RootQueryNotListing',
      proves: '"/?list-type=2" is not a listing either',
      probe: { kind: 'http', path: '/?list-type=2' },
      expect: { status: 200, listing: false, ...index },
    },
    {
      id: 'LargeRedirect',
      proves: 'an object above streamThreshold is stored first, answered 302 no-store, then served by S3',
      probe: { kind: 'http', path: '/objects/large.bin', follow: true },
      expect: {
        first: { status: 302, cacheControl: 'no-store', location: '/objects/large.bin' },
        then: { status: 200, servedBy: 's3', ...large },
      },
    },
    {
      id: 'LargeStored',
      proves: 'the large object is stored whole',
      probe: { kind: 'head-object', key: 'objects/large.bin', waitSeconds: 30 },
      expect: { exists: true, contentLength: large.bytes },
    },
    {
      id: 'EncodedRedirect',
      proves: 'a gzip-encoded object is stored as sent, redirected, and served with its Content-Encoding',
      probe: { kind: 'http', path: '/encoded/data.txt', acceptEncoding: 'gzip', follow: true },
      expect: {
        first: { status: 302, cacheControl: 'no-store' },
        then: { status: 200, servedBy: 's3', contentEncoding: 'gzip', ...encoded },
      },
    },
    {
      id: 'EncodedStored',
      proves: 'the stored encoded object keeps Content-Encoding: gzip and the encoded bytes',
      probe: { kind: 'head-object', key: 'encoded/data.txt', waitSeconds: 30 },
      expect: { exists: true, contentEncoding: 'gzip', contentLength: encoded.bytes },
    },
    {
      id: 'ViewerLeaves',
      proves: 'a viewer who leaves mid-stream does not stop the store',
      probe: { kind: 'abandon', path: '/objects/abandoned.bin', afterBytes: 64 * 1024, key: 'objects/abandoned.bin', waitSeconds: 60 },
      expect: { cut: true, stored: true, contentLength: ORIGIN_OBJECTS['/objects/abandoned.bin'].size },
    },
    ...SECOND_MIRROR_STEPS,
    ...CORS_STEPS,
    ...HERD_STEPS,
    ...JOB_REPORT_STEPS,
    // Last: EMF metrics take minutes to appear, and every miss it counts is made by then.
    METRICS_STEP,
  ],
};
