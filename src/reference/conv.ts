/**
 * Convolution, pure TS: out (N, OC, OH, OW) from inp (N, C, H, W) and weight (OC, C, KH, KW), stride 1,
 * zero padding `pad` on every side, OH = H + 2*pad - KH + 1. `mask` (OC, C) is LeNet's connection table
 * (paper §II.B, Table I): 0 cuts input map c off from output map oc. Direct loops, no im2col: `col` is
 * accepted for signature parity with the wasm kernels and left alone.
 */
import type { Arr } from '../backend/kernels.js';
import { avgPoolForward } from './pool.js';

/**
 * out[n, oc, oh, ow] = bias[oc] + sum over connected c, kh, kw of weight * inp (out of range reads 0), then
 * max(., 0) when `relu` is 1; `pooled` (when given) = the 2x2 average pooling of out. `keep` (the wasm
 * kernel's column reuse) changes nothing here.
 */
export function convForward(out: Arr, inp: Arr, weight: Arr, bias: Arr, mask: Arr | null, col: Arr,
  N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number, keep = 0, relu = 0,
  pooled: Arr | null = null): void {
  void col;
  void keep;
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let s = bias[oc]!;
          for (let c = 0; c < C; c++) {
            if (mask !== null && mask[oc * C + c] === 0) continue;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh + kh - pad;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow + kw - pad;
                if (iw < 0 || iw >= W) continue;
                s += weight[((oc * C + c) * KH + kh) * KW + kw]! * inp[((n * C + c) * H + ih) * W + iw]!;
              }
            }
          }
          out[((n * OC + oc) * OH + oh) * OW + ow] = relu !== 0 ? Math.max(s, 0) : s;
        }
      }
    }
  }
  if (pooled !== null && OH > 0 && OW > 0) avgPoolForward(pooled, out, N, OC, OH, OW);
}

/** dinp = (overwritten) sum over every output that read an input of dout * weight; masked pairs skipped. */
export function convBackwardInput(dinp: Arr, dout: Arr, weight: Arr, mask: Arr | null, col: Arr,
  N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void {
  void col;
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  dinp.fill(0, 0, N * C * H * W);
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const g = dout[((n * OC + oc) * OH + oh) * OW + ow]!;
          for (let c = 0; c < C; c++) {
            if (mask !== null && mask[oc * C + c] === 0) continue;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh + kh - pad;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow + kw - pad;
                if (iw < 0 || iw >= W) continue;
                dinp[((n * C + c) * H + ih) * W + iw] += g * weight[((oc * C + c) * KH + kh) * KW + kw]!;
              }
            }
          }
        }
      }
    }
  }
}

/** dweight += dout * inp over the batch (masked entries untouched); dbias += dout summed per map. */
export function convBackwardWeights(dweight: Arr, dbias: Arr, dout: Arr, inp: Arr, mask: Arr | null, col: Arr,
  N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number, reuse = 0): void {
  void reuse; // direct loops read inp; the wasm kernel's column reuse has nothing to mirror here
  void col;
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const g = dout[((n * OC + oc) * OH + oh) * OW + ow]!;
          dbias[oc] += g;
          for (let c = 0; c < C; c++) {
            if (mask !== null && mask[oc * C + c] === 0) continue;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh + kh - pad;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow + kw - pad;
                if (iw < 0 || iw >= W) continue;
                dweight[((oc * C + c) * KH + kh) * KW + kw] += g * inp[((n * C + c) * H + ih) * W + iw]!;
              }
            }
          }
        }
      }
    }
  }
}
