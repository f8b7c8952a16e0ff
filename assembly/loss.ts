// Losses over a batch: each returns the batch-mean loss and writes the gradient of that mean.
// Labels are i32 class indices (validated by the TS layer; a kernel cannot throw).
// - softmaxCrossEntropy: fused softmax + cross-entropy (the modern variant's loss).
// - mseLoss: mean squared error over all N*C elements.
// - rbfPenaltyLoss: the paper's Eq. 8, mean of y_D (the correct class's RBF penalty).
// - rbfMapLoss: the paper's Eq. 9, mean of y_D + log(e^-j + sum_i e^-y_i), the MAP criterion that also
//   pushes the wrong classes' penalties up.
//
// Rows are short (C = 10 classes, N*C a few hundred values per batch), so exp and log run scalar in f64:
// that keeps the log-sum-exps exact for penalties in the hundreds, where f32 exp underflows. The passes
// without transcendentals (row max, probability scaling, MSE, the Eq. 8 gradient) are SIMD.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

import { hmax } from './simd';

/** Largest value of the row x[0..C). */
@inline function rowMax(x: usize, C: i32): f32 {
  let mv = f32x4.splat(-Infinity);
  let c = 0;
  for (; c + 4 <= C; c += 4) mv = f32x4.max(mv, v128.load(x + ((<usize>c) << 2)));
  let m = hmax(mv);
  for (; c < C; c++) m = max(m, load<f32>(x + ((<usize>c) << 2)));
  return m;
}

/** dst[0..n) = src[0..n) * k. */
@inline function scaleInto(dst: usize, src: usize, k: f32, n: i32): void {
  const kv = f32x4.splat(k);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = (<usize>c) << 2;
    v128.store(dst + o, f32x4.mul(v128.load(src + o), kv));
  }
  for (; c < n; c++) {
    const o = (<usize>c) << 2;
    store<f32>(dst + o, load<f32>(src + o) * k);
  }
}

/**
 * logits, probs, dlogits (N, C); labels (N). probs = softmax(logits); dlogits = (probs - onehot) / N;
 * returns mean over rows of log(sum_c e^(x_c - max)) - (x_label - max).
 */
export function softmaxCrossEntropy(dlogits: usize, probs: usize, logits: usize, labels: usize, N: i32, C: i32): f32 {
  if (N <= 0) return 0;
  const invN: f32 = <f32>(1.0 / <f64>N);
  let total: f64 = 0;
  for (let r = 0; r < N; r++) {
    const row = (<usize>(r * C)) << 2;
    const x = logits + row, p = probs + row, d = dlogits + row;
    const m = <f64>rowMax(x, C);
    let sum: f64 = 0;
    for (let c = 0; c < C; c++) {
      const o = (<usize>c) << 2;
      const e = Math.exp(<f64>load<f32>(x + o) - m);
      store<f32>(p + o, <f32>e);
      sum += e;
    }
    const label = load<i32>(labels + ((<usize>r) << 2));
    total += Math.log(sum) - (<f64>load<f32>(x + ((<usize>label) << 2)) - m);
    scaleInto(p, p, <f32>(1.0 / sum), C);
    scaleInto(d, p, invN, C);
    const dl = d + ((<usize>label) << 2);
    store<f32>(dl, load<f32>(dl) - invN);
  }
  return <f32>(total / <f64>N);
}

/** pred, target, dpred (N, C). Returns mean (pred - target)^2 over all N*C; dpred = 2 (pred - target) / (N*C). */
export function mseLoss(dpred: usize, pred: usize, target: usize, N: i32, C: i32): f32 {
  const count = N * C;
  if (count <= 0) return 0;
  const k: f32 = <f32>(2.0 / <f64>count);
  const kv = f32x4.splat(k);
  // Squares are accumulated in f64 lanes: a sum of many positive terms loses digits in f32.
  let acc = f64x2.splat(0);
  let tail: f64 = 0;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = (<usize>i) << 2;
    const d = f32x4.sub(v128.load(pred + o), v128.load(target + o));
    v128.store(dpred + o, f32x4.mul(d, kv));
    const sq = f32x4.mul(d, d);
    acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(sq),
      f64x2.promote_low_f32x4(v128.shuffle<f32>(sq, sq, 2, 3, 0, 1))));
  }
  for (; i < count; i++) {
    const o = (<usize>i) << 2;
    const d = load<f32>(pred + o) - load<f32>(target + o);
    store<f32>(dpred + o, d * k);
    tail += <f64>(d * d);
  }
  return <f32>((f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1) + tail) / <f64>count);
}

/** Eq. 8. pen, dpen (N, C); labels (N). Returns mean of pen[n, label]; dpen = onehot / N. */
export function rbfPenaltyLoss(dpen: usize, pen: usize, labels: usize, N: i32, C: i32): f32 {
  if (N <= 0) return 0;
  const invN: f32 = <f32>(1.0 / <f64>N);
  memory.fill(dpen, 0, (<usize>(N * C)) << 2);
  let total: f64 = 0;
  for (let r = 0; r < N; r++) {
    const at = (<usize>(r * C + load<i32>(labels + ((<usize>r) << 2)))) << 2;
    total += <f64>load<f32>(pen + at);
    store<f32>(dpen + at, invN);
  }
  return <f32>(total / <f64>N);
}

/**
 * Eq. 9. pen, dpen (N, C); labels (N); j >= 0 the constant competing with the penalties.
 * Per row: L = y_D + log(e^-j + sum_i e^-y_i), dL/dy_i = [i == D] - e^-y_i / (e^-j + sum_k e^-y_k).
 * The log is a log-sum-exp over the terms -j, -y_0, ..., shifted by their max so nothing underflows.
 */
export function rbfMapLoss(dpen: usize, pen: usize, labels: usize, N: i32, C: i32, j: f32): f32 {
  if (N <= 0) return 0;
  const invN: f64 = 1.0 / <f64>N;
  const nj: f64 = -<f64>j;
  let total: f64 = 0;
  for (let r = 0; r < N; r++) {
    const row = (<usize>(r * C)) << 2;
    const y = pen + row, d = dpen + row;
    // Shift: the largest negated term, -min(j, y_0, ..., y_{C-1}).
    let top = nj;
    for (let c = 0; c < C; c++) top = max(top, -<f64>load<f32>(y + ((<usize>c) << 2)));
    let sum = Math.exp(nj - top);
    for (let c = 0; c < C; c++) sum += Math.exp(-<f64>load<f32>(y + ((<usize>c) << 2)) - top);
    const lse = top + Math.log(sum);
    const label = load<i32>(labels + ((<usize>r) << 2));
    total += <f64>load<f32>(y + ((<usize>label) << 2)) + lse;
    for (let c = 0; c < C; c++) {
      const o = (<usize>c) << 2;
      const w = Math.exp(-<f64>load<f32>(y + o) - lse);
      store<f32>(d + o, <f32>(((c == label ? 1.0 : 0.0) - w) * invN));
    }
  }
  return <f32>(total * invN);
}
