/**
 * The key of a request when `variantQueryStrings` lists parameters (DESIGN.md, "Key"): the CloudFront
 * Function appended `%3F` and the variant's canonical query to the path, so the part before it is the
 * object's path (every rule of `keyFromRawPath` applies), the query is fetched from the origin as it is,
 * and the object is stored under `<key>?<query>`, the key S3 looks up. Without listed parameters this is
 * `keyFromRawPath`, nothing more. Pure.
 */
import { KeyResult, keyFromRawPath, keyTooLong } from './key';
import { checkVariantQuery, VARIANT_SEPARATOR } from '../variant/rules';

/** A request's key, with its variant, or why there is none. */
export type RequestKeyResult =
  | (Extract<KeyResult, { ok: true }> & {
    /** The variant's canonical query, sent to the origin ('' for the plain object). */
    readonly query: string;
    /** The raw path of the object without the variant (what a viewer puts before `?`). */
    readonly viewerPath: string;
  })
  | Extract<KeyResult, { ok: false }>;

// The function refuses paths that hold `%3F`, so the first one is the separator it wrote.
const ENCODED_SEPARATOR = /%3f/i;

/** The key of a function URL event's `rawPath`, with the variant the CloudFront Function folded into it. */
export function requestKeyFromRawPath(rawPath: string, keyPrefix: string, listed: readonly string[]): RequestKeyResult {
  const at = listed.length === 0 ? -1 : rawPath.search(ENCODED_SEPARATOR);
  const viewerPath = at < 0 ? rawPath : rawPath.slice(0, at);
  const plain = keyFromRawPath(viewerPath, keyPrefix);
  if (!plain.ok) return plain;
  if (at < 0) return { ...plain, query: '', viewerPath };

  let query: string;
  try {
    query = decodeURIComponent(rawPath.slice(at + 3));
  } catch {
    return { ok: false, status: 400, reason: 'invalid percent-encoding in the variant' };
  }
  const checked = checkVariantQuery(query, listed);
  if (!checked.ok) return { ok: false, status: 400, reason: checked.reason };
  const key = plain.key + VARIANT_SEPARATOR + query;
  const tooLong = keyTooLong(key);
  if (tooLong) return tooLong;
  return { ok: true, key, path: plain.path, originPath: plain.originPath, query, viewerPath };
}
