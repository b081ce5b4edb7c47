/**
 * Bodies of any size generated from a seed, never held in memory: 64 KiB
 * blocks, each the seed's base block with its index in the first four bytes,
 * so a misplaced or repeated part changes the hash.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** A body generated from a seed. */
export interface PatternBody {
  readonly size: number;
  readonly seed?: number;
}

const BLOCK = 64 * 1024;
/** Base blocks by seed: 64 KiB each, as many as seeds used (a benchmark or a load test uses tens to a hundred). */
const baseBlocks = new Map<number, Buffer>();

/**
 * Block 0 of the pattern for `seed`: a thousand SHA-512s (5–40 ms), computed once per seed, so that it is not
 * paid on every request (it would add a noisy constant to every first byte the benchmark measures).
 */
export function patternBase(seed = 0): Buffer {
  let base = baseBlocks.get(seed);
  if (base) return base;
  const pieces: Buffer[] = [];
  let digest = createHash('sha512').update(`pattern-${seed}`).digest();
  for (let filled = 0; filled < BLOCK; filled += digest.length) {
    pieces.push(digest);
    digest = createHash('sha512').update(digest).digest();
  }
  base = Buffer.concat(pieces).subarray(0, BLOCK);
  base.writeUInt32BE(0, 0);
  baseBlocks.set(seed, base);
  return base;
}

/** Block `index` of the pattern, cut to what is left of `size`. */
function patternBlock(base: Buffer, index: number, size: number): Buffer {
  const block = Buffer.from(base);
  block.writeUInt32BE(index % 0x100000000, 0);
  return block.subarray(0, Math.min(BLOCK, size - index * BLOCK));
}

/** The pattern body, 64 KiB at a time (synchronous: a server writes on until the socket pushes back). */
export function* patternChunks({ size, seed = 0 }: PatternBody): Generator<Buffer> {
  const base = patternBase(seed);
  for (let index = 0; index * BLOCK < size; index++) yield patternBlock(base, index, size);
}

/** The pattern body as a stream (64 KiB at a time, never all in memory). */
export function patternStream(body: PatternBody): Readable {
  return Readable.from(patternChunks(body));
}

/** The whole pattern body in memory (for small sizes). */
export function patternBuffer({ size, seed = 0 }: PatternBody): Buffer {
  const base = patternBase(seed);
  return Buffer.concat(Array.from({ length: Math.ceil(size / BLOCK) }, (_, index) => patternBlock(base, index, size)));
}

/** SHA-256 (hex) of the pattern body, computed as a stream. */
export async function patternSha256(body: PatternBody): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of patternStream(body)) hash.update(chunk);
  return hash.digest('hex');
}
