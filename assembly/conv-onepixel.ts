// Convolution whose output maps are one pixel (P = OH*OW == 1; LeNet C5: a 5x5 kernel over 5x5 maps): the
// layer is a dense layer over the whole batch, so each direction runs as ONE GEMM with the batch as the long
// dimension instead of N thin per-sample GEMMs. Sample n's column (K = C*KH*KW values) is a row of an (N, K)
// matrix; without padding that matrix is the input itself, with padding im2col builds it (row stride 1).
//   forward          out (N, OC) = cols (N, K) x W^T + bias [then the fused ReLU]
//   backward input   dcols (N, K) = dout (N, OC) x W (OC, K), then col2im of each row (pad > 0)
//   backward weights dW (OC, K) += dout^T (OC, N) x cols (N, K); with a mask or padding through a transposed
//                    column matrix colT (N, C*up4(KH*KW)), one GEMM per input map c whose rows oc are
//                    stored only where connected
// The fused pooling of convForward does not apply (a 1x1 map has no 2x2 window).
//
// Contract: NCHW float32, pointers are byte offsets; arguments go outputs, then inputs and parameters, then
// the scratch (`cols`: the column area of the scratch, conv-common.ts), then the dimensions. dinp is
// overwritten, dweight accumulates. conv.ts has already handled the mask of the forward and the input
// gradient (a masked copy of the weights) and the empty outputs.
import { reluForward } from './activation';
import { col2im, im2col } from './conv-im2col';
import { sgemmNN, sgemmNT } from './gemm';
import { up4, zero } from './simd';

/** colT (OH*OW, C*KKp), row stride ldt floats: colT[(oh, ow), c*KKp + kh*KW + kw] = x[c, ...] or 0. */
function im2colT(colT: usize, ldt: i32, KKp: i32, x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32,
  OH: i32, OW: i32): void {
  let dst = colT;
  const rowB = <usize>ldt << 2;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      for (let c = 0; c < C; c++) {
        let d = dst + (<usize>(c * KKp) << 2);
        const plane = x + (<usize>(c * H * W) << 2);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh + kh - pad;
          if (ih < 0 || ih >= H) {
            zero(d, KW);
          } else {
            const src = plane + (<usize>(ih * W) << 2);
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow + kw - pad;
              store<f32>(d + (<usize>kw << 2), iw >= 0 && iw < W ? load<f32>(src + (<usize>iw << 2)) : 0);
            }
          }
          d += <usize>KW << 2;
        }
      }
      dst += rowB;
    }
  }
}

/** out (N, OC) = the convolution of each sample, its one output pixel per map; relu != 0: max(., 0). */
@inline export function onePixelForward(out: usize, inp: usize, weight: usize, bias: usize, cols: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, relu: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const K = C * KH * KW;
  const inB = <usize>(C * H * W) << 2;
  if (pad == 0) {
    // The kernel covers the whole unpadded input (LeNet C5): each sample's column IS its input, (N, K).
    sgemmNT(out, OC, inp, K, weight, K, bias, 0, 0, N, OC, K, false);
    if (relu != 0) reluForward(out, out, N * OC);
    return;
  }
  // One output per map: the column of sample n is its row of an (N, K) matrix; out (N, OC) = that x W^T.
  for (let n = 0; n < N; n++) {
    im2col(cols + <usize>(n * K) * 4, 1, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW);
  }
  sgemmNT(out, OC, cols, K, weight, K, bias, 0, 0, N, OC, K, false);
  if (relu != 0) reluForward(out, out, N * OC);
}

/** dinp (N, C, H, W) = gradient w.r.t. inp, OVERWRITTEN; dout (N, OC). */
@inline export function onePixelBackwardInput(dinp: usize, dout: usize, weight: usize, cols: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const K = C * KH * KW, Kp = up4(K);
  const inB = <usize>(C * H * W) << 2;
  if (pad == 0) {
    // Columns are the inputs themselves: dinp (N, K) = dout (N, OC) x W (OC, K), no scatter.
    sgemmNN(dinp, K, dout, OC, 1, weight, K, 0, 0, 0, N, K, OC, false, false);
    return;
  }
  // dcolT (N, K) = dout (N, OC) x W (OC, K); row n is sample n's column.
  sgemmNN(cols, Kp, dout, OC, 1, weight, K, 0, 0, 0, N, K, OC, false, false);
  for (let n = 0; n < N; n++) {
    col2im(dinp + <usize>n * inB, cols + (<usize>(n * Kp) << 2), 1, C, H, W, KH, KW, pad, OH, OW);
  }
}

/**
 * dweight (OC, C, KH, KW) += gradient, rows oc of input map c stored only where mask[oc, c] != 0 (mask 0:
 * all); dout (N, OC).
 */
@inline export function onePixelBackwardWeights(dweight: usize, dout: usize, inp: usize, mask: usize, cols: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const K = C * KH * KW, KK = KH * KW, KKp = up4(KK), ldt = C * KKp;
  const inB = <usize>(C * H * W) << 2;
  if (mask == 0 && pad == 0) {
    // Columns are the inputs themselves: dW (OC, K) += dout^T (OC, N) x inp (N, K), as a dense layer.
    sgemmNN(dweight, K, dout, 1, OC, inp, K, 0, 0, 0, OC, K, N, true, false);
    return;
  }
  // The batch is the reduction: colT (N, C*KKp), A[oc, n] = dout[n, oc].
  for (let n = 0; n < N; n++) {
    im2colT(cols + (<usize>(n * ldt) << 2), ldt, KKp, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW);
  }
  for (let c = 0; c < C; c++) {
    sgemmNN(dweight + (<usize>(c * KK) << 2), K, dout, 1, OC, cols + (<usize>(c * KKp) << 2), ldt, 0,
      mask != 0 ? mask + (<usize>c << 2) : 0, C, OC, KK, N, true, true);
  }
}
