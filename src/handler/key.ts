/**
 * The S3 key of a request: exactly the key S3 looks up when CloudFront
 * forwards the same viewer request to the bucket (S3 percent-decodes the raw
 * path once, reading a raw `+` as a space), prefixed by `keyPrefix`; and the
 * path the origin is asked for, which keeps the viewer's raw `+`. Pure.
 */
import { encodePathSegment } from './origin-url';
import { LONE_SURROGATE } from '../config';

/** Longest key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** A key derived from a request path, or why there is none. */
export type KeyResult =
  | {
    readonly ok: true;
    /** The S3 key: `keyPrefix` + the decoded path without its leading `/`. */
    readonly key: string;
    /** The decoded path without its leading `/` and without `keyPrefix`, a raw `+` kept as `+` (what the origin is asked for). */
    readonly path: string;
    /** `path` percent-encoded again, segment by segment, a raw `+` still raw: the origin URL's path (no leading `/`). */
    readonly originPath: string;
  }
  | {
    readonly ok: false;
    /** 400 for a path no key can come from, 414 for a key over 1,024 bytes. */
    readonly status: 400 | 414;
    /** Why, in a few words (for the viewer and the log). */
    readonly reason: string;
  };

// `ignoreBOM` keeps a leading U+FEFF: it is part of the key, not a byte-order mark.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const CONTROL = /\p{Cc}/u;
const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Derives the key from a function URL event's `rawPath` (still percent-encoded,
 * as the viewer sent it through CloudFront).
 */
export function keyFromRawPath(rawPath: string, keyPrefix: string): KeyResult {
  if (!rawPath.startsWith('/')) return reject(400, 'the path must start with "/"');
  // A raw `+` is a space to S3 but usually itself to the origin: decode the pieces between them on their own.
  const pieces: string[] = [];
  for (const raw of rawPath.slice(1).split('+')) {
    const bytes = percentDecode(raw);
    if (!bytes) return reject(400, 'invalid percent-encoding in the path');
    try {
      pieces.push(UTF8.decode(bytes));
    } catch {
      return reject(400, 'the path is not valid UTF-8');
    }
  }
  const path = pieces.join('+');
  // The root is CloudFront's defaultRootObject; an empty key (or the bare prefix) is never an object.
  if (path === '') return reject(400, 'the path names no object');
  if (CONTROL.test(path)) return reject(400, 'the path contains NUL or control characters');
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
    return reject(400, 'the path contains "." or ".." segments');
  }
  const key = keyPrefix + pieces.join(' ');
  const tooLong = keyTooLong(key);
  if (tooLong) return tooLong;
  const originPath = pieces.map((piece) => piece.split('/').map(encodePathSegment).join('/')).join('+');
  return { ok: true, key, path, originPath };
}

/** The 414 refusal for a key over S3's 1,024 bytes, or undefined. */
export function keyTooLong(key: string): Extract<KeyResult, { ok: false }> | undefined {
  const size = Buffer.byteLength(key, 'utf8');
  return size > MAX_KEY_BYTES ? reject(414, `the key is ${size} bytes, more than ${MAX_KEY_BYTES}`) : undefined;
}

/** The bytes `text` stands for, or undefined when a `%` escape is malformed or a character cannot be encoded. */
function percentDecode(text: string): Buffer | undefined {
  if (LONE_SURROGATE.test(text)) return undefined;
  const parts: Buffer[] = [];
  let plainFrom = 0;
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i)) {
    const hex = text.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return undefined;
    parts.push(Buffer.from(text.slice(plainFrom, i), 'utf8'), Buffer.from([parseInt(hex, 16)]));
    i += 3;
    plainFrom = i;
  }
  parts.push(Buffer.from(text.slice(plainFrom), 'utf8'));
  return Buffer.concat(parts);
}

function reject(status: 400 | 414, reason: string): Extract<KeyResult, { ok: false }> {
  return { ok: false, status, reason };
}
