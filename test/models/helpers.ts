/**
 * Test helpers for whole models: a Float64 backend (the twins over a Float64 shadow of the arena, for
 * finite-difference gradient checks of whole networks). Real datasets: test/util/data.ts.
 */
import type { Backend } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/js-backend.js';
import type { Region } from '../../src/memory.js';
import * as ref from '../../src/reference/index.js';

/**
 * The pure-TS twins in Float64: every float region is a Float64Array over a shadow buffer at twice the
 * byte offset (int32 regions stay in the arena). Exposes `view(r)` so the model reads and writes the
 * same Float64 storage the kernels use.
 */
export function f64Backend(): Backend & { view(r: Region): Float64Array } {
  const base = createJsBackend();
  let shadow = new ArrayBuffer(2 * base.arena.capacity);
  // Grow the shadow when the arena grows (inside alloc), never while a kernel's arguments are being
  // viewed: a view taken before a growth would point into the old buffer and lose its writes.
  const arena = base.arena;
  const alloc = arena.alloc.bind(arena);
  arena.alloc = (length, label, dtype) => {
    const r = alloc(length, label, dtype);
    if (2 * arena.capacity > shadow.byteLength) {
      const next = new ArrayBuffer(2 * arena.capacity);
      new Uint8Array(next).set(new Uint8Array(shadow));
      shadow = next;
    }
    new Float64Array(shadow, r.ptr * 2, r.length).fill(0);
    return r;
  };
  const view = (r: Region): Float64Array => new Float64Array(shadow, r.ptr * 2, r.length);
  const f = view;
  const fn = (r: Region | null): Float64Array | null => (r === null ? null : view(r));
  const i = (r: Region): Int32Array => r.i32;
  const b: Backend & { view(r: Region): Float64Array } = {
    ...base,
    name: 'js',
    view,
    convForward: (out, inp, w, bias, mask, col, N, C, H, W, OC, KH, KW, pad, keep, relu, pooled) =>
      ref.convForward(f(out), f(inp), f(w), f(bias), fn(mask), f(col), N, C, H, W, OC, KH, KW, pad, keep, relu,
        fn(pooled ?? null)),
    convBackwardInput: (dinp, dout, w, mask, col, N, C, H, W, OC, KH, KW, pad) =>
      ref.convBackwardInput(f(dinp), f(dout), f(w), fn(mask), f(col), N, C, H, W, OC, KH, KW, pad),
    convBackwardWeights: (dw, db, dout, inp, mask, col, N, C, H, W, OC, KH, KW, pad) =>
      ref.convBackwardWeights(f(dw), f(db), f(dout), f(inp), fn(mask), f(col), N, C, H, W, OC, KH, KW, pad),
    avgPoolForward: (out, inp, N, C, H, W) => ref.avgPoolForward(f(out), f(inp), N, C, H, W),
    avgPoolBackward: (dinp, dout, N, C, H, W) => ref.avgPoolBackward(f(dinp), f(dout), N, C, H, W),
    subsampleForward: (out, inp, k, bias, N, C, H, W) => ref.subsampleForward(f(out), f(inp), f(k), f(bias), N, C, H, W),
    subsampleBackward: (dinp, dk, db, dout, inp, k, N, C, H, W) =>
      ref.subsampleBackward(f(dinp), f(dk), f(db), f(dout), f(inp), f(k), N, C, H, W),
    maxPoolForward: (out, am, inp, N, C, H, W) => ref.maxPoolForward(f(out), i(am), f(inp), N, C, H, W),
    maxPoolBackward: (dinp, dout, am, N, C, H, W) => ref.maxPoolBackward(f(dinp), f(dout), i(am), N, C, H, W),
    denseForward: (out, inp, w, bias, N, IN, OUT) => ref.denseForward(f(out), f(inp), f(w), f(bias), N, IN, OUT),
    denseBackward: (dinp, dw, db, dout, inp, w, N, IN, OUT) =>
      ref.denseBackward(fn(dinp), f(dw), f(db), f(dout), f(inp), f(w), N, IN, OUT),
    rbfForward: (out, inp, p, N, IN, OUT) => ref.rbfForward(f(out), f(inp), f(p), N, IN, OUT),
    rbfBackward: (dinp, dout, inp, p, N, IN, OUT) => ref.rbfBackward(f(dinp), f(dout), f(inp), f(p), N, IN, OUT),
    reluForward: (out, inp, n) => ref.reluForward(f(out), f(inp), n),
    reluBackward: (dinp, dout, out, n) => ref.reluBackward(f(dinp), f(dout), f(out), n),
    tanhForward: (out, inp, n) => ref.tanhForward(f(out), f(inp), n),
    tanhBackward: (dinp, dout, out, n) => ref.tanhBackward(f(dinp), f(dout), f(out), n),
    sigmoidForward: (out, inp, n) => ref.sigmoidForward(f(out), f(inp), n),
    sigmoidBackward: (dinp, dout, out, n) => ref.sigmoidBackward(f(dinp), f(dout), f(out), n),
    softmaxForward: (out, inp, N, C) => ref.softmaxForward(f(out), f(inp), N, C),
    softmaxBackward: (dinp, dout, out, N, C) => ref.softmaxBackward(f(dinp), f(dout), f(out), N, C),
    softmaxCrossEntropy: (dl, probs, logits, labels, N, C) => ref.softmaxCrossEntropy(f(dl), f(probs), f(logits), i(labels), N, C),
    mseLoss: (dp, p, t, N, C) => ref.mseLoss(f(dp), f(p), f(t), N, C),
    rbfPenaltyLoss: (dp, p, labels, N, C) => ref.rbfPenaltyLoss(f(dp), f(p), i(labels), N, C),
    rbfMapLoss: (dp, p, labels, N, C, j) => ref.rbfMapLoss(f(dp), f(p), i(labels), N, C, j),
    sgdUpdate: (p, g, v, n, lr, m, wd, nest) => ref.sgdUpdate(f(p), f(g), f(v), n, lr, m, wd, nest),
    adamUpdate: (p, g, m, v, n, lr, b1, b2, eps, wd, t) => ref.adamUpdate(f(p), f(g), f(m), f(v), n, lr, b1, b2, eps, wd, t),
    square: (out, inp, n) => ref.square(f(out), f(inp), n),
    tanhBackward2: (d2inp, d2out, out, n) => ref.tanhBackward2(f(d2inp), f(d2out), f(out), n),
    avgPoolBackward2: (d2inp, d2out, N, C, H, W) => ref.avgPoolBackward2(f(d2inp), f(d2out), N, C, H, W),
    subsampleBackward2: (d2inp, d2k, d2b, d2out, inp, k, N, C, H, W) =>
      ref.subsampleBackward2(f(d2inp), f(d2k), f(d2b), f(d2out), f(inp), f(k), N, C, H, W),
    rbfLossBackward2: (d2inp, inp, p, pen, N, IN, OUT, j, map) => ref.rbfLossBackward2(f(d2inp), f(inp), f(p), f(pen), N, IN, OUT, j, map),
    softmaxCrossEntropyBackward2: (d2l, probs, N, C) => ref.softmaxCrossEntropyBackward2(f(d2l), f(probs), N, C),
    sdlmUpdate: (p, g, h, n, lr, mu) => ref.sdlmUpdate(f(p), f(g), f(h), n, lr, mu),
    dropoutForward: (out, mask, inp, n, rate, seed) => ref.dropoutForward(f(out), f(mask), f(inp), n, rate, seed),
    bytesToInput: (out, bytes, lut, N, H, W, pad) => ref.bytesToInput(f(out), bytes.u8, f(lut), N, H, W, pad),
    dropoutBackward: (dinp, dout, mask, n) => ref.dropoutBackward(f(dinp), f(dout), f(mask), n),
  };
  return b;
}
