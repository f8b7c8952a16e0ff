/**
 * Fully connected layer, pure TS: out (N, OUT) = inp (N, IN) x weight (OUT, IN)^T + bias (OUT).
 * LeNet's C5 -> F6 (paper §II.B) and the modern variant's Dense layers.
 */
import type { Arr } from '../backend/kernels.js';

/** out[n, o] = bias[o] + sum_i inp[n, i] * weight[o, i]. */
export function denseForward(out: Arr, inp: Arr, weight: Arr, bias: Arr, N: number, IN: number, OUT: number): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let s = bias[o]!;
      for (let i = 0; i < IN; i++) s += inp[n * IN + i]! * weight[o * IN + i]!;
      out[n * OUT + o] = s;
    }
  }
}

/** dinp = dout x weight (overwritten; skipped when null), dweight += dout^T x inp, dbias += column sums. */
export function denseBackward(dinp: Arr | null, dweight: Arr, dbias: Arr, dout: Arr, inp: Arr, weight: Arr,
  N: number, IN: number, OUT: number): void {
  if (dinp !== null) {
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < IN; i++) {
        let s = 0;
        for (let o = 0; o < OUT; o++) s += dout[n * OUT + o]! * weight[o * IN + i]!;
        dinp[n * IN + i] = s;
      }
    }
  }
  for (let o = 0; o < OUT; o++) {
    let sb = 0;
    for (let n = 0; n < N; n++) sb += dout[n * OUT + o]!;
    dbias[o] += sb;
    for (let i = 0; i < IN; i++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += dout[n * OUT + o]! * inp[n * IN + i]!;
      dweight[o * IN + i] += s;
    }
  }
}
