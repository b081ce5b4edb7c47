/**
 * variantQueryStrings: each variant of an object is an object of its own, fetched from the origin with its
 * canonical query; an equivalent query (other parameters, other percent-encoding) is a hit on the same object.
 */
import { expectedBody, originEtag, seedOf } from '../content';
import { IntegScenario, WARM_UP } from '../scenario';

const W100 = 'image/resize,w_100';
const W200 = 'image/resize,w_200';

export const VARIANTS: IntegScenario = {
  name: 'variants',
  description: 'cdk-mirror-origin integration test: variantQueryStrings in front of a test origin',
  mirrorProps: { variantQueryStrings: ['x-oss-process'] },
  steps: [
    WARM_UP,
    {
      id: 'VariantW100',
      proves: 'a variant is fetched from the origin with its query and answered with its own bytes',
      probe: { kind: 'http', path: `/photo.jpg?x-oss-process=${W100}` },
      expect: { status: 200, servedBy: 'handler', ...expectedBody('/photo.jpg', W100) },
    },
    {
      id: 'VariantW200',
      proves: 'another variant of the same path gets its own bytes',
      probe: { kind: 'http', path: `/photo.jpg?x-oss-process=${W200}` },
      expect: { status: 200, servedBy: 'handler', ...expectedBody('/photo.jpg', W200) },
    },
    {
      id: 'PlainObject',
      proves: 'the path without a variant is a third object',
      probe: { kind: 'http', path: '/photo.jpg' },
      expect: { status: 200, servedBy: 'handler', ...expectedBody('/photo.jpg') },
    },
    {
      id: 'VariantStored',
      proves: 'a variant is stored under its canonical key with the variant\'s ETag from the origin',
      probe: { kind: 'head-object', key: `photo.jpg?x-oss-process=${W100}`, waitSeconds: 30 },
      expect: { exists: true, contentLength: expectedBody('/photo.jpg', W100).bytes, originEtag: originEtag(seedOf('/photo.jpg', W100)) },
    },
    {
      id: 'OtherVariantStored',
      proves: 'the other variant is stored under its own canonical key',
      probe: { kind: 'head-object', key: `photo.jpg?x-oss-process=${W200}`, waitSeconds: 30 },
      expect: { exists: true, contentLength: expectedBody('/photo.jpg', W200).bytes, originEtag: originEtag(seedOf('/photo.jpg', W200)) },
    },
    {
      id: 'PlainStored',
      proves: 'the plain object is stored under the path alone',
      probe: { kind: 'head-object', key: 'photo.jpg', waitSeconds: 30 },
      expect: { exists: true, contentLength: expectedBody('/photo.jpg').bytes },
    },
    {
      id: 'VariantsAreObjects',
      proves: 'two variants become two objects, next to the plain one',
      probe: { kind: 'list', prefix: 'photo.jpg' },
      expect: { keys: ['photo.jpg', `photo.jpg?x-oss-process=${W100}`, `photo.jpg?x-oss-process=${W200}`] },
    },
    {
      id: 'VariantCanonicalHit',
      proves: 'other parameters and another percent-encoding of the variant are a hit on the same object',
      probe: { kind: 'http', path: '/photo.jpg?utm_source=mail&x-oss-process=image%2Fresize%2Cw_100' },
      expect: { status: 200, servedBy: 's3', ...expectedBody('/photo.jpg', W100) },
    },
  ],
};
