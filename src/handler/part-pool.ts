/**
 * The part buffers of one upload, reused: at most `capacity` buffers, handed
 * out while parts fill and given back once S3 has a part. `@aws-sdk/lib-storage`
 * allocates and copies a fresh buffer per part; that garbage is only collected
 * every ~64 MiB of external memory, which alone broke the flat-memory target
 * (`npx projen bench`).
 */
export class PartPool {
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    /** Bytes per buffer. */
    private readonly partSize: number,
    /** Most buffers ever allocated. */
    private readonly capacity: number,
  ) {}

  /** A free buffer, a new one while the pool is not full, or none (wait with `next()`). */
  take(): Buffer | undefined {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    if (this.allocated >= this.capacity) return undefined;
    this.allocated++;
    // Untouched pages of a part not filled yet cost no memory.
    return Buffer.allocUnsafeSlow(this.partSize);
  }

  /** Takes `buffer` back (its part is in S3, or failed) and wakes whoever waits. */
  give(buffer: Buffer): void {
    this.free.push(buffer);
    this.wake();
  }

  /** Resolves at the next `give()` or `wake()`. */
  next(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Wakes every waiter (a buffer came back, or the upload failed and nobody should wait any more). */
  wake(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }
}
