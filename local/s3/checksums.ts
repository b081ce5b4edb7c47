/**
 * S3's upload checksums, for s3rver (which knows none): a body sent
 * `aws-chunked` is decoded (see aws-chunked.ts) and its headers read as S3
 * reads them; the checksum a write names (`x-amz-checksum-<algorithm>`, as a
 * header or a trailer) is computed over the bytes and compared before anything
 * is kept (400 BadDigest otherwise), and S3's own value is returned on the
 * response. Each request's checksum is reported, so tests can assert what the
 * SDK sent.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { AwsChunkedDecoder, isAwsChunked } from './aws-chunked';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error');

/** The checksums the stand-in checks, by the name in `x-amz-checksum-<name>` (others, CRC32C and CRC64NVME, are reported unchecked). */
export type ChecksumName = 'crc32' | 'sha1' | 'sha256';

/** What one request said about its checksum, and what the stand-in found. */
export interface ChecksumReport {
  /** `x-amz-checksum-algorithm` (CreateMultipartUpload) or `x-amz-sdk-checksum-algorithm` (a write), upper case as sent. */
  algorithm?: string;
  /** The value the request named (header or trailer), base64. */
  value?: string;
  /** Whether the value came in the trailer of an `aws-chunked` body. */
  trailer?: boolean;
  /** Whether the body was sent `aws-chunked`. */
  chunked?: boolean;
  /** Whether the value matched the bytes received (undefined: nothing to check, or an algorithm not checked here). */
  verified?: boolean;
}

interface Context {
  readonly report: ChecksumReport;
  readonly res: ServerResponse;
  /** The declared length of the decoded body (`x-amz-decoded-content-length`). */
  readonly decodedLength?: number;
}

const context = new AsyncLocalStorage<Context>();

/**
 * Runs `serve` (s3rver's handler for `req`) with `req`'s checksum in view of the store. An `aws-chunked` body's
 * headers are rewritten first, as S3 reads them: its decoded length, its Content-Encoding without `aws-chunked`.
 */
export function withRequestChecksums<T>(req: IncomingMessage, res: ServerResponse, report: ChecksumReport, serve: () => T): T {
  const headers = req.headers;
  const algorithm = headers['x-amz-checksum-algorithm'] ?? headers['x-amz-sdk-checksum-algorithm'];
  if (typeof algorithm === 'string') report.algorithm = algorithm;
  const named = Object.keys(headers).find((name) => /^x-amz-checksum-(crc32|crc32c|sha1|sha256|crc64nvme)$/.test(name));
  if (named) {
    report.value = String(headers[named]);
    report.algorithm ??= named.slice('x-amz-checksum-'.length).toUpperCase();
  }
  let decodedLength: number | undefined;
  if (isAwsChunked(headers)) {
    report.chunked = true;
    decodedLength = Number(headers['x-amz-decoded-content-length']);
    const codings = String(headers['content-encoding'] ?? '').split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'aws-chunked');
    if (codings.length > 0) headers['content-encoding'] = codings.join(',');
    else delete headers['content-encoding'];
    if (Number.isSafeInteger(decodedLength)) headers['content-length'] = String(decodedLength);
  }
  // Only a PUT's body is the object (or part): a POST's is XML (CompleteMultipartUpload), whatever checksum it carries.
  if (req.method !== 'PUT') return serve();
  return context.run({ report, res, decodedLength }, serve);
}

/**
 * The stages a stored body goes through first (none outside a write): the `aws-chunked` decoder, then a check of
 * the named checksum. They fail the write with S3's error before anything is kept.
 */
export function checksumStages(): Transform[] {
  const current = context.getStore();
  if (!current) return [];
  const stages: Transform[] = [];
  const decoder = current.report.chunked ? new AwsChunkedDecoder() : undefined;
  if (decoder) stages.push(decoder);
  stages.push(new ChecksumCheck(current, decoder));
  return stages;
}

/** Computes the checksum the request named over the decoded bytes and compares it at the end. */
class ChecksumCheck extends Transform {
  private readonly hashes = new Map<ChecksumName, Hasher>();
  private length = 0;

  constructor(private readonly current: Context, private readonly decoder?: AwsChunkedDecoder) {
    super();
    // A trailer's name is only known at the end: every algorithm runs.
    for (const name of ['crc32', 'sha1', 'sha256'] as const) this.hashes.set(name, hasher(name));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.length += chunk.length;
    for (const hash of this.hashes.values()) hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { report, res, decodedLength } = this.current;
    if (this.decoder) {
      const trailer = Object.entries(this.decoder.trailers).find(([name]) => name.startsWith('x-amz-checksum-'));
      if (trailer) {
        report.value = trailer[1];
        report.trailer = true;
      }
      if (decodedLength !== undefined && decodedLength !== this.length) {
        return callback(new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header'));
      }
    }
    const name = expectedName(report, this.decoder);
    if (name === undefined || report.value === undefined) return callback();
    const hash = this.hashes.get(name);
    if (!hash) return callback();
    const computed = hash.digest();
    report.verified = computed === report.value;
    if (!report.verified) {
      return callback(new S3Error('BadDigest', `The ${name.toUpperCase()} you specified did not match the calculated checksum.`));
    }
    // S3 returns its checksum of what it stored.
    if (!res.headersSent) res.setHeader(`x-amz-checksum-${name}`, computed);
    callback();
  }
}

/** The algorithm whose value the request carries (header, or trailer named by `x-amz-trailer`). */
function expectedName(report: ChecksumReport, decoder?: AwsChunkedDecoder): ChecksumName | undefined {
  const fromTrailer = decoder && Object.keys(decoder.trailers).find((name) => name.startsWith('x-amz-checksum-'));
  const fromAlgorithm = report.algorithm?.toLowerCase();
  const name = fromTrailer ? fromTrailer.slice('x-amz-checksum-'.length) : fromAlgorithm;
  return name === 'crc32' || name === 'sha1' || name === 'sha256' ? name : undefined;
}

interface Hasher {
  update(chunk: Buffer): void;
  /** Base64 of the big-endian digest, as in the header. */
  digest(): string;
}

function hasher(name: ChecksumName): Hasher {
  if (name === 'sha1' || name === 'sha256') {
    const hash = createHash(name);
    return { update: (chunk) => hash.update(chunk), digest: () => hash.digest('base64') };
  }
  let crc = 0;
  return {
    update: (chunk) => (crc = zlib.crc32(chunk, crc)),
    digest: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc);
      return out.toString('base64');
    },
  };
}
