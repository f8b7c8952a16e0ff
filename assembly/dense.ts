// Fully connected layer: out (N, OUT) = inp (N, IN) x weight (OUT, IN)^T + bias (OUT); LeNet's F6 and
// the modern variant's Dense layers (paper §II.B). Both directions are SGEMMs from gemm.ts over the
// caller's arrays as they lie: no transposed copies, no scratch.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.
import { sgemmNN, sgemmNT } from './gemm';

/** out (N, OUT) = inp (N, IN) x weight (OUT, IN)^T + bias (OUT). */
export function denseForward(out: usize, inp: usize, weight: usize, bias: usize, N: i32, IN: i32, OUT: i32): void {
  sgemmNT(out, OUT, inp, IN, weight, IN, bias, 0, 0, N, OUT, IN, false);
}

/**
 * dinp (N, IN) = dout x weight, OVERWRITTEN (skipped when dinp is 0); dweight (OUT, IN) += dout^T x inp;
 * dbias (OUT) += column sums of dout (N, OUT).
 */
export function denseBackward(dinp: usize, dweight: usize, dbias: usize, dout: usize, inp: usize, weight: usize,
  N: i32, IN: i32, OUT: i32): void {
  if (dinp != 0) sgemmNN(dinp, IN, dout, OUT, 1, weight, IN, 0, 0, 0, N, IN, OUT, false, false);
  // A[o, n] = dout[n, o]: read with strides, so dout is never transposed.
  sgemmNN(dweight, IN, dout, 1, OUT, inp, IN, 0, 0, 0, OUT, IN, N, true, false);
  const rowB = <usize>OUT << 2;
  let o = 0;
  for (; o + 4 <= OUT; o += 4) {
    let p = dout + (<usize>o << 2);
    let s = f32x4.splat(0);
    for (let n = 0; n < N; n++) {
      s = f32x4.add(s, v128.load(p));
      p += rowB;
    }
    const q = dbias + (<usize>o << 2);
    v128.store(q, f32x4.add(v128.load(q), s));
  }
  for (; o < OUT; o++) {
    let s: f32 = 0;
    for (let n = 0; n < N; n++) s += load<f32>(dout + <usize>n * rowB + (<usize>o << 2));
    const q = dbias + (<usize>o << 2);
    store<f32>(q, load<f32>(q) + s);
  }
}
