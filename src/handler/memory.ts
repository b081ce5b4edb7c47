/**
 * Keeps the garbage of a large transfer from piling up. Every socket read
 * allocates a fresh buffer of up to 64 KiB; once copied into a part it is
 * garbage, but V8 frees it only at the next young-generation GC, which a byte
 * stream rarely triggers (its own JS allocations are tiny): tens of MiB of
 * dead read buffers can wait between two collections. A young-generation GC
 * after each part keeps that to about one part's worth, for well under a
 * millisecond per part.
 *
 * It uses the `gc` function the Lambda Node.js runtimes expose (their
 * bootstrap starts `node --expose-gc`). Where there is none, nothing happens:
 * the garbage is collected later anyway.
 */

type GcFunction = (options?: { readonly type?: 'major' | 'minor' }) => unknown;

/** Runs a young-generation GC if the runtime exposes `gc`; never throws. */
export function collectYoungGarbage(): void {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return;
  try {
    (gc as GcFunction)({ type: 'minor' });
  } catch {
    // Only an optimisation.
  }
}
