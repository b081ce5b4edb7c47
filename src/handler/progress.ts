/**
 * A holder's progress, for its heartbeat (single-flight.ts): bytes received
 * from the origin or written to S3, and whether it is waiting for the
 * origin's answer within its timeout. A holder that does neither between two
 * beats is stalled: it stops renewing its lease, and a waiter takes over.
 */
export class HolderProgress {
  private bytes = 0;
  private bytesAtBeat = 0;
  private waiting?: { readonly since: number; readonly limitMs: number };

  constructor(
    /** Milliseconds clock (the request's). */
    private readonly clock: () => number,
  ) {}

  /** Bytes received from the origin, or written to S3. */
  moved(bytes: number): void {
    this.bytes += bytes;
  }

  /** A request to the origin was sent (or a redirect followed): its answer may take `limitMs`. */
  waitForOrigin(limitMs: number): void {
    this.waiting = { since: this.clock(), limitMs };
  }

  /** The origin answered, or the request to it failed. */
  originAnswered(): void {
    this.waiting = undefined;
  }

  /**
   * Whether the holder progressed since the last call: bytes moved, or still waiting for the origin's answer within
   * its timeout (a slow origin is not a stalled holder, and a second fetch would not make it faster).
   */
  advanced(): boolean {
    const moved = this.bytes !== this.bytesAtBeat;
    this.bytesAtBeat = this.bytes;
    return moved || (this.waiting !== undefined && this.clock() - this.waiting.since <= this.waiting.limitMs);
  }
}
