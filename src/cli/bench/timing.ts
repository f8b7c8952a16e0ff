/**
 * Timing helpers for the benchmarks. Absolute times on shared 2-core machines are noisy, so each figure
 * is the best of several timed batches of repetitions, and what we track is the wasm/js ratio measured
 * in one run.
 */

/** Seconds per call of `fn`: best of `rounds` rounds, each running for about `minSeconds`. */
export function timePerCall(fn: () => void, minSeconds = 0.15, rounds = 5): number {
  fn(); // warm-up (JIT tiers, first-touch of memory)
  let reps = 1;
  // Grow the repetition count until one round takes long enough to time reliably.
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= minSeconds / 4 || reps >= 1 << 20) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}

/** Deterministic fill in [-1, 1) so runs are comparable. */
export function fillRandom(a: Float32Array, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
}

