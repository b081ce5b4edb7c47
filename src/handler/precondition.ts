/**
 * The condition a store commits under, on PutObject and CompleteMultipartUpload
 * alike: `If-None-Match: *` (create: never clobber an object that got there
 * first) or `If-Match: <S3 ETag>` (replace: only the version that was
 * checked); and how S3 says it did not hold. Pure.
 */

/** Create only (the viewer path and prewarm), or replace exactly the version with this S3 ETag (refresh). */
export type StorePrecondition = { readonly ifNoneMatch: '*' } | { readonly ifMatch: string };

/** The default: the key must not exist yet. */
export const CREATE_ONLY: StorePrecondition = { ifNoneMatch: '*' };

/** Whether `precondition` replaces an existing version (If-Match) rather than creating the key. */
export function isReplace(precondition: StorePrecondition): precondition is { readonly ifMatch: string } {
  return 'ifMatch' in precondition;
}

/** The SDK parameters of `precondition`, for PutObject and CompleteMultipartUpload. */
export function conditionParams(precondition: StorePrecondition): { IfNoneMatch?: string; IfMatch?: string } {
  return isReplace(precondition) ? { IfMatch: precondition.ifMatch } : { IfNoneMatch: precondition.ifNoneMatch };
}

/**
 * Whether S3 refused the write because its condition did not hold: 412 PreconditionFailed; 409 a conflicting
 * conditional write of the key in flight; and, for If-Match, 404 NoSuchKey (the version checked is gone). A 404 that
 * names another missing thing (NoSuchBucket, NoSuchUpload) is a failed store, not a lost race.
 */
export function isPreconditionFailure(err: unknown, precondition: StorePrecondition): boolean {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  if (status === 412 || e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict') return true;
  if (!isReplace(precondition)) return false;
  return e?.name === 'NoSuchKey' || (status === 404 && e?.name !== 'NoSuchBucket' && e?.name !== 'NoSuchUpload');
}
