// Convolution as im2col + SGEMM (gemm.ts): the general algorithm, which every shape can take, and the only
// one that keeps the column matrices for the weight gradient (training). One sample at a time, so its
// column matrix stays in cache. With K = C*KH*KW, P = OH*OW and Pp = up4(P) (rows padded to whole vectors):
//   forward          out_n (OC, P)  = W (OC, K) x col_n (K, P) + bias, then the fused ReLU / pooling
//   backward input   dcol (K, P)    = W^T (K, OC) x dout_n (OC, P), then col2im into dinp_n (a scatter-add,
//                                     or for input rows of 13..16 floats, LeNet C3, a gather per input row)
//   backward weights dW (OC, K)    += dout_n (OC, P) x col_n^T (P, K)  (dot products along P; with a mask,
//                                     one GEMM per input map c, whose rows oc are stored only where connected)
// col (K, P) holds col[(c, kh, kw), (oh, ow)] = x[c, oh+kh-pad, ow+kw-pad], 0 outside the image.
//
// Contract: NCHW float32, pointers are byte offsets; arguments go outputs, then inputs and parameters, then
// the scratch (`cols`: the column area of the scratch, conv-common.ts), then the dimensions. dinp is
// overwritten, dweight accumulates. conv.ts has already handled the mask of the forward and the input
// gradient (a masked copy of the weights) and the empty outputs. im2col and col2im are also the column
// builders of the one-pixel path (conv-onepixel.ts), with a row stride of 1.
import { finishSample, padInput } from './conv-common';
import { sgemmNN, sgemmNT } from './gemm';
import { addTo, copy, up4, zero } from './simd';

/** col (K, OH*OW), row stride ldcol floats: col[(c, kh, kw), (oh, ow)] = x[c, oh+kh-pad, ow+kw-pad] or 0. */
export function im2col(col: usize, ldcol: i32, x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32,
  OH: i32, OW: i32, tmp: usize = 0): void {
  if (pad > 0 && OW >= 4 && tmp != 0) {
    // Padded ("same") convolution: copy the sample into a zero-bordered (C, H+2pad, W+2pad) buffer once,
    // then take the valid path below (the per-row bounds work was most of the cost of modern conv1).
    padInput(tmp, x, C, H, W, pad);
    x = tmp;
    H += 2 * pad;
    W += 2 * pad;
    pad = 0;
  }
  let row = col;
  const rowB = <usize>ldcol << 2;
  if (pad == 0 && OW >= 4) {
    // Valid convolution (LeNet C3, classic C1): every output row reads OW in-range inputs. Whole vectors,
    // the last one overlapping, and no bounds work per row: this loop runs C*KH*KW*OH times per sample.
    const OW4 = OW & ~3, last = <usize>(OW - 4) << 2, srcRowB = <usize>W << 2, dstRowB = <usize>OW << 2;
    for (let c = 0; c < C; c++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          let src = x + (<usize>((c * H + kh) * W + kw) << 2);
          let dst = row;
          if (OW > 8 && OW <= 12) {
            // Three vectors a row, straight-line (LeNet C3: 10 columns; the general loop's per-row
            // bookkeeping cost as much as the copies).
            for (let oh = 0; oh < OH; oh++) {
              v128.store(dst, v128.load(src));
              v128.store(dst, v128.load(src, 16), 16);
              v128.store(dst + last, v128.load(src + last));
              src += srcRowB;
              dst += dstRowB;
            }
          } else {
            for (let oh = 0; oh < OH; oh++) {
              let i = 0;
              for (; i < OW4; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
              if (i < OW) v128.store(dst + last, v128.load(src + last));
              src += srcRowB;
              dst += dstRowB;
            }
          }
          row += rowB;
        }
      }
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        // Output columns ow whose input column ow + kw - pad falls inside the image.
        const lo = min(OW, max(0, pad - kw)), hi = max(lo, min(OW, W + pad - kw));
        for (let oh = 0; oh < OH; oh++) {
          const dst = row + (<usize>(oh * OW) << 2);
          const ih = oh + kh - pad;
          if (ih < 0 || ih >= H) {
            zero(dst, OW);
            continue;
          }
          zero(dst, lo);
          copy(dst + (<usize>lo << 2), x + (<usize>((c * H + ih) * W + lo + kw - pad) << 2), hi - lo);
          zero(dst + (<usize>hi << 2), OW - hi);
        }
        row += rowB;
      }
    }
  }
}

/** x (C, H, W) = sum of col (K, OH*OW) scattered back to the inputs each column entry was read from. */
export function col2im(x: usize, col: usize, ldcol: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32,
  OH: i32, OW: i32): void {
  zero(x, C * H * W);
  let row = col;
  const rowB = <usize>ldcol << 2;
  if (pad == 0 && OW >= 4) {
    // Valid convolution: whole vectors, then the tail one float at a time. (An overlapping last vector would
    // load what the previous vector store just wrote, partially: a store-forwarding stall on every row.)
    const OW4 = OW & ~3, dstRowB = <usize>W << 2, srcRowB = <usize>OW << 2;
    for (let c = 0; c < C; c++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          let dst = x + (<usize>((c * H + kh) * W + kw) << 2);
          let src = row;
          for (let oh = 0; oh < OH; oh++) {
            let i = 0;
            for (; i < OW4; i += 4) {
              const o = <usize>i << 2;
              v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
            }
            for (; i < OW; i++) {
              const o = <usize>i << 2;
              store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
            }
            dst += dstRowB;
            src += srcRowB;
          }
          row += rowB;
        }
      }
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const lo = min(OW, max(0, pad - kw)), hi = max(lo, min(OW, W + pad - kw));
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh + kh - pad;
          if (ih < 0 || ih >= H) continue;
          addTo(x + (<usize>((c * H + ih) * W + lo + kw - pad) << 2), row + (<usize>(oh * OW + lo) << 2), hi - lo);
        }
        row += rowB;
      }
    }
  }
}

/**
 * col2im of a valid convolution whose input rows hold 13..16 floats (LeNet C3: 14), as a gather: each input
 * row is summed in four registers from every column entry that read it, then stored once. The scatter in
 * col2im adds 25 shifted rows into each input row one after another; consecutive kw rows overlap the
 * previous store at a one-float offset, which defeats store forwarding (26% of C3's input gradient).
 * Contributions arrive in the same (kh, kw) order as there, from +0: bit-identical. Lanes of a shifted row
 * that fall outside its OW entries read neighbouring entries and are cleared by per-kw lane masks (built
 * in `masks`, KW x 4 vectors). Never reads outside the column matrix.
 */
function col2imGather(x: usize, col: usize, ldcol: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32,
  OW: i32, masks: usize): void {
  for (let kw = 0; kw < KW; kw++) {
    for (let v = 0; v < 4; v++) {
      const jb = v < 3 ? 4 * v : W - 4;
      const j = i32x4.add(i32x4.splat(jb), i32x4(0, 1, 2, 3));
      const on = v128.and(i32x4.ge_s(j, i32x4.splat(kw)), i32x4.lt_s(j, i32x4.splat(kw + OW)));
      v128.store(masks + (<usize>(kw * 4 + v) << 4), on);
    }
  }
  const ldB = <usize>ldcol << 2, lastB = <usize>(W - 4) << 2;
  for (let c = 0; c < C; c++) {
    for (let ih = 0; ih < H; ih++) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      const kh1 = min(KH - 1, ih);
      for (let kh = max(0, ih - OH + 1); kh <= kh1; kh++) {
        // Row k = (c, kh, kw) at output row oh = ih - kh, shifted left by kw so entry ow lands on lane kw + ow.
        let src = col + <usize>((c * KH + kh) * KW) * ldB + (<usize>((ih - kh) * OW) << 2);
        let m = masks;
        for (let kw = 0; kw < KW; kw++) {
          a0 = f32x4.add(a0, v128.and(v128.load(src), v128.load(m)));
          a1 = f32x4.add(a1, v128.and(v128.load(src, 16), v128.load(m, 16)));
          a2 = f32x4.add(a2, v128.and(v128.load(src, 32), v128.load(m, 32)));
          a3 = f32x4.add(a3, v128.and(v128.load(src + lastB), v128.load(m, 48)));
          src += ldB - 4;
          m += 64;
        }
      }
      const dst = x + (<usize>((c * H + ih) * W) << 2);
      v128.store(dst, a0);
      v128.store(dst, a1, 16);
      v128.store(dst, a2, 32);
      v128.store(dst + lastB, a3);
    }
  }
}

/**
 * out (N, OC, OH, OW) = conv(inp, weight) + bias, sample by sample; relu / pooled as convForward.
 * keep != 0: sample n's columns stay at cols + n*K*Pp after the call, for im2colBackwardWeights(reuse = 1);
 * keep == 0: one column matrix is rebuilt per sample, which stays in cache.
 */
@inline export function im2colForward(out: usize, pooled: usize, inp: usize, weight: usize, bias: usize, cols: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, keep: i32, relu: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const P = OH * OW, Pp = up4(P), K = C * KH * KW;
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * P) << 2;
  const colB = <usize>(K * Pp) << 2;
  const tmp = cols + <usize>N * colB;
  for (let n = 0; n < N; n++) {
    const colN = keep != 0 ? cols + <usize>n * colB : cols;
    im2col(colN, Pp, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW, tmp);
    sgemmNN(out + <usize>n * outB, P, weight, K, 1, colN, Pp, bias, 0, 0, OC, P, K, false, true);
    finishSample(out, n, outB, OC, OH, OW, relu, pooled);
  }
}

/**
 * dinp (N, C, H, W) = gradient w.r.t. inp, OVERWRITTEN; dout (N, OC, OH, OW). P > 1. `masks`: room for the
 * gather's KW x 4 lane masks (the pack area at the start of the scratch, unused by the backward).
 */
@inline export function im2colBackwardInput(dinp: usize, dout: usize, weight: usize, cols: usize, masks: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const P = OH * OW, Pp = up4(P), K = C * KH * KW;
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * P) << 2;
  for (let n = 0; n < N; n++) {
    // A = W^T read in place: rows k are adjacent floats (am = 1), the reduction over oc strides K.
    sgemmNN(cols, Pp, weight, 1, K, dout + <usize>n * outB, P, 0, 0, 0, K, P, OC, false, false);
    if (pad == 0 && W > 12 && W <= 16) col2imGather(dinp + <usize>n * inB, cols, Pp, C, H, W, KH, KW, OH, OW, masks);
    else col2im(dinp + <usize>n * inB, cols, Pp, C, H, W, KH, KW, pad, OH, OW);
  }
}

/**
 * dweight (OC, C, KH, KW) += gradient, rows oc of input map c stored only where mask[oc, c] != 0 (mask 0:
 * all). `reuse` != 0: `cols` still holds what im2colForward(keep = 1) built from this same `inp`. P > 1.
 */
@inline export function im2colBackwardWeights(dweight: usize, dout: usize, inp: usize, mask: usize, cols: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, reuse: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const P = OH * OW, Pp = up4(P), K = C * KH * KW, KK = KH * KW;
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * P) << 2;
  // dW[oc, k] += dot(dout_n[oc, :], col_n[k, :]): both contiguous along the output positions.
  const colB = <usize>(K * Pp) << 2;
  const tmp = cols + <usize>N * colB;
  for (let n = 0; n < N; n++) {
    const doutN = dout + <usize>n * outB;
    const colN = reuse != 0 ? cols + <usize>n * colB : cols;
    if (reuse == 0) im2col(colN, Pp, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW, tmp);
    if (mask == 0) {
      sgemmNT(dweight, K, doutN, P, colN, Pp, 0, 0, 0, OC, K, P, true);
      continue;
    }
    for (let c = 0; c < C; c++) {
      sgemmNT(dweight + (<usize>(c * KK) << 2), K, doutN, P, colN + (<usize>(c * KK * Pp) << 2), Pp, 0,
        mask + (<usize>c << 2), C, OC, KK, P, true);
    }
  }
}
