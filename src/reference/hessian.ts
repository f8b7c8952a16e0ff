/**
 * Twins of assembly/hessian.ts: Gauss-Newton second derivatives for SDLM (LeCun et al. 1998, App. C).
 * Parameter second derivatives accumulate, input second derivatives are overwritten.
 */
import type { Arr } from '../backend/kernels.js';

const A = 1.7159;
const S = 2 / 3;

/** out = inp^2 elementwise. */
export function square(out: Arr, inp: Arr, n: number): void {
  for (let i = 0; i < n; i++) out[i] = inp[i]! * inp[i]!;
}

/** d2inp = d2out * f'(a)^2 for f(a) = A tanh(S a), from the forward output. */
export function tanhBackward2(d2inp: Arr, d2out: Arr, out: Arr, n: number): void {
  for (let i = 0; i < n; i++) {
    const y = out[i]!;
    const fp = S * (A - (y * y) / A);
    d2inp[i] = d2out[i]! * fp * fp;
  }
}

/** Average pooling 2x2: each input reaches one output with weight 1/4, so 1/16 on second derivatives. */
export function avgPoolBackward2(d2inp: Arr, d2out: Arr, N: number, C: number, H: number, W: number): void {
  const OH = H >> 1;
  const OW = W >> 1;
  for (let p = 0; p < N * C; p++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const oh = h >> 1;
        const ow = w >> 1;
        d2inp[p * H * W + h * W + w] = oh < OH && ow < OW ? d2out[p * OH * OW + oh * OW + ow]! * 0.0625 : 0;
      }
    }
  }
}

/** Subsampling: d2inp = d2out coeff^2, d2coeff += d2out (block sum)^2, d2bias += d2out. */
export function subsampleBackward2(d2inp: Arr, d2coeff: Arr, d2bias: Arr, d2out: Arr, inp: Arr, coeff: Arr,
  N: number, C: number, H: number, W: number): void {
  const OH = H >> 1;
  const OW = W >> 1;
  for (let c = 0; c < C; c++) {
    const k2 = coeff[c]! * coeff[c]!;
    let sc = 0;
    let sb = 0;
    for (let n = 0; n < N; n++) {
      const ib = (n * C + c) * H * W;
      const ob = (n * C + c) * OH * OW;
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const oh = h >> 1;
          const ow = w >> 1;
          d2inp[ib + h * W + w] = oh < OH && ow < OW ? d2out[ob + oh * OW + ow]! * k2 : 0;
        }
      }
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const i0 = ib + 2 * oh * W + 2 * ow;
          const s = inp[i0]! + inp[i0 + 1]! + inp[i0 + W]! + inp[i0 + W + 1]!;
          const d = d2out[ob + oh * OW + ow]!;
          sc += d * s * s;
          sb += d;
        }
      }
    }
    d2coeff[c] = d2coeff[c]! + sc;
    d2bias[c] = d2bias[c]! + sb;
  }
}

/**
 * RBF output + loss, per sample, w.r.t. the RBF input: 2 for Eq. 8 (map = 0); Eq. 9 (map = 1) adds
 * sum_i p_i (1 - p_i) (2 (x_j - w_ij))^2 with p_i = e^-y_i / (e^-j + sum_k e^-y_k).
 */
export function rbfLossBackward2(d2inp: Arr, inp: Arr, proto: Arr, pen: Arr, N: number, IN: number, OUT: number,
  j: number, map: number): void {
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < IN; k++) d2inp[n * IN + k] = 2;
    if (map === 0) continue;
    let m = j;
    for (let i = 0; i < OUT; i++) m = Math.min(m, pen[n * OUT + i]!);
    let z = Math.exp(m - j);
    for (let i = 0; i < OUT; i++) z += Math.exp(m - pen[n * OUT + i]!);
    for (let i = 0; i < OUT; i++) {
      const p = Math.exp(m - pen[n * OUT + i]!) / z;
      const h = 4 * p * (1 - p);
      if (h === 0) continue;
      for (let k = 0; k < IN; k++) {
        const r = inp[n * IN + k]! - proto[i * IN + k]!;
        d2inp[n * IN + k] = d2inp[n * IN + k]! + h * r * r;
      }
    }
  }
}

/** Softmax + cross-entropy, per sample, w.r.t. the logits: p (1 - p). */
export function softmaxCrossEntropyBackward2(d2logits: Arr, probs: Arr, N: number, C: number): void {
  for (let i = 0; i < N * C; i++) d2logits[i] = probs[i]! * (1 - probs[i]!);
}

/** The SDLM step: param -= lr * grad / (mu + hkk). */
export function sdlmUpdate(param: Arr, grad: Arr, hkk: Arr, n: number, lr: number, mu: number): void {
  for (let i = 0; i < n; i++) param[i] = param[i]! - (lr / (mu + hkk[i]!)) * grad[i]!;
}
