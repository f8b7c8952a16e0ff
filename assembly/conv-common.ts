// What the convolution algorithms (conv-im2col.ts, conv-onepixel.ts, conv-direct.ts, conv-implicit.ts) and
// their dispatch (conv.ts) share: the layout of the scratch `col`, the zero-bordered copy of a padded
// sample, the masked copy of the weights, and the per-sample epilogue (fused ReLU, fused pooling).
//
// Shapes are NCHW float32: inp (N, C, H, W), weight (OC, C, KH, KW), out (N, OC, OH, OW) with
// OH = H + 2*pad - KH + 1, OW = W + 2*pad - KW + 1, K = C*KH*KW, P = OH*OW. Pointers are byte offsets.
//
// Scratch `col` (convScratchLength floats; src/backend/kernels.ts computes the same length), in order:
//   pack    4*max(up4(K), PACK_MIN) floats: the interleaved weights of the direct path
//   cols    the column matrices of the whole batch, N x (K, up4(P)) (the forward leaves them for the weight
//           gradient; the implicit GEMM of inference puts its (K, OC) W^T panels there instead), then
//           with pad > 0 one zero-bordered input sample (C, H+2pad, W+2pad); or when
//           P == 1 (N, K) / (N, up4(K)) / (N, C*up4(KH*KW))
//   masked  with a mask, (OC, K): the weights with unconnected blocks zeroed
// where up4(X) is X rounded up to a multiple of 4 (rows padded so the SGEMM reads whole vectors).
import { reluForward } from './activation';
import { avgPoolForward } from './pool';
import { copy, up4, zero } from './simd';

/** Least size of the pack area, in rows of 4 floats (src/backend/kernels.ts mirrors it). */
export const PACK_MIN = 128;

/** Byte offset of the column matrix inside the scratch (after the packed panel). */
@inline export function colsOffset(K: i32): usize {
  return <usize>(4 * max(up4(K), PACK_MIN)) << 2;
}

/**
 * Byte offset of the masked copy of the weights (OC x K floats): the end of the scratch, after the pack
 * panel, the column matrices and the bordered sample (convScratchLength counts it when given OC).
 */
export function maskedWeightsAt(col: usize, N: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32): usize {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const P = OH * OW, K = C * KH * KW;
  const padded = pad > 0 ? C * (H + 2 * pad) * (W + 2 * pad) : 0;
  const rest = max(N * K * up4(P) + padded, P == 1 ? N * C * up4(KH * KW) : 0);
  return col + colsOffset(K) + (<usize>rest << 2);
}

/** masked (OC, C*KK) = weight with every unconnected (oc, c) block zeroed (NaN there included). */
export function maskWeights(masked: usize, weight: usize, mask: usize, OC: i32, C: i32, KK: i32): void {
  for (let oc = 0; oc < OC; oc++) {
    for (let c = 0; c < C; c++) {
      const at = <usize>((oc * C + c) * KK) << 2;
      if (load<f32>(mask + (<usize>(oc * C + c) << 2)) != 0) copy(masked + at, weight + at, KK);
      else zero(masked + at, KK);
    }
  }
}

/** Copies sample x (C, H, W) into tmp (C, H+2pad, W+2pad) with a zero border. */
export function padInput(tmp: usize, x: usize, C: i32, H: i32, W: i32, pad: i32): void {
  const Hp = H + 2 * pad, Wp = W + 2 * pad;
  zero(tmp, C * Hp * Wp);
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      copy(tmp + (<usize>((c * Hp + h + pad) * Wp + pad) << 2), x + (<usize>((c * H + h) * W) << 2), W);
    }
  }
}

/** The fused ReLU and average pooling of sample n's maps, just computed and still in cache. */
@inline export function finishSample(out: usize, n: i32, outB: usize, OC: i32, OH: i32, OW: i32, relu: i32,
  pooled: usize): void {
  const o = out + <usize>n * outB;
  if (relu != 0) reluForward(o, o, OC * OH * OW);
  if (pooled != 0) avgPoolForward(pooled + <usize>(n * OC * (OH >> 1) * (OW >> 1)) * 4, o, 1, OC, OH, OW);
}
