/**
 * The guard between the origin's body and everything downstream: it counts
 * bytes and fails the stream (so the S3 upload aborts and nothing is stored)
 * before it ends when the body is shorter or longer than declared, or larger
 * than the largest object the mirror takes.
 */
import { Transform, TransformCallback } from 'node:stream';

/** Why a body was refused. */
export type LengthProblem = 'truncated' | 'too-long' | 'too-large';

/** The error a guarded stream fails with. */
export class BodyLengthError extends Error {
  constructor(
    /** What was wrong. */
    public readonly problem: LengthProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BodyLengthError';
  }
}

/** Limits a guarded body must meet. */
export interface LengthGuardOptions {
  /** The origin's Content-Length, when it sent one. */
  readonly declaredLength?: number;
  /** Largest body accepted. */
  readonly maxBytes: number;
}

/** A pass-through Transform that fails on a Content-Length mismatch or an oversize body. */
export class LengthGuard extends Transform {
  /** Bytes that went through so far. */
  public bytes = 0;

  constructor(private readonly options: LengthGuardOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const { declaredLength, maxBytes } = this.options;
    if (declaredLength !== undefined && this.bytes > declaredLength) {
      return callback(new BodyLengthError('too-long', `the origin sent more than the ${declaredLength} bytes it declared`));
    }
    if (this.bytes > maxBytes) {
      return callback(new BodyLengthError('too-large', `the object is larger than the maximum of ${maxBytes} bytes`));
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { declaredLength } = this.options;
    if (declaredLength !== undefined && this.bytes !== declaredLength) {
      return callback(new BodyLengthError('truncated', `the origin sent ${this.bytes} of the ${declaredLength} bytes it declared`));
    }
    callback();
  }
}
