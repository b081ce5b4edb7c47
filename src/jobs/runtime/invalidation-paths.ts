/**
 * The viewer paths of a key, as CloudFront caches them: the key without keyPrefix, re-encoded; for a variant, both
 * the URI the viewer asks for and the URI after the CloudFront Function folded its query into the path. Pure.
 */
import type { MirrorKey } from './item-keys';
import { variantUri } from '../../variant/rules';

// An invalidation path ending in `*` is a wildcard: a literal `*` must not be read as one.
const STAR = /\*/g;

/** The paths to invalidate when the object under `key` changed. */
export function invalidationPaths(key: MirrorKey): string[] {
  const path = `/${key.originPath}`.replace(STAR, '%2A');
  if (!key.query) return [path];
  return [`${path}?${key.query}`, variantUri(path, key.query)];
}
