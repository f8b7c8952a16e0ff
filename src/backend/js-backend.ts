import { Arena, PlainMemory, type Region } from '../memory.js';
import * as ref from '../reference/index.js';
import type { Backend } from './backend.js';

const f = (r: Region): Float32Array => r.f32;
const fn = (r: Region | null): Float32Array | null => (r === null ? null : r.f32);
const i = (r: Region): Int32Array => r.i32;

/**
 * The pure-TS twins bound to an arena. The arena lives in a WebAssembly.Memory when the engine has one
 * (same layout rules as the wasm backend), else in a plain ArrayBuffer.
 */
export function createJsBackend(maxBytes?: number): Backend {
  const memory = typeof WebAssembly === 'object' ? new WebAssembly.Memory({ initial: 1 }) : new PlainMemory(1);
  const arena = new Arena(memory, 0, maxBytes);
  return {
    name: 'js',
    arena,
    convForward: (out, inp, weight, bias, mask, col, N, C, H, W, OC, KH, KW, pad, keep, relu, pooled) =>
      ref.convForward(f(out), f(inp), f(weight), f(bias), fn(mask), f(col), N, C, H, W, OC, KH, KW, pad, keep, relu,
        fn(pooled ?? null)),
    convBackwardInput: (dinp, dout, weight, mask, col, N, C, H, W, OC, KH, KW, pad) =>
      ref.convBackwardInput(f(dinp), f(dout), f(weight), fn(mask), f(col), N, C, H, W, OC, KH, KW, pad),
    convBackwardWeights: (dweight, dbias, dout, inp, mask, col, N, C, H, W, OC, KH, KW, pad, reuse) =>
      ref.convBackwardWeights(f(dweight), f(dbias), f(dout), f(inp), fn(mask), f(col), N, C, H, W, OC, KH, KW, pad, reuse),
    avgPoolForward: (out, inp, N, C, H, W) => ref.avgPoolForward(f(out), f(inp), N, C, H, W),
    avgPoolBackward: (dinp, dout, N, C, H, W) => ref.avgPoolBackward(f(dinp), f(dout), N, C, H, W),
    subsampleForward: (out, inp, coeff, bias, N, C, H, W) =>
      ref.subsampleForward(f(out), f(inp), f(coeff), f(bias), N, C, H, W),
    subsampleBackward: (dinp, dcoeff, dbias, dout, inp, coeff, N, C, H, W) =>
      ref.subsampleBackward(f(dinp), f(dcoeff), f(dbias), f(dout), f(inp), f(coeff), N, C, H, W),
    maxPoolForward: (out, argmax, inp, N, C, H, W) => ref.maxPoolForward(f(out), i(argmax), f(inp), N, C, H, W),
    maxPoolBackward: (dinp, dout, argmax, N, C, H, W) =>
      ref.maxPoolBackward(f(dinp), f(dout), i(argmax), N, C, H, W),
    denseForward: (out, inp, weight, bias, N, IN, OUT) =>
      ref.denseForward(f(out), f(inp), f(weight), f(bias), N, IN, OUT),
    denseBackward: (dinp, dweight, dbias, dout, inp, weight, N, IN, OUT) =>
      ref.denseBackward(fn(dinp), f(dweight), f(dbias), f(dout), f(inp), f(weight), N, IN, OUT),
    rbfForward: (out, inp, proto, N, IN, OUT) => ref.rbfForward(f(out), f(inp), f(proto), N, IN, OUT),
    rbfBackward: (dinp, dout, inp, proto, N, IN, OUT) =>
      ref.rbfBackward(f(dinp), f(dout), f(inp), f(proto), N, IN, OUT),
    reluForward: (out, inp, n) => ref.reluForward(f(out), f(inp), n),
    reluBackward: (dinp, dout, out, n) => ref.reluBackward(f(dinp), f(dout), f(out), n),
    tanhForward: (out, inp, n) => ref.tanhForward(f(out), f(inp), n),
    tanhBackward: (dinp, dout, out, n) => ref.tanhBackward(f(dinp), f(dout), f(out), n),
    sigmoidForward: (out, inp, n) => ref.sigmoidForward(f(out), f(inp), n),
    sigmoidBackward: (dinp, dout, out, n) => ref.sigmoidBackward(f(dinp), f(dout), f(out), n),
    softmaxForward: (out, inp, N, C) => ref.softmaxForward(f(out), f(inp), N, C),
    softmaxBackward: (dinp, dout, out, N, C) => ref.softmaxBackward(f(dinp), f(dout), f(out), N, C),
    softmaxCrossEntropy: (dlogits, probs, logits, labels, N, C) =>
      ref.softmaxCrossEntropy(f(dlogits), f(probs), f(logits), i(labels), N, C),
    mseLoss: (dpred, pred, target, N, C) => ref.mseLoss(f(dpred), f(pred), f(target), N, C),
    rbfPenaltyLoss: (dpen, pen, labels, N, C) => ref.rbfPenaltyLoss(f(dpen), f(pen), i(labels), N, C),
    rbfMapLoss: (dpen, pen, labels, N, C, j) => ref.rbfMapLoss(f(dpen), f(pen), i(labels), N, C, j),
    scaleAdd: (dst, src, n, a, b) => ref.scaleAdd(f(dst), f(src), n, a, b),
    sgdUpdate: (param, grad, velocity, n, lr, momentum, weightDecay, nesterov) =>
      ref.sgdUpdate(f(param), f(grad), f(velocity), n, lr, momentum, weightDecay, nesterov),
    adamUpdate: (param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, t) =>
      ref.adamUpdate(f(param), f(grad), f(m), f(v), n, lr, beta1, beta2, eps, weightDecay, t),
    square: (out, inp, n) => ref.square(f(out), f(inp), n),
    tanhBackward2: (d2inp, d2out, out, n) => ref.tanhBackward2(f(d2inp), f(d2out), f(out), n),
    avgPoolBackward2: (d2inp, d2out, N, C, H, W) => ref.avgPoolBackward2(f(d2inp), f(d2out), N, C, H, W),
    subsampleBackward2: (d2inp, d2coeff, d2bias, d2out, inp, coeff, N, C, H, W) =>
      ref.subsampleBackward2(f(d2inp), f(d2coeff), f(d2bias), f(d2out), f(inp), f(coeff), N, C, H, W),
    rbfLossBackward2: (d2inp, inp, proto, pen, N, IN, OUT, j, map) =>
      ref.rbfLossBackward2(f(d2inp), f(inp), f(proto), f(pen), N, IN, OUT, j, map),
    softmaxCrossEntropyBackward2: (d2logits, probs, N, C) => ref.softmaxCrossEntropyBackward2(f(d2logits), f(probs), N, C),
    sdlmUpdate: (param, grad, hkk, n, lr, mu) => ref.sdlmUpdate(f(param), f(grad), f(hkk), n, lr, mu),
    dropoutForward: (out, mask, inp, n, rate, seed, first) =>
      ref.dropoutForward(f(out), f(mask), f(inp), n, rate, seed, first),
    dropoutBackward: (dinp, dout, mask, n) => ref.dropoutBackward(f(dinp), f(dout), f(mask), n),
    bytesToInput: (out, bytes, lut, N, H, W, pad) => ref.bytesToInput(f(out), bytes.u8, f(lut), N, H, W, pad),
  };
}
