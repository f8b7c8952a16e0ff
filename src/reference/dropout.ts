/**
 * Twin of assembly/dropout.ts: inverted dropout whose keep mask is a pure function of (seed, index),
 * so both backends draw the same mask bit for bit.
 */
import type { Arr } from '../backend/kernels.js';

/** lowbias32 (C. Wellons), the same 32-bit hash as the wasm kernel. */
export function dropoutHash(seed: number, i: number): number {
  let x = (Math.imul(i, 0x9e3779b9) + seed) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Drops each value with probability rate, scales the kept ones by 1/(1-rate); mask keeps the multiplier.
 * Element i draws hash(seed, first + i) (a shard of a batch draws what the whole batch draws there).
 */
export function dropoutForward(out: Arr, mask: Arr, inp: Arr, n: number, rate: number, seed: number, first = 0): void {
  const r = Math.fround(rate);
  const threshold = Math.floor(r * 4294967296);
  const keep = Math.fround(1 / Math.fround(1 - r));
  const s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    const m = dropoutHash(s, (first + i) >>> 0) < threshold ? 0 : keep;
    mask[i] = m;
    out[i] = inp[i]! * m;
  }
}

/** dinp = dout * mask. */
export function dropoutBackward(dinp: Arr, dout: Arr, mask: Arr, n: number): void {
  for (let i = 0; i < n; i++) dinp[i] = dout[i]! * mask[i]!;
}
