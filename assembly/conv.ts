// Convolution, stride 1, zero padding `pad` on every side: the three exported conv kernels, each choosing
// among the algorithms of the conv-*.ts files by shape and by use (training or inference). The algorithms
// compute the same products summed in the same order, so which one runs never changes a result bit.
//
// Contract. NCHW float32 throughout: inp (N, C, H, W), weight (OC, C, KH, KW), bias (OC), out and dout
// (N, OC, OH, OW) with OH = H + 2*pad - KH + 1, OW = W + 2*pad - KW + 1 (LeNet-5's C1, C3 and C5 layers).
// Pointers are byte offsets into the module's memory. Arguments go outputs, then inputs and parameters
// (mask, scratch), then the dimensions, then the flags; convForward's second output, `pooled`, comes last
// because it is optional (0: none). `mask` (OC, C) or 0 is a connection table as DATA
// (LeNet-5's C3: TABLE_I in src/models/presets.ts): the forward and the input gradient run the dense
// product over a copy of the weights whose unconnected blocks are zero (made once per call), and
// masked-out weight-gradient rows are simply not stored; no loop knows which maps are connected. `col` is
// scratch of convScratchLength floats (src/backend/kernels.ts; its layout is in conv-common.ts), trusted:
// the wasm backend checks its length before the call. An empty output (OH or OW <= 0) is no work.
//
// The dispatch (first match wins):
//   forward          P = OH*OW == 1 (C5)                  conv-onepixel.ts: one GEMM over the batch
//                    implicitOk: keep 0, OC % 8 == 0      conv-implicit.ts: implicit GEMM, no column matrix
//                      (C3)
//                    directOk: keep 0, OW % 4 == 0        conv-direct.ts: direct, no column matrix
//                      (C1)
//                    otherwise (keep 1: columns kept)     conv-im2col.ts: im2col + GEMM
// (The layers pass keep 0 in training too, and the weight gradient rebuilds the columns: src/layers/conv.ts.)
//   backward input   P == 1                               conv-onepixel.ts
//                    otherwise                            conv-im2col.ts (col2im or, rows of 13..16, a gather)
//   backward weights P == 1                               conv-onepixel.ts
//                    otherwise                            conv-im2col.ts, reusing the forward's columns
// The algorithms' entry points are @inline: each has one call site, here, so the compiled module is the
// same one function per exported kernel as when they were all written in it (smaller than with calls).
import { colsOffset, maskedWeightsAt, maskWeights } from './conv-common';
import { directForward, directOk } from './conv-direct';
import { im2colBackwardInput, im2colBackwardWeights, im2colForward } from './conv-im2col';
import { implicitForward, implicitOk } from './conv-implicit';
import { onePixelBackwardInput, onePixelBackwardWeights, onePixelForward } from './conv-onepixel';
import { zero } from './simd';

/**
 * out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C, KH, KW)) + bias (OC); mask (OC, C) or 0.
 * keep != 0: every sample's column matrix stays in `col` for convBackwardWeights(reuse = 1);
 * keep == 0 (what the layers pass): no column matrix where the direct or implicit path applies, else one
 * rebuilt per sample, which stays in cache.
 * relu != 0: out = max(out, 0), applied to each sample's maps right after they are computed, while they are
 * still in cache (a separate ReLU pass over the batch streams them from memory again); the direct and
 * implicit paths of inference apply it to each tile in registers, before the store.
 * pooled != 0: also pooled (N, OC, OH>>1, OW>>1) = the 2x2 averages of out (an AvgPool2D layer fused in),
 * each sample's while its maps are still in cache.
 */
export function convForward(out: usize, inp: usize, weight: usize, bias: usize, mask: usize, col: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, keep: i32, relu: i32, pooled: usize): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) return;
  if (mask != 0) {
    // The dense convolution over a copy of the weights whose unconnected blocks are zero (made once per
    // call). Same products and sums as packing 4-row panels of masked weights per chunk of samples, which
    // made C3 3-5% slower than a dense C3.
    const masked = maskedWeightsAt(col, N, C, H, W, KH, KW, pad);
    maskWeights(masked, weight, mask, OC, C, KH * KW);
    convForward(out, inp, masked, bias, 0, col, N, C, H, W, OC, KH, KW, pad, keep, relu, pooled);
    return;
  }
  const P = OH * OW, K = C * KH * KW;
  const pack = col, cols = col + colsOffset(K);
  if (P == 1) {
    onePixelForward(out, inp, weight, bias, cols, N, C, H, W, OC, KH, KW, pad, relu);
  } else if (implicitOk(keep, OC, P, K)) {
    implicitForward(out, pooled, inp, weight, bias, cols, N, C, H, W, OC, KH, KW, pad, relu);
  } else if (directOk(keep, K, OW)) {
    directForward(out, pooled, inp, weight, bias, pack, cols, N, C, H, W, OC, KH, KW, pad, relu);
  } else {
    im2colForward(out, pooled, inp, weight, bias, cols, N, C, H, W, OC, KH, KW, pad, keep, relu);
  }
}

/** dinp (N, C, H, W) = gradient of the forward w.r.t. inp, OVERWRITTEN; dout (N, OC, OH, OW). */
export function convBackwardInput(dinp: usize, dout: usize, weight: usize, mask: usize, col: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) {
    zero(dinp, N * C * H * W);
    return;
  }
  if (mask != 0) {
    // As the forward: the dense pass over the masked copy of the weights.
    const masked = maskedWeightsAt(col, N, C, H, W, KH, KW, pad);
    maskWeights(masked, weight, mask, OC, C, KH * KW);
    convBackwardInput(dinp, dout, masked, 0, col, N, C, H, W, OC, KH, KW, pad);
    return;
  }
  const cols = col + colsOffset(C * KH * KW);
  if (OH * OW == 1) onePixelBackwardInput(dinp, dout, weight, cols, N, C, H, W, OC, KH, KW, pad);
  else im2colBackwardInput(dinp, dout, weight, cols, col, N, C, H, W, OC, KH, KW, pad);
}

/**
 * dweight (OC, C, KH, KW) += gradient (masked entries untouched); dbias (OC) += dout summed per map.
 * `reuse` != 0: `col` still holds the columns convForward built from this same `inp` (no convBackwardInput
 * or other call on `col` in between), so they are read instead of rebuilt.
 */
export function convBackwardWeights(dweight: usize, dbias: usize, dout: usize, inp: usize, mask: usize, col: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, reuse: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) return;
  const P = OH * OW;
  const cols = col + colsOffset(C * KH * KW);
  biasGradient(dbias, dout, N, OC, P);
  // Per input map c the mask is one flag per output row: rows with flag 0 are left untouched.
  if (P == 1) onePixelBackwardWeights(dweight, dout, inp, mask, cols, N, C, H, W, OC, KH, KW, pad);
  else im2colBackwardWeights(dweight, dout, inp, mask, cols, N, C, H, W, OC, KH, KW, pad, reuse);
}

/** dbias[oc] += sum over n, p of dout[n, oc, p]; dout (N, OC, P). */
@inline function biasGradient(dbias: usize, dout: usize, N: i32, OC: i32, P: i32): void {
  const outB = <usize>(OC * P) << 2;
  for (let oc = 0; oc < OC; oc++) {
    let v = f32x4.splat(0);
    let s: f32 = 0;
    for (let n = 0; n < N; n++) {
      const row = dout + <usize>n * outB + (<usize>(oc * P) << 2);
      let p = 0;
      for (; p + 4 <= P; p += 4) v = f32x4.add(v, v128.load(row + (<usize>p << 2)));
      for (; p < P; p++) s += load<f32>(row + (<usize>p << 2));
    }
    // Added one after the other onto the old value and the scalar tail (not hsum(v) first): the order the
    // stored gradients have always had.
    const q = dbias + (<usize>oc << 2);
    store<f32>(q, load<f32>(q) + s + f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) +
      f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  }
}
