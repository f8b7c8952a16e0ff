import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose } from '../util/compare.js';
import { Rng } from '../util/rng.js';
import { f32, upload, wasmBackend } from '../util/backends.js';

const STEPS = 5;

/** Lengths around the 4-lane width, LeNet-sized blocks and random ones. */
function sizes(): number[] {
  const rng = new Rng(0x5eed_0006);
  return [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 156, 1516, 61706, ...Array.from({ length: 10 }, () => rng.int(1, 3000))];
}

// Hyperparameters go through Math.fround: the wasm kernel takes them as float32, and the hand-written
// formula must see the same numbers (f32(0.999) differs from 0.999 by 1.3e-8, i.e. 1.3e-5 of 1 - beta2).
interface SgdConfig {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: number;
}
const SGD_CONFIGS: SgdConfig[] = [
  { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: 0 },
  { lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: 0 },
  { lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: 1 },
  { lr: 0.01, momentum: 0.9, weightDecay: 5e-4, nesterov: 0 },
  { lr: 0.02, momentum: 0.5, weightDecay: 0.05, nesterov: 1 },
  { lr: 0.2, momentum: 0, weightDecay: 0.1, nesterov: 1 },
].map((c) => ({ ...c, lr: Math.fround(c.lr), momentum: Math.fround(c.momentum), weightDecay: Math.fround(c.weightDecay) }));

interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Step number of the first update. */
  t0: number;
}
const ADAM_CONFIGS: AdamConfig[] = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, t0: 1 },
  { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, t0: 1 },
  { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0, t0: 1000 },
  { lr: 0.05, beta1: 0.5, beta2: 0.9, eps: 1e-3, weightDecay: 0.1, t0: 3 },
].map((c) => ({
  ...c, lr: Math.fround(c.lr), beta1: Math.fround(c.beta1), beta2: Math.fround(c.beta2), eps: Math.fround(c.eps),
  weightDecay: Math.fround(c.weightDecay),
}));

/** The documented SGD update, one scalar at a time, written independently of the twin. */
function sgdByHand(p: number[], v: number[], grads: number[][], c: SgdConfig): void {
  for (const g of grads) {
    for (let i = 0; i < p.length; i++) {
      const gEff = g[i]! + c.weightDecay * p[i]!;
      v[i] = c.momentum * v[i]! + gEff;
      const update = c.nesterov ? gEff + c.momentum * v[i]! : v[i]!;
      p[i] = p[i]! - c.lr * update;
    }
  }
}

/** Adam (Kingma & Ba, Algorithm 1) with L2 weight decay folded into the gradient. */
function adamByHand(p: number[], m: number[], v: number[], grads: number[][], c: AdamConfig): void {
  grads.forEach((g, k) => {
    const t = c.t0 + k;
    for (let i = 0; i < p.length; i++) {
      const gEff = g[i]! + c.weightDecay * p[i]!;
      m[i] = c.beta1 * m[i]! + (1 - c.beta1) * gEff;
      v[i] = c.beta2 * v[i]! + (1 - c.beta2) * gEff ** 2;
      const mHat = m[i]! / (1 - c.beta1 ** t);
      const vHat = v[i]! / (1 - c.beta2 ** t);
      p[i] = p[i]! - (c.lr * mHat) / (Math.sqrt(vHat) + c.eps);
    }
  });
}

// float32 state against the float64 formula: a few float32 roundings per value per step.
const F32_TOL = { atol: 1e-6, rtol: 1e-5 };
const F64_TOL = { atol: 1e-13, rtol: 1e-12 };

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

describe('scaleAdd', () => {
  it.each(sizes().map((n, k) => ({ n, a: Math.fround([1, 0.5, 0.25, 0][k % 4]!), b: Math.fround([0.5, 0.25, 0.75, 1][k % 4]!) })))(
    '%o: wasm = twin = dst * a + src * b',
    ({ n, a, b: w }) => {
      b.arena.reset(base);
      const rng = new Rng(n * 5 + 1);
      const d0 = f32(rng.array(n)), s0 = f32(rng.array(n));
      const hand = Array.from(d0, (d, i) => a * d + w * s0[i]!);
      const d64 = Float64Array.from(d0);
      ref.scaleAdd(d64, Float64Array.from(s0), n, a, w);
      const dr = upload(b, d0), sr = upload(b, s0);
      b.scaleAdd(dr, sr, n, a, w);
      expectClose(d64, hand, { ...F64_TOL, label: 'scaleAdd twin f64' });
      // One product and one sum per value: within 2 float32 roundings of the exact result.
      expectClose(dr.f32, hand, { ...F32_TOL, label: 'scaleAdd wasm vs formula' });
    },
  );
});

describe('sgdUpdate', () => {
  it.each(sizes().map((n, k) => ({ n, ...SGD_CONFIGS[k % SGD_CONFIGS.length]! })))(
    '%o: wasm and twin follow the formula over several steps',
    ({ n, ...c }) => {
      b.arena.reset(base);
      const rng = new Rng(n * 3 + c.nesterov);
      const p0 = f32(rng.array(n, -2, 2));
      const v0 = f32(rng.array(n, -0.5, 0.5));
      const grads = Array.from({ length: STEPS }, () => f32(rng.array(n)));

      const pHand = Array.from(p0), vHand = Array.from(v0);
      sgdByHand(pHand, vHand, grads.map((g) => Array.from(g)), c);

      const p64 = Float64Array.from(p0), v64 = Float64Array.from(v0);
      const p32 = p0.slice(), v32 = v0.slice();
      const pr = upload(b, p0), vr = upload(b, v0), gr = upload(b, n);
      for (const g of grads) {
        ref.sgdUpdate(p64, Float64Array.from(g), v64, n, c.lr, c.momentum, c.weightDecay, c.nesterov);
        ref.sgdUpdate(p32, g, v32, n, c.lr, c.momentum, c.weightDecay, c.nesterov);
        gr.f32.set(g);
        b.sgdUpdate(pr, gr, vr, n, c.lr, c.momentum, c.weightDecay, c.nesterov);
      }
      expectClose(p64, pHand, { ...F64_TOL, label: 'sgd twin f64 param' });
      expectClose(v64, vHand, { ...F64_TOL, label: 'sgd twin f64 velocity' });
      expectClose(pr.f32, pHand, { ...F32_TOL, label: 'sgd wasm param vs formula' });
      expectClose(vr.f32, vHand, { ...F32_TOL, label: 'sgd wasm velocity vs formula' });
      expectClose(pr.f32, p32, { ...F32_TOL, label: 'sgd wasm param vs f32 twin' });
      expectClose(vr.f32, v32, { ...F32_TOL, label: 'sgd wasm velocity vs f32 twin' });
    },
  );

  it('Nesterov looks ahead: differs from plain momentum by lr * momentum * v', () => {
    b.arena.reset(base);
    const c = SGD_CONFIGS[1]!;
    const p = upload(b, [1, 1, 1, 1, 1]), q = upload(b, [1, 1, 1, 1, 1]);
    const v = upload(b, [0.5, 0.5, 0.5, 0.5, 0.5]), w = upload(b, [0.5, 0.5, 0.5, 0.5, 0.5]);
    const g = upload(b, [0.25, 0.25, 0.25, 0.25, 0.25]);
    b.sgdUpdate(p, g, v, 5, c.lr, c.momentum, 0, 0);
    b.sgdUpdate(q, g, w, 5, c.lr, c.momentum, 0, 1);
    const vNew = c.momentum * 0.5 + 0.25;
    expectClose(p.f32, new Array(5).fill(1 - c.lr * vNew), { atol: 1e-7, rtol: 0, label: 'momentum step' });
    expectClose(q.f32, new Array(5).fill(1 - c.lr * (0.25 + c.momentum * vNew)), { atol: 1e-7, rtol: 0, label: 'nesterov step' });
    expectClose(w.f32, v.f32, { atol: 0, rtol: 0, label: 'same velocity' });
  });
});

describe('adamUpdate', () => {
  it.each(sizes().map((n, k) => ({ n, ...ADAM_CONFIGS[k % ADAM_CONFIGS.length]! })))(
    '%o: wasm and twin follow the formula over several steps',
    ({ n, ...c }) => {
      b.arena.reset(base);
      const rng = new Rng(n * 5 + c.t0);
      const p0 = f32(rng.array(n, -2, 2));
      // A fresh optimizer starts from zero moments; a resumed one (t0 > 1) from earlier ones.
      const m0 = c.t0 === 1 ? new Float32Array(n) : f32(rng.array(n, -0.1, 0.1));
      const v0 = c.t0 === 1 ? new Float32Array(n) : f32(rng.array(n, 0, 0.01));
      const grads = Array.from({ length: STEPS }, () => f32(rng.array(n)));

      const pHand = Array.from(p0), mHand = Array.from(m0), vHand = Array.from(v0);
      adamByHand(pHand, mHand, vHand, grads.map((g) => Array.from(g)), c);

      const p64 = Float64Array.from(p0), m64 = Float64Array.from(m0), v64 = Float64Array.from(v0);
      const p32 = p0.slice(), m32 = m0.slice(), v32 = v0.slice();
      const pr = upload(b, p0), mr = upload(b, m0), vr = upload(b, v0), gr = upload(b, n);
      grads.forEach((g, k) => {
        const t = c.t0 + k;
        ref.adamUpdate(p64, Float64Array.from(g), m64, v64, n, c.lr, c.beta1, c.beta2, c.eps, c.weightDecay, t);
        ref.adamUpdate(p32, g, m32, v32, n, c.lr, c.beta1, c.beta2, c.eps, c.weightDecay, t);
        gr.f32.set(g);
        b.adamUpdate(pr, gr, mr, vr, n, c.lr, c.beta1, c.beta2, c.eps, c.weightDecay, t);
      });
      expectClose(p64, pHand, { ...F64_TOL, label: 'adam twin f64 param' });
      expectClose(m64, mHand, { ...F64_TOL, label: 'adam twin f64 m' });
      expectClose(v64, vHand, { ...F64_TOL, label: 'adam twin f64 v' });
      expectClose(pr.f32, pHand, { ...F32_TOL, label: 'adam wasm param vs formula' });
      expectClose(mr.f32, mHand, { ...F32_TOL, label: 'adam wasm m vs formula' });
      expectClose(vr.f32, vHand, { ...F32_TOL, label: 'adam wasm v vs formula' });
      expectClose(pr.f32, p32, { ...F32_TOL, label: 'adam wasm param vs f32 twin' });
      expectClose(mr.f32, m32, { ...F32_TOL, label: 'adam wasm m vs f32 twin' });
      expectClose(vr.f32, v32, { ...F32_TOL, label: 'adam wasm v vs f32 twin' });
    },
  );

  it('the first bias-corrected step moves every parameter by about lr against its gradient', () => {
    b.arena.reset(base);
    const n = 7;
    const lr = Math.fround(0.01);
    const g = f32([0.3, -2, 1e-3, -1e-3, 5, -0.7, 0.01]);
    const p = upload(b, n), m = upload(b, n), v = upload(b, n);
    b.adamUpdate(p, upload(b, g), m, v, n, lr, Math.fround(0.9), Math.fround(0.999), Math.fround(1e-8), 0, 1);
    // m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / (|g| + eps).
    expectClose(p.f32, Array.from(g, (x) => (-lr * x) / (Math.abs(x) + 1e-8)), { atol: 1e-9, rtol: 1e-5, label: 'first step' });
  });

  it('the twin refuses step 0, where the bias correction divides by zero', () => {
    const a = new Float32Array(3);
    expect(() => ref.adamUpdate(a, a, a, a, 3, 1e-3, 0.9, 0.999, 1e-8, 0, 0)).toThrow(/t must be >= 1/);
  });
});
