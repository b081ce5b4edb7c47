/**
 * The mirror key of a job item, by the mirror's own key rules (`requestKeyFromRawPath`, never a second copy): a
 * path is decoded as the handler decodes a viewer's, with the variant parameters folded in by the same code as the
 * CloudFront Function; a raw key is first turned into the path that decodes to it, then run through the same rules
 * and must come out unchanged. A listed key another mirror serves (or owns, on a shared bucket) is skipped. Pure.
 */
import { requestKeyFromRawPath, RequestKeyResult } from '../../handler/variant-key';
import { variantUri } from '../../variant/rules';
import { FunctionRequest, viewerRequest } from '../../variant/viewer-request';
import type { KeySpace, ServedRoutes } from '../config';
import type { ItemSource, InventoryItem, JobBatch, LineItem, ListingItem } from '../protocol';
import { servesPath } from '../served-paths';

/** A key the core can mirror. */
export type MirrorKey = Extract<RequestKeyResult, { ok: true }>;

/** What an item names. */
export type ItemKey =
  | { readonly kind: 'key'; readonly key: MirrorKey }
  | { readonly kind: 'rejected'; readonly status: 400 | 414; readonly reason: string; readonly input: string }
  /** A listed key of the shared bucket that another mirror serves: not this run's. */
  | { readonly kind: 'skipped'; readonly input: string };

/** The mirror's rules an item is read with. */
export interface KeyRules {
  readonly keyPrefix: string;
  readonly variantQueryStrings: readonly string[];
  /** Where the mirror is served (a listing is filtered by it). */
  readonly served: readonly ServedRoutes[];
  /** The other mirrors storing into the same bucket: a listed key one of them owns is never this mirror's. */
  readonly others: readonly KeySpace[];
}

type Item = JobBatch['Items'][number];

/** The key `item` names, read as its `source` says. */
export function itemKey(item: Item, source: ItemSource, rules: KeyRules, stripPrefix = ''): ItemKey {
  switch (source) {
    case 'paths': {
      const line = item as LineItem;
      return line.invalid ? rejected(line.text, line.invalid) : keyOfPath(line.text, rules);
    }
    case 'keys': {
      const line = item as LineItem;
      return line.invalid ? rejected(line.text, line.invalid) : keyOfRawKey(line.text, rules, stripPrefix);
    }
    case 'inventory': {
      const row = item as InventoryItem;
      const decoded = decodeInventoryKey(String(row.Key));
      return decoded === undefined ? rejected(String(row.Key), 'the inventory key is not valid URL encoding') : keyOfRawKey(decoded, rules, stripPrefix);
    }
    case 'report': {
      const line = item as LineItem;
      if (line.invalid) return rejected(line.text, line.invalid);
      // A rejected row holds the input as given, not a key: it is rejected again, never read as one.
      if (line.previous === 'rejected') return rejected(line.text, 'rejected in the run this report comes from');
      return keyOfStoredKey(line.text, rules);
    }
    case 'listing': {
      const key = String((item as ListingItem).Key);
      if (!key.startsWith(rules.keyPrefix)) return { kind: 'skipped', input: key };
      const found = keyOfStoredKey(key, rules);
      const viewerPath = found.kind === 'key' ? found.key.viewerPath : rawPathOfKey(key.slice(rules.keyPrefix.length), rules.variantQueryStrings);
      const mine = viewerPath !== undefined && servesPath(rules.served, viewerPath) && !rules.others.some((other) => ownsKey(other, key));
      return mine ? found : { kind: 'skipped', input: key };
    }
    default:
      return rejected(JSON.stringify(item).slice(0, 256), `unknown item source "${String(source)}"`);
  }
}

/** A viewer's path (percent-encoded, its query string kept for variants), read as the handler reads a request. */
export function keyOfPath(line: string, rules: KeyRules): ItemKey {
  const at = line.indexOf('?');
  const path = at < 0 ? line : line.slice(0, at);
  let rawPath = path;
  if (rules.variantQueryStrings.length > 0) {
    // The CloudFront Function's own code folds the listed parameters into the path.
    const folded = viewerRequest({ request: { uri: path, querystring: queryParameters(at < 0 ? '' : line.slice(at + 1)) } }, rules.variantQueryStrings);
    if ('statusCode' in folded) return rejected(line, 'the variant parameters make no key (the CloudFront Function answers 400)');
    rawPath = (folded as FunctionRequest).uri;
  }
  return fromRawPath(line, rawPath, rules);
}

/** A raw key as the old provider lists it (relative to the endpoint, after `stripPrefix`). */
export function keyOfRawKey(raw: string, rules: KeyRules, stripPrefix = ''): ItemKey {
  if (!raw.startsWith(stripPrefix)) return rejected(raw, `the key does not start with stripPrefix "${stripPrefix}"`);
  return keyOfRelativeKey(raw, raw.slice(stripPrefix.length), rules);
}

/** A key of the mirror's bucket (keyPrefix included), as a listing or a report holds it. */
export function keyOfStoredKey(key: string, rules: KeyRules): ItemKey {
  if (!key.startsWith(rules.keyPrefix)) return rejected(key, `the key is not under the mirror's keyPrefix "${rules.keyPrefix}"`);
  return keyOfRelativeKey(key, key.slice(rules.keyPrefix.length), rules);
}

/** The path that decodes to `key` (without keyPrefix): each segment encoded, a variant's query as the function writes it. */
export function rawPathOfKey(key: string, variantQueryStrings: readonly string[]): string | undefined {
  const at = variantQueryStrings.length > 0 ? key.indexOf('?') : -1;
  try {
    const path = `/${(at < 0 ? key : key.slice(0, at)).split('/').map(encodeURIComponent).join('/')}`;
    return at < 0 ? path : variantUri(path, key.slice(at + 1));
  } catch {
    // A lone surrogate has no UTF-8.
    return undefined;
  }
}

/**
 * Whether another mirror owns the stored `key`: it is under that mirror's keyPrefix and the path it came from is one
 * that mirror serves (`l/legacy/a.png` is the `/legacy/*` mirror's with keyPrefix `l/`, whatever the default mirror serves).
 */
export function ownsKey(space: KeySpace, key: string): boolean {
  if (!key.startsWith(space.keyPrefix)) return false;
  const relative = key.slice(space.keyPrefix.length);
  // CloudFront picks the behaviour by the viewer's path: a variant's query is not part of it.
  const at = space.variantQueryStrings.length > 0 ? relative.indexOf('?') : -1;
  const viewerPath = rawPathOfKey(at < 0 ? relative : relative.slice(0, at), []);
  return viewerPath !== undefined && servesPath(space.served, viewerPath);
}

/** Decodes an S3 Inventory key: URL-encoded as a form value (`+` for a space). */
export function decodeInventoryKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function keyOfRelativeKey(input: string, relative: string, rules: KeyRules): ItemKey {
  const rawPath = rawPathOfKey(relative, rules.variantQueryStrings);
  if (rawPath === undefined) return rejected(input, 'the key is not valid Unicode');
  const found = fromRawPath(input, rawPath, rules);
  // The rules may refuse a key, never change it: a changed key would be another object.
  if (found.kind === 'key' && found.key.key !== rules.keyPrefix + relative) return rejected(input, 'the key rules would store it under another key');
  return found;
}

function fromRawPath(input: string, rawPath: string, rules: KeyRules): ItemKey {
  const key = requestKeyFromRawPath(rawPath, rules.keyPrefix, rules.variantQueryStrings);
  return key.ok ? { kind: 'key', key } : { kind: 'rejected', status: key.status, reason: key.reason, input };
}

/** A raw query string as CloudFront hands it to a function: values still encoded, repeated names with every value. */
function queryParameters(query: string): FunctionRequest['querystring'] {
  const parameters: FunctionRequest['querystring'] = {};
  for (const part of query === '' ? [] : query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const existing = parameters[name];
    const multiValue = [...(existing?.multiValue ?? (existing ? [{ value: existing.value }] : [])), { value }];
    parameters[name] = existing ? { value: existing.value, multiValue } : { value };
  }
  return parameters;
}

function rejected(input: string, reason: string): ItemKey {
  return { kind: 'rejected', status: 400, reason, input };
}
