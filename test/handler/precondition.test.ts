/**
 * Which refusals of a conditional write are a lost race (the outcome `conflict` or `exists`) and which are a failed
 * store: S3's error names and statuses as the SDK reports them (a local S3 cannot answer NoSuchBucket to a
 * CompleteMultipartUpload under If-Match, so the errors are built here).
 */
import { isPreconditionFailure } from '../../src/handler/precondition';

const replace = { ifMatch: '"etag-1"' };
const create = { ifNoneMatch: '*' as const };
const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

test.each<[string, number, boolean, boolean]>([
  ['PreconditionFailed', 412, true, true],
  ['ConditionalRequestConflict', 409, true, true],
  ['NoSuchKey', 404, true, false],
  ['NotFound', 404, true, false],
  ['NoSuchBucket', 404, false, false],
  ['NoSuchUpload', 404, false, false],
  ['AccessDenied', 403, false, false],
  ['InternalError', 500, false, false],
])('%s (%i): a lost race under If-Match %s, under If-None-Match %s', (name, status, underMatch, underNoneMatch) => {
  expect(isPreconditionFailure(s3Error(name, status), replace)).toBe(underMatch);
  expect(isPreconditionFailure(s3Error(name, status), create)).toBe(underNoneMatch);
});
