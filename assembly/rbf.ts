// The output layer of LeNet-5 (paper §II-B, Eq. 7): Euclidean radial basis function units
// y_i = sum_j (x_j - w_ij)^2 over fixed prototypes w (the +1/-1 digit bitmaps), so only the input
// gets a gradient. inp (N, IN), proto (OUT, IN), out (N, OUT). dinp is overwritten.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

import { hsum } from './simd';

/** out[n, i] = sum_j (inp[n, j] - proto[i, j])^2. */
export function rbfForward(out: usize, inp: usize, proto: usize, N: i32, IN: i32, OUT: i32): void {
  for (let n = 0; n < N; n++) {
    const x = inp + ((<usize>(n * IN)) << 2);
    const y = out + ((<usize>(n * OUT)) << 2);
    for (let i = 0; i < OUT; i++) {
      const w = proto + ((<usize>(i * IN)) << 2);
      let acc = f32x4.splat(0);
      let tail: f32 = 0;
      let j = 0;
      for (; j + 4 <= IN; j += 4) {
        const o = (<usize>j) << 2;
        const d = f32x4.sub(v128.load(x + o), v128.load(w + o));
        acc = f32x4.add(acc, f32x4.mul(d, d));
      }
      for (; j < IN; j++) {
        const o = (<usize>j) << 2;
        const d = load<f32>(x + o) - load<f32>(w + o);
        tail += d * d;
      }
      store<f32>(y + ((<usize>i) << 2), hsum(acc) + tail);
    }
  }
}

/** dinp[n, j] = sum_i 2 (inp[n, j] - proto[i, j]) dout[n, i]. dout (N, OUT). */
export function rbfBackward(dinp: usize, dout: usize, inp: usize, proto: usize, N: i32, IN: i32, OUT: i32): void {
  for (let n = 0; n < N; n++) {
    const x = inp + ((<usize>(n * IN)) << 2);
    const dx = dinp + ((<usize>(n * IN)) << 2);
    const g = dout + ((<usize>(n * OUT)) << 2);
    memory.fill(dx, 0, (<usize>IN) << 2);
    // One pass over the row per prototype: the (x - w) difference form, not x*sum(g) - sum(g*w),
    // which would cancel badly when x is close to a prototype.
    for (let i = 0; i < OUT; i++) {
      const w = proto + ((<usize>(i * IN)) << 2);
      const k: f32 = 2 * load<f32>(g + ((<usize>i) << 2));
      const kv = f32x4.splat(k);
      let j = 0;
      for (; j + 4 <= IN; j += 4) {
        const o = (<usize>j) << 2;
        const d = f32x4.sub(v128.load(x + o), v128.load(w + o));
        v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(d, kv)));
      }
      for (; j < IN; j++) {
        const o = (<usize>j) << 2;
        store<f32>(dx + o, load<f32>(dx + o) + (load<f32>(x + o) - load<f32>(w + o)) * k);
      }
    }
  }
}
