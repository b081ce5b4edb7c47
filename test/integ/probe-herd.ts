/**
 * A herd: many viewers missing one new object at the same moment. Every answer must carry the object's exact bytes,
 * and the origin must have been asked once (single-flight). The origin records each request it gets for the object
 * before answering it, so once every viewer has its answer, the listing holds every request made for them.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { originRequestPrefix } from './content';
import { request } from './probe-http';
import { ProbeTarget, required } from './probe-target';
import { DIFFERENT, HerdObservation, HerdProbe, NO_HEADER } from './steps';

/** Sends the herd, then counts the origin's requests for the object. */
export async function herd(probe: HerdProbe, target: ProbeTarget): Promise<HerdObservation> {
  const bucket = required(target, 'originRequestsBucket');
  const answers = await Promise.all(Array.from({ length: probe.viewers }, () => request(target.baseUrl, { kind: 'http', path: probe.path })));
  const hashes = new Set(answers.map((answer) => answer.sha256));
  const answeredBy: Record<string, number> = {};
  for (const answer of answers) answeredBy[answer.mirror ?? NO_HEADER] = (answeredBy[answer.mirror ?? NO_HEADER] ?? 0) + 1;
  return {
    viewers: answers.length,
    ok: answers.filter((answer) => answer.status === 200).length,
    sha256: hashes.size === 1 ? answers[0].sha256 : DIFFERENT,
    bytes: Math.max(...answers.map((answer) => answer.bytes)),
    originRequests: await countKeys(target, bucket, originRequestPrefix(probe.originPath)),
    answeredBy,
  };
}

/** How many objects are under `prefix`. */
async function countKeys(target: ProbeTarget, bucket: string, prefix: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await target.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    count += page.KeyCount ?? page.Contents?.length ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}
