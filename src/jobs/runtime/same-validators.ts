/**
 * Refresh of an object stored with the origin's validators, against an origin that ignores conditional requests:
 * a 200 whose validators equal the stored ones must not rewrite the object (and invalidate it). A strong ETag equal
 * to the stored one means the same bytes (RFC 9110 §8.8.3): the body is dropped unread and nothing is stored. An
 * equal Last-Modified alone (or an equal weak ETag) does not: the body is compared with the stored copy, as for an
 * object stored without validators, and stored only if it differs.
 */
import { Readable } from 'node:stream';
import { comparingBody } from './same-bytes';
import type { StoredDigest } from './stored-copy';
import type { OriginValidators } from '../../handler/fetch-store';
import { discardBody, OriginTransport, RawOriginResponse } from '../../handler/origin';

/** How a 200's validators compare with the stored copy's. */
export type ValidatorMatch = 'same-bytes' | 'compare-bytes' | 'changed';

/** What the transport tells its caller. */
export interface SameValidatorsHooks {
  /** The stored copy's digest, read only when a body must be compared (`changed`: S3 holds another version by now). */
  readonly storedDigest: () => Promise<StoredDigest | 'changed'>;
  /** A 200 carried the stored strong ETag: its body was dropped unread. */
  readonly onSameETag: () => void;
  /** A compared body equalled the stored copy (its length). */
  readonly onSameBytes: (bytes: number) => void;
}

/**
 * A transport whose 200s are checked against `stored`: same strong ETag → answered as a 304 (no body, so the core
 * stores nothing); same Last-Modified or weak ETag → the body compared on its way; other validators → unchanged.
 */
export function sameValidatorsTransport(inner: OriginTransport, stored: OriginValidators, hooks: SameValidatorsHooks): OriginTransport {
  return async (url, headers, headersTimeoutMs, signal) => {
    const response = await inner(url, headers, headersTimeoutMs, signal);
    if (response.status !== 200) return response;
    const match = validatorMatch(stored, header(response, 'etag'), header(response, 'last-modified'));
    if (match === 'same-bytes') {
      discardBody(response.body);
      hooks.onSameETag();
      // The verdict of a revalidated copy: `unchanged`, nothing stored.
      return { status: 304, headers: { etag: header(response, 'etag') }, body: Readable.from([]) };
    }
    if (match === 'changed') return response;
    const digest = await hooks.storedDigest().catch((err: unknown) => {
      discardBody(response.body);
      throw err;
    });
    // Another version by now: the store's If-Match loses, `conflict`.
    return digest === 'changed' ? response : comparingBody(response, digest, hooks.onSameBytes);
  };
}

/** Compares a 200's ETag and Last-Modified with the stored copy's. */
export function validatorMatch(stored: OriginValidators, etag: string | undefined, lastModified: string | undefined): ValidatorMatch {
  if (stored.etag !== undefined && etag !== undefined) {
    if (opaque(stored.etag) !== opaque(etag)) return 'changed';
    return isWeak(stored.etag) || isWeak(etag) ? 'compare-bytes' : 'same-bytes';
  }
  const storedTime = stored.lastModified === undefined ? NaN : Date.parse(stored.lastModified);
  const time = lastModified === undefined ? NaN : Date.parse(lastModified);
  return !Number.isNaN(time) && time === storedTime ? 'compare-bytes' : 'changed';
}

function isWeak(etag: string): boolean {
  return etag.trim().startsWith('W/');
}

function opaque(etag: string): string {
  return etag.trim().replace(/^W\//, '');
}

function header(response: RawOriginResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
