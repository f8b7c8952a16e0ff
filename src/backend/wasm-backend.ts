import { Arena, type Region } from '../memory.js';
import type { Backend } from './backend.js';
import { InvalidArgumentError } from '../errors.js';
import { convScratchLength, type Kernels } from './kernels.js';

/** The module's exports: every kernel over byte offsets, plus the memory and where the heap starts. */
export interface WasmExports extends Omit<Kernels<number, number>, 'adamUpdate'> {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  /** Takes the bias corrections c1 = 1 / (1 - beta1^t), c2 = 1 / (1 - beta2^t) where the others take t. */
  adamUpdate(param: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, c1: number, c2: number): void;
}

const p = (r: Region | null): number => (r === null ? 0 : r.ptr);

/**
 * The conv kernels write up to convScratchLength floats of `col` and trust it: a short scratch would be
 * memory corruption, not an error, so it is checked here (a few multiplications a call).
 */
function scratchOf(col: Region, mask: Region | null, N: number, C: number, H: number, W: number, OC: number,
  KH: number, KW: number, pad: number): number {
  const need = convScratchLength(N, C, H, W, KH, KW, pad, mask !== null ? OC : 0);
  if (col.length < need) {
    throw new InvalidArgumentError(`conv scratch ${col.label} holds ${col.length} floats, the call needs ${need} ` +
      '(convScratchLength, with the output maps when a connection table is given)');
  }
  return col.ptr;
}

/**
 * A slice of a shared WebAssembly.Memory for one instance of the threads build: its arena spans
 * [base, end) and never grows the memory (size it first), so instances on other threads can share it.
 */
export interface SharedSlice {
  memory: WebAssembly.Memory;
  base: number;
  end: number;
}

/**
 * Instantiates `module` with its own memory and binds every kernel to regions of one arena; with `shared`,
 * the threads build over that slice of a shared memory instead.
 */
export function createWasmBackend(module: WebAssembly.Module, maxBytes?: number, shared?: SharedSlice): Backend {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new InvalidArgumentError(`lenet5: a wasm kernel aborted at ${line}:${col} (arguments outside its contract: a bug in lenet5, please report it)`);
      },
      ...(shared !== undefined ? { memory: shared.memory } : {}),
    },
  });
  const k = instance.exports as unknown as WasmExports;
  const arena = shared !== undefined
    ? new Arena(shared.memory, Math.max(shared.base, k.heapBase()), shared.end)
    : new Arena(k.memory, k.heapBase(), maxBytes);
  return {
    name: 'wasm',
    arena,
    convForward: (out, inp, weight, bias, mask, col, N, C, H, W, OC, KH, KW, pad, keep = 0, relu = 0, pooled = null) =>
      k.convForward(out.ptr, inp.ptr, weight.ptr, bias.ptr, p(mask), scratchOf(col, mask, N, C, H, W, OC, KH, KW, pad),
        N, C, H, W, OC, KH, KW, pad, keep, relu, p(pooled)),
    convBackwardInput: (dinp, dout, weight, mask, col, N, C, H, W, OC, KH, KW, pad) =>
      k.convBackwardInput(dinp.ptr, dout.ptr, weight.ptr, p(mask), scratchOf(col, mask, N, C, H, W, OC, KH, KW, pad),
        N, C, H, W, OC, KH, KW, pad),
    convBackwardWeights: (dweight, dbias, dout, inp, mask, col, N, C, H, W, OC, KH, KW, pad, reuse = 0) =>
      k.convBackwardWeights(dweight.ptr, dbias.ptr, dout.ptr, inp.ptr, p(mask),
        scratchOf(col, mask, N, C, H, W, OC, KH, KW, pad), N, C, H, W, OC, KH, KW, pad, reuse),
    avgPoolForward: (out, inp, N, C, H, W) => k.avgPoolForward(out.ptr, inp.ptr, N, C, H, W),
    avgPoolBackward: (dinp, dout, N, C, H, W) => k.avgPoolBackward(dinp.ptr, dout.ptr, N, C, H, W),
    subsampleForward: (out, inp, coeff, bias, N, C, H, W) =>
      k.subsampleForward(out.ptr, inp.ptr, coeff.ptr, bias.ptr, N, C, H, W),
    subsampleBackward: (dinp, dcoeff, dbias, dout, inp, coeff, N, C, H, W) =>
      k.subsampleBackward(dinp.ptr, dcoeff.ptr, dbias.ptr, dout.ptr, inp.ptr, coeff.ptr, N, C, H, W),
    maxPoolForward: (out, argmax, inp, N, C, H, W) => k.maxPoolForward(out.ptr, argmax.ptr, inp.ptr, N, C, H, W),
    maxPoolBackward: (dinp, dout, argmax, N, C, H, W) =>
      k.maxPoolBackward(dinp.ptr, dout.ptr, argmax.ptr, N, C, H, W),
    denseForward: (out, inp, weight, bias, N, IN, OUT) =>
      k.denseForward(out.ptr, inp.ptr, weight.ptr, bias.ptr, N, IN, OUT),
    denseBackward: (dinp, dweight, dbias, dout, inp, weight, N, IN, OUT) =>
      k.denseBackward(p(dinp), dweight.ptr, dbias.ptr, dout.ptr, inp.ptr, weight.ptr, N, IN, OUT),
    rbfForward: (out, inp, proto, N, IN, OUT) => k.rbfForward(out.ptr, inp.ptr, proto.ptr, N, IN, OUT),
    rbfBackward: (dinp, dout, inp, proto, N, IN, OUT) =>
      k.rbfBackward(dinp.ptr, dout.ptr, inp.ptr, proto.ptr, N, IN, OUT),
    reluForward: (out, inp, n) => k.reluForward(out.ptr, inp.ptr, n),
    reluBackward: (dinp, dout, out, n) => k.reluBackward(dinp.ptr, dout.ptr, out.ptr, n),
    tanhForward: (out, inp, n) => k.tanhForward(out.ptr, inp.ptr, n),
    tanhBackward: (dinp, dout, out, n) => k.tanhBackward(dinp.ptr, dout.ptr, out.ptr, n),
    sigmoidForward: (out, inp, n) => k.sigmoidForward(out.ptr, inp.ptr, n),
    sigmoidBackward: (dinp, dout, out, n) => k.sigmoidBackward(dinp.ptr, dout.ptr, out.ptr, n),
    softmaxForward: (out, inp, N, C) => k.softmaxForward(out.ptr, inp.ptr, N, C),
    softmaxBackward: (dinp, dout, out, N, C) => k.softmaxBackward(dinp.ptr, dout.ptr, out.ptr, N, C),
    softmaxCrossEntropy: (dlogits, probs, logits, labels, N, C) =>
      k.softmaxCrossEntropy(dlogits.ptr, probs.ptr, logits.ptr, labels.ptr, N, C),
    mseLoss: (dpred, pred, target, N, C) => k.mseLoss(dpred.ptr, pred.ptr, target.ptr, N, C),
    rbfPenaltyLoss: (dpen, pen, labels, N, C) => k.rbfPenaltyLoss(dpen.ptr, pen.ptr, labels.ptr, N, C),
    rbfMapLoss: (dpen, pen, labels, N, C, j) => k.rbfMapLoss(dpen.ptr, pen.ptr, labels.ptr, N, C, j),
    scaleAdd: (dst, src, n, a, b) => k.scaleAdd(dst.ptr, src.ptr, n, a, b),
    sgdUpdate: (param, grad, velocity, n, lr, momentum, weightDecay, nesterov) =>
      k.sgdUpdate(param.ptr, grad.ptr, velocity.ptr, n, lr, momentum, weightDecay, nesterov),
    // The kernel takes the bias corrections (assembly/optim.ts says why), computed here in f64.
    adamUpdate: (param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, t) =>
      k.adamUpdate(param.ptr, grad.ptr, m.ptr, v.ptr, n, lr, beta1, beta2, eps, weightDecay,
        1 / (1 - Math.pow(Math.fround(beta1), t)), 1 / (1 - Math.pow(Math.fround(beta2), t))),
    square: (out, inp, n) => k.square(out.ptr, inp.ptr, n),
    tanhBackward2: (d2inp, d2out, out, n) => k.tanhBackward2(d2inp.ptr, d2out.ptr, out.ptr, n),
    avgPoolBackward2: (d2inp, d2out, N, C, H, W) => k.avgPoolBackward2(d2inp.ptr, d2out.ptr, N, C, H, W),
    subsampleBackward2: (d2inp, d2coeff, d2bias, d2out, inp, coeff, N, C, H, W) =>
      k.subsampleBackward2(d2inp.ptr, d2coeff.ptr, d2bias.ptr, d2out.ptr, inp.ptr, coeff.ptr, N, C, H, W),
    rbfLossBackward2: (d2inp, inp, proto, pen, N, IN, OUT, j, map) =>
      k.rbfLossBackward2(d2inp.ptr, inp.ptr, proto.ptr, pen.ptr, N, IN, OUT, j, map),
    softmaxCrossEntropyBackward2: (d2logits, probs, N, C) => k.softmaxCrossEntropyBackward2(d2logits.ptr, probs.ptr, N, C),
    sdlmUpdate: (param, grad, hkk, n, lr, mu) => k.sdlmUpdate(param.ptr, grad.ptr, hkk.ptr, n, lr, mu),
    dropoutForward: (out, mask, inp, n, rate, seed, first = 0) =>
      k.dropoutForward(out.ptr, mask.ptr, inp.ptr, n, rate, seed, first),
    dropoutBackward: (dinp, dout, mask, n) => k.dropoutBackward(dinp.ptr, dout.ptr, mask.ptr, n),
    bytesToInput: (out, bytes, lut, N, H, W, pad) => k.bytesToInput(out.ptr, bytes.ptr, lut.ptr, N, H, W, pad),
  };
}
