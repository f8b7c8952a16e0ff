/**
 * Loss twins. Each returns the batch-mean loss and writes the gradient of that mean; labels are int32
 * class indices. Eq. 8 and Eq. 9 are the paper's RBF criteria (Sec. II-C): the penalties y_i are squared
 * distances (>= 0, possibly large), so Eq. 9's log is a shifted log-sum-exp.
 */
import type { Arr } from '../backend/kernels.js';

function checkLabel(fn: string, label: number, r: number, C: number): void {
  if (!(label >= 0 && label < C)) {
    throw new RangeError(`${fn}: label ${label} of row ${r} is outside [0, ${C})`);
  }
}

/** Fused softmax + cross-entropy over logits (N, C): probs = softmax, dlogits = (probs - onehot) / N. */
export function softmaxCrossEntropy(dlogits: Arr, probs: Arr, logits: Arr, labels: Int32Array, N: number,
  C: number): number {
  if (N <= 0) return 0;
  let total = 0;
  for (let r = 0; r < N; r++) {
    const row = r * C;
    const label = labels[r]!;
    checkLabel('softmaxCrossEntropy', label, r, C);
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[row + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[row + c]! - m);
    // -log softmax(x)_label = log(sum_c e^(x_c - m)) - (x_label - m): finite even when the probability underflows.
    total += Math.log(sum) - (logits[row + label]! - m);
    for (let c = 0; c < C; c++) {
      const p = Math.exp(logits[row + c]! - m) / sum;
      probs[row + c] = p;
      dlogits[row + c] = (p - (c === label ? 1 : 0)) / N;
    }
  }
  return total / N;
}

/** Mean over all N*C elements of (pred - target)^2; dpred = 2 (pred - target) / (N*C). */
export function mseLoss(dpred: Arr, pred: Arr, target: Arr, N: number, C: number): number {
  const count = N * C;
  if (count <= 0) return 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const d = pred[i]! - target[i]!;
    total += d * d;
    dpred[i] = (2 * d) / count;
  }
  return total / count;
}

/** Eq. 8: mean over the batch of the correct class's penalty pen[n, label]; dpen = onehot / N. */
export function rbfPenaltyLoss(dpen: Arr, pen: Arr, labels: Int32Array, N: number, C: number): number {
  if (N <= 0) return 0;
  dpen.fill(0, 0, N * C);
  let total = 0;
  for (let r = 0; r < N; r++) {
    const label = labels[r]!;
    checkLabel('rbfPenaltyLoss', label, r, C);
    total += pen[r * C + label]!;
    dpen[r * C + label] = 1 / N;
  }
  return total / N;
}

/**
 * Eq. 9: mean of y_D + log(e^-j + sum_i e^-y_i) over pen (N, C).
 * dL/dy_i = [i == D] - e^-y_i / (e^-j + sum_k e^-y_k), divided by N.
 */
export function rbfMapLoss(dpen: Arr, pen: Arr, labels: Int32Array, N: number, C: number, j: number): number {
  if (N <= 0) return 0;
  let total = 0;
  for (let r = 0; r < N; r++) {
    const row = r * C;
    const label = labels[r]!;
    checkLabel('rbfMapLoss', label, r, C);
    // log(e^-j + sum_i e^-y_i) shifted by the largest exponent so large penalties do not underflow to log(0).
    let top = -j;
    for (let c = 0; c < C; c++) top = Math.max(top, -pen[row + c]!);
    let sum = Math.exp(-j - top);
    for (let c = 0; c < C; c++) sum += Math.exp(-pen[row + c]! - top);
    const lse = top + Math.log(sum);
    total += pen[row + label]! + lse;
    for (let c = 0; c < C; c++) {
      dpen[row + c] = ((c === label ? 1 : 0) - Math.exp(-pen[row + c]! - lse)) / N;
    }
  }
  return total / N;
}
