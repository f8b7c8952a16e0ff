/**
 * RBF output twins (paper §II-B, Eq. 7): y_i = sum_j (x_j - w_ij)^2 over fixed prototypes, so only the
 * input gets a gradient. inp (N, IN), proto (OUT, IN), out (N, OUT); dinp is overwritten.
 */
import type { Arr } from '../backend/kernels.js';

/** out[n, i] = sum_j (inp[n, j] - proto[i, j])^2. */
export function rbfForward(out: Arr, inp: Arr, proto: Arr, N: number, IN: number, OUT: number): void {
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < OUT; i++) {
      let s = 0;
      for (let j = 0; j < IN; j++) {
        const d = inp[n * IN + j]! - proto[i * IN + j]!;
        s += d * d;
      }
      out[n * OUT + i] = s;
    }
  }
}

/** dinp[n, j] = sum_i 2 (inp[n, j] - proto[i, j]) dout[n, i]. */
export function rbfBackward(dinp: Arr, dout: Arr, inp: Arr, proto: Arr, N: number, IN: number, OUT: number): void {
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < IN; j++) {
      const x = inp[n * IN + j]!;
      let s = 0;
      for (let i = 0; i < OUT; i++) s += 2 * (x - proto[i * IN + j]!) * dout[n * OUT + i]!;
      dinp[n * IN + j] = s;
    }
  }
}
