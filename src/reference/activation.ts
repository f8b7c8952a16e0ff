/**
 * Activation twins: ReLU, the paper's squashing function f(a) = A tanh(S a) (A = 1.7159, S = 2/3,
 * Appendix A), the logistic sigmoid, and row-wise softmax. Elementwise ones may run in place; every
 * backward reads the forward output.
 */
import type { Arr } from '../backend/kernels.js';

const A = 1.7159;
const S = 2 / 3;

/** out (n) = max(inp, 0). */
export function reluForward(out: Arr, inp: Arr, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.max(inp[i]!, 0);
}

/** dinp (n) = dout where out > 0, else 0. */
export function reluBackward(dinp: Arr, dout: Arr, out: Arr, n: number): void {
  for (let i = 0; i < n; i++) dinp[i] = out[i]! > 0 ? dout[i]! : 0;
}

/** out (n) = 1.7159 tanh(2 inp / 3). */
export function tanhForward(out: Arr, inp: Arr, n: number): void {
  for (let i = 0; i < n; i++) out[i] = A * Math.tanh(S * inp[i]!);
}

/** dinp (n) = (S / A) (A^2 - out^2) dout: f'(a) = A S (1 - tanh^2(S a)) written with out = A tanh(S a). */
export function tanhBackward(dinp: Arr, dout: Arr, out: Arr, n: number): void {
  for (let i = 0; i < n; i++) {
    const y = out[i]!;
    dinp[i] = (S / A) * (A * A - y * y) * dout[i]!;
  }
}

/** out (n) = 1 / (1 + e^-inp), evaluated through e^-|inp| so it never overflows. */
export function sigmoidForward(out: Arr, inp: Arr, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i]!;
    const e = Math.exp(-Math.abs(x));
    out[i] = x >= 0 ? 1 / (1 + e) : e / (1 + e);
  }
}

/** dinp (n) = out (1 - out) dout. */
export function sigmoidBackward(dinp: Arr, dout: Arr, out: Arr, n: number): void {
  for (let i = 0; i < n; i++) {
    const y = out[i]!;
    dinp[i] = y * (1 - y) * dout[i]!;
  }
}

/** out (N, C) = softmax of each row of inp (N, C), with the row max subtracted before exp. */
export function softmaxForward(out: Arr, inp: Arr, N: number, C: number): void {
  for (let r = 0; r < N; r++) {
    const row = r * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, inp[row + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(inp[row + c]! - m);
      out[row + c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) out[row + c] = out[row + c]! / sum;
  }
}

/** dinp (N, C) = out * (dout - sum_c dout * out), row by row. */
export function softmaxBackward(dinp: Arr, dout: Arr, out: Arr, N: number, C: number): void {
  for (let r = 0; r < N; r++) {
    const row = r * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dout[row + c]! * out[row + c]!;
    for (let c = 0; c < C; c++) dinp[row + c] = out[row + c]! * (dout[row + c]! - dot);
  }
}
