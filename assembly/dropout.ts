// Inverted dropout with a counter-based RNG: the keep mask is a pure function of (seed, index), so the
// wasm kernel and its TS twin draw the same mask bit for bit and a run replays from its seed.
// mask holds the multiplier itself (0 or 1/(1-rate)); backward multiplies by it.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

/** lowbias32 (C. Wellons): a well-mixed 32-bit hash of the element index and the call's seed. */
@inline function hash(seed: u32, i: u32): u32 {
  let x = i * 0x9e3779b9 + seed;
  x ^= x >>> 16;
  x *= 0x7feb352d;
  x ^= x >>> 15;
  x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

/**
 * Drops each value with probability rate, scales the kept ones by 1/(1-rate). // out, mask, inp (n)
 * Element i draws hash(seed, first + i): a shard of a batch starting `first` elements in draws the same
 * mask as the whole batch does there (data-parallel training).
 */
export function dropoutForward(out: usize, mask: usize, inp: usize, n: i32, rate: f32, seed: u32, first: u32): void {
  const threshold = <u32>(<f64>rate * 4294967296.0);
  const keep: f32 = <f32>1 / (<f32>1 - rate);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const m: f32 = hash(seed, first + <u32>i) < threshold ? 0 : keep;
    store<f32>(mask + o, m);
    store<f32>(out + o, load<f32>(inp + o) * m);
  }
}

/** dinp = dout * mask. // dinp, dout, mask (n) */
export function dropoutBackward(dinp: usize, dout: usize, mask: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dout + o) * load<f32>(mask + o));
  }
}
