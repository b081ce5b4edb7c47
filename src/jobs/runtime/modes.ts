/**
 * One key in each mode, through the same fetch-and-store core as a viewer's miss (origin URL, origin request,
 * verdict table, conditional never-partial store), without a viewer:
 * prewarm stores what is not there (a stored key costs no origin request); coverage only looks in the bucket;
 * refresh revalidates a stored copy with its validators and replaces it only with `If-Match` on the version checked,
 * and never with what it already holds (an origin that ignores conditional requests answers 200 with the same validators).
 */
import { errorMessage } from '../../handler/errors';
import { FetchEnvironment, fetchAndStore } from '../../handler/fetch-store';
import { nodeTransport } from '../../handler/origin';
import type { RequestResult } from '../../handler/result';
import type { JobMode } from '../protocol';
import type { MirrorKey } from './item-keys';
import { comparingTransport } from './same-bytes';
import { sameValidatorsTransport } from './same-validators';
import { headStored, storedDigest } from './stored-copy';

/** Runs `key` in `mode`; never rejects (an S3 failure is the outcome `store-error`). */
export async function runKey(env: FetchEnvironment, mode: JobMode, key: MirrorKey): Promise<RequestResult> {
  try {
    if (mode === 'prewarm') return await prewarm(env, key);
    if (mode === 'coverage') return await coverage(env, key);
    return await refresh(env, key);
  } catch (err) {
    // HeadObject or GetObject of the stored copy failed (or time ran out first): nothing was fetched or stored.
    if (env.deadline.aborted) return { key: key.key, outcome: 'deadline', status: 504, bytes: 0, error: errorMessage(env.deadline.reason) };
    return { key: key.key, outcome: 'store-error', status: 502, bytes: 0, error: `reading the stored copy: ${errorMessage(err)}` };
  }
}

/** Fetches and stores a key the bucket does not hold; `present` without an origin request when it does. */
async function prewarm(env: FetchEnvironment, key: MirrorKey): Promise<RequestResult> {
  const stored = await headStored(env.s3, env.config.bucketName, key.key, env.deadline);
  if (stored) return { key: key.key, outcome: 'present', status: 200, bytes: 0 };
  return fetchAndStore(env, { key });
}

/** Whether the bucket holds the key; never asks the origin. */
async function coverage(env: FetchEnvironment, key: MirrorKey): Promise<RequestResult> {
  const stored = await headStored(env.s3, env.config.bucketName, key.key, env.deadline);
  return { key: key.key, outcome: stored ? 'present' : 'missing', status: stored ? 200 : 404, bytes: 0 };
}

/**
 * Revalidates a stored key: with the origin's validators, a conditional GET (304 `unchanged`, 0 body bytes); without
 * them, the whole body, stored only if its bytes differ. New bytes replace exactly the version checked (`If-Match`).
 */
async function refresh(env: FetchEnvironment, key: MirrorKey): Promise<RequestResult> {
  const stored = await headStored(env.s3, env.config.bucketName, key.key, env.deadline);
  if (!stored) return { key: key.key, outcome: 'missing', status: 404, bytes: 0 };
  const precondition = { ifMatch: stored.etag };
  if (stored.validators) {
    let sameETag = false;
    let same: number | undefined;
    const transport = sameValidatorsTransport(env.transport ?? nodeTransport, stored.validators, {
      storedDigest: () => storedDigest(env.s3, env.config.bucketName, key.key, stored.etag, env.deadline),
      onSameETag: () => (sameETag = true),
      onSameBytes: (bytes) => (same = bytes),
    });
    const result = await fetchAndStore({ ...env, transport }, { key, validators: stored.validators, precondition });
    // A 200 with the stored strong ETag: the same bytes, left unread; or a compared body that equalled the copy.
    if (sameETag) return { ...result, originStatus: 200, status: 200 };
    if (same !== undefined) return { ...result, outcome: 'unchanged', status: 200, bytes: same, error: undefined };
    return result;
  }

  const digest = await storedDigest(env.s3, env.config.bucketName, key.key, stored.etag, env.deadline);
  if (digest === 'changed') return { key: key.key, outcome: 'conflict', status: 412, bytes: 0, error: 'the object changed in S3 while it was read' };
  let same: number | undefined;
  const transport = comparingTransport(env.transport ?? nodeTransport, digest, (bytes) => (same = bytes));
  const result = await fetchAndStore({ ...env, transport }, { key, precondition });
  // The body equalled the stored copy: its store was dropped before the commit.
  if (same !== undefined) return { ...result, outcome: 'unchanged', status: 200, bytes: same, error: undefined };
  return result;
}
