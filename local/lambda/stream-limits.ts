/**
 * The limits Lambda puts on a streamed function URL response: the first
 * `burstBytes` go out at full speed, the rest at most `bytesPerSecond`; past
 * `maxBytes` the stream fails.
 */
import { Transform, TransformCallback } from 'node:stream';

/** Lambda's streamed-response limits. */
export interface StreamLimitOptions {
  /** The stream fails past this many bytes (Lambda: 200 MB). */
  readonly maxBytes: number;
  /** Bytes sent uncapped first (Lambda: 6 MB). */
  readonly burstBytes: number;
  /** The cap after the burst; undefined: no cap. */
  readonly bytesPerSecond?: number;
}

/** Passes bytes through under Lambda's streamed-response limits. */
export class StreamLimits extends Transform {
  /** Bytes passed so far. */
  public bytes = 0;
  private capStartedAt?: number;
  private cappedBytes = 0;

  constructor(private readonly limits: StreamLimitOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.bytes + chunk.length > this.limits.maxBytes) {
      const allowed = this.limits.maxBytes - this.bytes;
      if (allowed > 0) this.push(chunk.subarray(0, allowed));
      this.bytes = this.limits.maxBytes;
      callback(new Error(`the response stream exceeded ${this.limits.maxBytes} bytes`));
      return;
    }
    const uncapped = Math.max(0, Math.min(chunk.length, this.limits.burstBytes - this.bytes));
    this.bytes += chunk.length;
    const rate = this.limits.bytesPerSecond;
    if (rate === undefined || uncapped === chunk.length) {
      this.push(chunk);
      callback();
      return;
    }
    const now = Date.now();
    this.capStartedAt ??= now;
    this.cappedBytes += chunk.length - uncapped;
    const wait = this.capStartedAt + (this.cappedBytes / rate) * 1000 - now;
    if (wait <= 0) {
      this.push(chunk);
      callback();
      return;
    }
    setTimeout(() => {
      this.push(chunk);
      callback();
    }, wait);
  }
}
