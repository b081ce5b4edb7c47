/**
 * The `aws-chunked` content encoding, decoded as S3 decodes it: what the AWS
 * SDK sends for a streamed body whose checksum it computes on the way
 * (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, or signed chunks): each chunk is
 * `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n`, a zero-size chunk ends the
 * data, then trailer lines (`x-amz-checksum-crc32:<base64>`) and an empty line.
 * s3rver alone would store the framing as the object.
 */
import { Transform, TransformCallback } from 'node:stream';

/** The framing was broken or ended early (S3 answers 400 IncompleteBody or InvalidRequest). */
export class AwsChunkedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsChunkedError';
  }
}

/** Longest line of framing (a size with its chunk signature, or a trailer) before the decoder gives up. */
const MAX_LINE = 4096;

/** Passes the data of an `aws-chunked` body on; `trailers` holds the trailer lines once it ended. */
export class AwsChunkedDecoder extends Transform {
  /** Trailer headers, lower-case names (complete once the stream has ended). */
  public readonly trailers: Record<string, string> = {};
  /** Data bytes passed on. */
  public decodedLength = 0;
  private state: 'size' | 'data' | 'data-end' | 'trailers' | 'done' = 'size';
  private line = '';
  private left = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let at = 0;
      while (at < chunk.length) {
        if (this.state === 'data') {
          const piece = chunk.subarray(at, at + this.left);
          this.push(piece);
          this.decodedLength += piece.length;
          this.left -= piece.length;
          at += piece.length;
          if (this.left === 0) this.state = 'data-end';
          continue;
        }
        if (this.state === 'done') throw new AwsChunkedError('bytes after the end of an aws-chunked body');
        const end = chunk.indexOf(0x0a, at);
        this.line += chunk.toString('latin1', at, end < 0 ? chunk.length : end + 1);
        at = end < 0 ? chunk.length : end + 1;
        if (this.line.length > MAX_LINE) throw new AwsChunkedError('an aws-chunked line that never ends');
        if (end >= 0) this.onLine(this.line.replace(/\r?\n$/, ''));
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === 'done' ? null : new AwsChunkedError('the aws-chunked body ended before its last chunk'));
  }

  private onLine(text: string): void {
    this.line = '';
    switch (this.state) {
      case 'size': {
        const size = /^([0-9a-fA-F]{1,16})(;.*)?$/.exec(text);
        if (!size) throw new AwsChunkedError(`not an aws-chunked chunk size: ${JSON.stringify(text.slice(0, 40))}`);
        this.left = parseInt(size[1], 16);
        this.state = this.left === 0 ? 'trailers' : 'data';
        return;
      }
      case 'data-end':
        if (text !== '') throw new AwsChunkedError('an aws-chunked chunk longer than its size');
        this.state = 'size';
        return;
      case 'trailers': {
        if (text === '') {
          this.state = 'done';
          return;
        }
        const colon = text.indexOf(':');
        if (colon <= 0) throw new AwsChunkedError(`not a trailer: ${JSON.stringify(text.slice(0, 40))}`);
        this.trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
        return;
      }
      default:
        throw new AwsChunkedError(`unexpected framing in state ${this.state}`);
    }
  }
}

/** Whether a request body is sent `aws-chunked` (its Content-Encoding says so, or its payload hash is a streaming one). */
export function isAwsChunked(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const encoding = String(headers['content-encoding'] ?? '').toLowerCase();
  const payload = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((coding) => coding.trim() === 'aws-chunked') || payload.startsWith('STREAMING-');
}
