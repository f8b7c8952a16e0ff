/**
 * The kernel set: one signature list shared by the wasm exports (pointers), the pure-TS twins (typed
 * arrays) and the Backend (arena regions). `F` is how a float32 tensor is passed, `I` an int32 one, `B` a
 * byte one (image pixels). Each kernel's argument kinds are also data, in kernel-table.ts, from which every
 * binding is derived; the table must describe this interface exactly (checked at compile time).
 *
 * Conventions (docs/ARCHITECTURE.md, 'The kernel contract'): NCHW float32, batch-major; conv weights (OC, C, KH, KW); dense weights
 * (OUT, IN); arguments are outputs, then inputs/params, then dims; gradients carry a `d` prefix.
 * - Parameter gradients (dweight, dbias, dcoeff) ACCUMULATE (+=): zeroGrad once per step.
 * - Input gradients (dinp) are OVERWRITTEN (=). A nullable `dinp` may be skipped (first layer).
 * - Elementwise activations may run in place (out === inp, dinp === dout).
 * - `mask` is an optional (OC, C) 0/1 connection table (LeNet C3, Table I); null means dense. Masked-out
 *   weights take no part in forward or backward and their gradient stays untouched.
 * - Losses return the batch-mean loss and write the gradient of that mean.
 */
export interface Kernels<F, I, B = I> {
  // conv.ts — out (N, OC, OH, OW) with OH = H + 2*pad - KH + 1; col is scratch of convScratchLength floats
  /**
   * `keep` = 1 leaves every sample's column matrix in `col` for convBackwardWeights' reuse (and takes the
   * im2col path); 0 (default; what the layers pass, in training too) builds none where the direct or
   * implicit kernels apply, else one per sample, which stays in cache. `relu` = 1 applies max(x, 0) to the
   * output (a ReLU layer fused into the convolution); default 0. `pooled` (N, OC, `OH>>1`, `OW>>1`), when
   * given, also receives the 2x2 averages of the output (an AvgPool2D layer fused in).
   */
  convForward(out: F, inp: F, weight: F, bias: F, mask: F | null, col: F,
    N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number, keep?: number,
    relu?: number, pooled?: F | null): void;
  /**
   * Input gradient of a convolution: `dinp` (N, C, H, W) = the transposed convolution of `dout` (N, OC, OH, OW)
   * with `weight` (overwritten).
   */
  convBackwardInput(dinp: F, dout: F, weight: F, mask: F | null, col: F,
    N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void;
  /**
   * `reuse` = 1 when `col` still holds what convForward(keep = 1) left there for this same `inp` (no other conv call
   * on `col` since): the wasm kernel then skips rebuilding the column matrices. Default 0.
   */
  convBackwardWeights(dweight: F, dbias: F, dout: F, inp: F, mask: F | null, col: F,
    N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number, reuse?: number): void;

  // pool.ts — 2x2 windows, stride 2, out (N, C, H>>1, W>>1) (odd edges dropped)
  /** 2x2 average pooling, stride 2: `out` (N, C, `H>>1`, `W>>1`) = mean of each window. */
  avgPoolForward(out: F, inp: F, N: number, C: number, H: number, W: number): void;
  /** Gradient of avgPoolForward: each input of a window gets a quarter of its output's gradient (overwritten). */
  avgPoolBackward(dinp: F, dout: F, N: number, C: number, H: number, W: number): void;
  /** LeNet subsampling: out = coeff[c] * (sum of the 2x2 block) + bias[c]. */
  subsampleForward(out: F, inp: F, coeff: F, bias: F, N: number, C: number, H: number, W: number): void;
  /** Gradients of subsampleForward: `dinp` (overwritten), `dcoeff` and `dbias` per channel (accumulated). */
  subsampleBackward(dinp: F, dcoeff: F, dbias: F, dout: F, inp: F, coeff: F,
    N: number, C: number, H: number, W: number): void;
  /** argmax holds, per output, the flat index (h*W + w) of the winner inside its (n, c) input plane. */
  maxPoolForward(out: F, argmax: I, inp: F, N: number, C: number, H: number, W: number): void;
  /**
   * Gradient of maxPoolForward: routes each output gradient to the input that won its window (`dinp` overwritten).
   */
  maxPoolBackward(dinp: F, dout: F, argmax: I, N: number, C: number, H: number, W: number): void;

  // dense.ts — inp (N, IN), weight (OUT, IN), bias (OUT), out (N, OUT)
  /**
   * Fully connected layer: `out` (N, OUT) = `inp` (N, IN) times `weight` (OUT, IN) transposed, plus `bias` (OUT).
   */
  denseForward(out: F, inp: F, weight: F, bias: F, N: number, IN: number, OUT: number): void;
  /** Gradients of denseForward: `dinp` (overwritten; skipped when null), `dweight` and `dbias` (accumulated). */
  denseBackward(dinp: F | null, dweight: F, dbias: F, dout: F, inp: F, weight: F,
    N: number, IN: number, OUT: number): void;

  // rbf.ts — out[n, i] = sum_j (inp[n, j] - proto[i, j])^2; proto (OUT, IN) is fixed (no gradient)
  /** Euclidean RBF units: `out[n, i]` = squared distance between `inp[n]` and prototype `proto[i]`. */
  rbfForward(out: F, inp: F, proto: F, N: number, IN: number, OUT: number): void;
  /**
   * Input gradient of rbfForward, `dinp` = sum over i of `dout[n, i]` 2 (inp - proto[i]) (overwritten; prototypes
   * are fixed).
   */
  rbfBackward(dinp: F, dout: F, inp: F, proto: F, N: number, IN: number, OUT: number): void;

  // activation.ts — elementwise over n values; backward reads the forward OUTPUT
  /** `out = max(inp, 0)` over `n` values (may run in place). */
  reluForward(out: F, inp: F, n: number): void;
  /** `dinp = dout` where the forward output is positive, else 0. */
  reluBackward(dinp: F, dout: F, out: F, n: number): void;
  /** The paper's squashing function f(a) = 1.7159 tanh(2a/3). */
  tanhForward(out: F, inp: F, n: number): void;
  /** Gradient of tanhForward from its output: `dinp = dout * f'(a)`. */
  tanhBackward(dinp: F, dout: F, out: F, n: number): void;
  /** The logistic function `out = 1 / (1 + e^-inp)` over `n` values. */
  sigmoidForward(out: F, inp: F, n: number): void;
  /** Gradient of sigmoidForward from its output: `dinp = dout * out (1 - out)`. */
  sigmoidBackward(dinp: F, dout: F, out: F, n: number): void;
  /** Row-wise over (N, C). */
  softmaxForward(out: F, inp: F, N: number, C: number): void;
  /** Gradient of softmaxForward from its output, row-wise over (N, C). */
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
  /** dst = a * dst + b * src (data-parallel training reduces shard gradients with it). */
  scaleAdd(dst: F, src: F, n: number, a: number, b: number): void;
  /** v = momentum*v + (g + wd*p); p -= lr*v (nesterov: p -= lr*(g + wd*p + momentum*v)). */
  sgdUpdate(param: F, grad: F, velocity: F, n: number, lr: number, momentum: number, weightDecay: number,
    nesterov: number): void;
  /** Adam with bias correction at step `t >= 1`; L2 weight decay added to the gradient. */
  adamUpdate(param: F, grad: F, m: F, v: F, n: number, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, t: number): void;
  // hessian.ts — Gauss-Newton second derivatives for SDLM (paper App. C): parameter terms ACCUMULATE,
  // input terms are OVERWRITTEN; conv and dense reuse their backward kernels on squared weights/inputs.
  /** out = inp^2 elementwise (squared weights and inputs for the second-derivative pass). */
  square(out: F, inp: F, n: number): void;
  /** d2inp = d2out * f'(a)^2 for the paper's squashing function, from the forward output. */
  tanhBackward2(d2inp: F, d2out: F, out: F, n: number): void;
  /** d2inp (N, C, H, W) = d2out / 16 over each 2x2 window. */
  avgPoolBackward2(d2inp: F, d2out: F, N: number, C: number, H: number, W: number): void;
  /** d2inp = d2out coeff^2, d2coeff += d2out (block sum)^2, d2bias += d2out. */
  subsampleBackward2(d2inp: F, d2coeff: F, d2bias: F, d2out: F, inp: F, coeff: F,
    N: number, C: number, H: number, W: number): void;
  /** inp (N, IN), proto (OUT, IN), pen (N, OUT): per-sample d2E/dx^2 of Eq. 8 (map 0) or Eq. 9 (map 1). */
  rbfLossBackward2(d2inp: F, inp: F, proto: F, pen: F, N: number, IN: number, OUT: number, j: number,
    map: number): void;
  /** probs (N, C): per-sample diagonal Hessian of softmax + cross-entropy w.r.t. the logits, p (1 - p). */
  softmaxCrossEntropyBackward2(d2logits: F, probs: F, N: number, C: number): void;
  /** param -= lr * grad / (mu + hkk) over n values. */
  sdlmUpdate(param: F, grad: F, hkk: F, n: number, lr: number, mu: number): void;

  // dropout.ts — inverted dropout, mask = 0 or 1/(1-rate) drawn from a hash of (seed, index)
  /** Element i draws its keep bit from hash(seed, first + i); `first` defaults to 0. */
  dropoutForward(out: F, mask: F, inp: F, n: number, rate: number, seed: number, first?: number): void;
  /** Gradient of dropoutForward: `dinp = dout * mask`. */
  dropoutBackward(dinp: F, dout: F, mask: F, n: number): void;

  // input.ts — out (N, H+2pad, W+2pad) = lut[bytes (N, H, W)] (256 floats), border = lut[0]
  /**
   * Turns 8-bit pixels (N, H, W) into the float input (N, H+2pad, W+2pad) through the 256-entry table `lut`; the
   * border is `lut[0]`.
   */
  bytesToInput(out: F, bytes: B, lut: F, N: number, H: number, W: number, pad: number): void;
}

export { KERNEL_NAMES, type KernelName } from './kernel-table.js';

/** The float arrays the pure-TS twins accept: Float32 for parity, Float64 for gradient checks. */
export type Arr = Float32Array | Float64Array;

/**
 * Length in floats of the im2col scratch one conv call needs (forward and both backwards). `maskedOC`: the
 * number of output maps when the layer has a connection table (its kernels copy the masked weights, OC x
 * C*KH*KW floats, into the scratch), else 0.
 */
export function convScratchLength(N: number, C: number, H: number, W: number, KH: number, KW: number,
  pad: number, maskedOC = 0): number {
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  const up4 = (x: number): number => Math.ceil(x / 4) * 4;
  const P = OH > 0 && OW > 0 ? OH * OW : 0;
  const K = C * KH * KW;
  const KKp = up4(KH * KW);
  // Mirrors assembly/conv-common.ts: the direct path's weight pack (at least 4 x 128 floats), then the column
  // matrices of the whole batch, N x (K, P) with rows padded to a multiple of 4 (kept from the forward
  // for the weight gradient) and, with padding, one zero-bordered input sample; when P == 1 at most
  // (N, C*KKp); then the masked copy of the weights.
  const pack = 4 * Math.max(up4(K), 128);
  const padded = pad > 0 ? C * (H + 2 * pad) * (W + 2 * pad) : 0;
  return pack + Math.max(N * K * up4(P) + padded, P === 1 ? N * C * KKp : 0) + maskedOC * K;
}
