/**
 * Refresh of an object stored without validators: the origin's body is fetched whole and must replace the stored
 * copy only if its bytes differ. The core is given a transport whose 200 bodies are hashed on their way; a body that
 * ends with the stored copy's digest fails at its very end, so the core aborts the store before it commits (nothing
 * is written) and the caller reports `unchanged`.
 */
import { createHash } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import type { StoredDigest } from './stored-copy';
import type { OriginTransport, RawOriginResponse } from '../../handler/origin';

/** Ends a body that equals the stored copy, so that nothing is stored. */
export class SameBytesError extends Error {
  constructor() {
    super('the origin sent the bytes already stored');
    this.name = 'SameBytesError';
  }
}

/** A transport that hashes each 200 body of `inner` and fails it at its end when it equals `stored` (`onSame` gets its length). */
export function comparingTransport(inner: OriginTransport, stored: StoredDigest, onSame: (bytes: number) => void): OriginTransport {
  return async (url, headers, headersTimeoutMs, signal) => {
    const response = await inner(url, headers, headersTimeoutMs, signal);
    return response.status === 200 ? comparingBody(response, stored, onSame) : response;
  };
}

/** `response` with its body hashed on its way, failing at its end when it equals `stored` (`onSame` gets its length). */
export function comparingBody(response: RawOriginResponse, stored: StoredDigest, onSame: (bytes: number) => void): RawOriginResponse {
  const hash = createHash('sha256');
  let size = 0;
  const compare = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      if (size !== stored.size || hash.digest('hex') !== stored.sha256) return callback();
      onSame(size);
      callback(new SameBytesError());
    },
  });
  // Either side failing or being dropped ends the other (the socket is released).
  pipeline(response.body, compare, () => undefined);
  return { ...response, body: compare };
}
