/**
 * Seeded random numbers for the data layer (shuffling, splits, distortions): mulberry32, small, fast and
 * reproducible across engines. Not for cryptography.
 */

/** A mulberry32 generator; `next()` is uniform in [0, 1). */
export class SeededRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Re-seeds in place (lets a hot loop reuse one generator instead of allocating per sample). */
  reseed(seed: number): void {
    this.s = seed >>> 0;
  }
}

/** Mixes integers into one 32-bit seed (e.g. seed, epoch, sample index), so streams do not overlap. */
export function mixSeed(a: number, b: number, c = 0): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ (b >>> 0), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ (c >>> 0), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A Fisher-Yates permutation of 0..n-1, written into `out` (allocated when omitted). */
export function permutation(n: number, seed: number, out: Uint32Array = new Uint32Array(n)): Uint32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  const rng = new SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
