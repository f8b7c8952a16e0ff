/**
 * The kernel set: one signature list shared by the wasm exports (pointers), the pure-TS twins (typed
 * arrays) and the Backend (arena regions). `F` is how a float32 tensor is passed, `I` an int32 one.
 *
 * Conventions (DESIGN §2, STYLE): NCHW float32, batch-major; conv weights (OC, C, KH, KW); dense weights
 * (OUT, IN); arguments are outputs, then inputs/params, then dims; gradients carry a `d` prefix.
 * - Parameter gradients (dweight, dbias, dcoeff) ACCUMULATE (+=): zeroGrad once per step.
 * - Input gradients (dinp) are OVERWRITTEN (=). A nullable `dinp` may be skipped (first layer).
 * - Elementwise activations may run in place (out === inp, dinp === dout).
 * - `mask` is an optional (OC, C) 0/1 connection table (LeNet C3, Table I); null means dense. Masked-out
 *   weights take no part in forward or backward and their gradient stays untouched.
 * - Losses return the batch-mean loss and write the gradient of that mean.
 */
export interface Kernels<F, I> {
  // conv.ts — out (N, OC, OH, OW) with OH = H + 2*pad - KH + 1; col is scratch of convScratchLength floats
  convForward(out: F, inp: F, weight: F, bias: F, mask: F | null, col: F,
    N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void;
  convBackwardInput(dinp: F, dout: F, weight: F, mask: F | null, col: F,
    N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void;
  convBackwardWeights(dweight: F, dbias: F, dout: F, inp: F, mask: F | null, col: F,
    N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void;

  // pool.ts — 2x2 windows, stride 2, out (N, C, H>>1, W>>1) (odd edges dropped)
  avgPoolForward(out: F, inp: F, N: number, C: number, H: number, W: number): void;
  avgPoolBackward(dinp: F, dout: F, N: number, C: number, H: number, W: number): void;
  /** LeNet subsampling: out = coeff[c] * (sum of the 2x2 block) + bias[c]. */
  subsampleForward(out: F, inp: F, coeff: F, bias: F, N: number, C: number, H: number, W: number): void;
  subsampleBackward(dinp: F, dcoeff: F, dbias: F, dout: F, inp: F, coeff: F,
    N: number, C: number, H: number, W: number): void;
  /** argmax holds, per output, the flat index (h*W + w) of the winner inside its (n, c) input plane. */
  maxPoolForward(out: F, argmax: I, inp: F, N: number, C: number, H: number, W: number): void;
  maxPoolBackward(dinp: F, dout: F, argmax: I, N: number, C: number, H: number, W: number): void;

  // dense.ts — inp (N, IN), weight (OUT, IN), bias (OUT), out (N, OUT)
  denseForward(out: F, inp: F, weight: F, bias: F, N: number, IN: number, OUT: number): void;
  denseBackward(dinp: F | null, dweight: F, dbias: F, dout: F, inp: F, weight: F,
    N: number, IN: number, OUT: number): void;

  // rbf.ts — out[n, i] = sum_j (inp[n, j] - proto[i, j])^2; proto (OUT, IN) is fixed (no gradient)
  rbfForward(out: F, inp: F, proto: F, N: number, IN: number, OUT: number): void;
  rbfBackward(dinp: F, dout: F, inp: F, proto: F, N: number, IN: number, OUT: number): void;

  // activation.ts — elementwise over n values; backward reads the forward OUTPUT
  reluForward(out: F, inp: F, n: number): void;
  reluBackward(dinp: F, dout: F, out: F, n: number): void;
  /** The paper's squashing function f(a) = 1.7159 tanh(2a/3). */
  tanhForward(out: F, inp: F, n: number): void;
  tanhBackward(dinp: F, dout: F, out: F, n: number): void;
  sigmoidForward(out: F, inp: F, n: number): void;
  sigmoidBackward(dinp: F, dout: F, out: F, n: number): void;
  /** Row-wise over (N, C). */
  softmaxForward(out: F, inp: F, N: number, C: number): void;
  softmaxBackward(dinp: F, dout: F, out: F, N: number, C: number): void;

  // loss.ts — labels are int32 class indices
  /** Fused softmax + cross-entropy: writes probs and dlogits = (probs - onehot) / N; returns mean loss. */
  softmaxCrossEntropy(dlogits: F, probs: F, logits: F, labels: I, N: number, C: number): number;
  /** loss = mean over all N*C elements of (pred - target)^2. */
  mseLoss(dpred: F, pred: F, target: F, N: number, C: number): number;
  /** The paper's Eq. 8: mean over the batch of y_D, the correct class's RBF penalty. */
  rbfPenaltyLoss(dpen: F, pen: F, labels: I, N: number, C: number): number;
  /** The paper's Eq. 9: mean of y_D + log(e^-j + sum_i e^-y_i). */
  rbfMapLoss(dpen: F, pen: F, labels: I, N: number, C: number, j: number): number;

  // optim.ts — flat ranges of n values
  /** v = momentum*v + (g + wd*p); p -= lr*v (nesterov: p -= lr*(g + wd*p + momentum*v)). */
  sgdUpdate(param: F, grad: F, velocity: F, n: number, lr: number, momentum: number, weightDecay: number,
    nesterov: number): void;
  /** Adam with bias correction at step t >= 1; L2 weight decay added to the gradient. */
  adamUpdate(param: F, grad: F, m: F, v: F, n: number, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, t: number): void;
}

/** Names of every kernel, for tests that must cover all of them and for binding the wasm exports. */
export const KERNEL_NAMES = [
  'convForward', 'convBackwardInput', 'convBackwardWeights',
  'avgPoolForward', 'avgPoolBackward', 'subsampleForward', 'subsampleBackward', 'maxPoolForward', 'maxPoolBackward',
  'denseForward', 'denseBackward',
  'rbfForward', 'rbfBackward',
  'reluForward', 'reluBackward', 'tanhForward', 'tanhBackward', 'sigmoidForward', 'sigmoidBackward',
  'softmaxForward', 'softmaxBackward',
  'softmaxCrossEntropy', 'mseLoss', 'rbfPenaltyLoss', 'rbfMapLoss',
  'sgdUpdate', 'adamUpdate',
] as const satisfies readonly (keyof Kernels<unknown, unknown>)[];

export type KernelName = (typeof KERNEL_NAMES)[number];

/** The float arrays the pure-TS twins accept: Float32 for parity, Float64 for gradient checks. */
export type Arr = Float32Array | Float64Array;

/** Length in floats of the im2col scratch one conv call needs (forward and both backwards). */
export function convScratchLength(N: number, C: number, H: number, W: number, KH: number, KW: number,
  pad: number): number {
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  // One (C*KH*KW, OH*OW) column matrix per sample, reused across the batch.
  void N;
  return C * KH * KW * OH * OW;
}
