/**
 * Whole-network gradient checks in Float64 on the twins: the loss of a small batch through every layer
 * of both presets (classic with Eq. 8 and Eq. 9, modern with dropout under a fixed seed) against central
 * finite differences, on a sample of every parameter tensor. Also the SDLM second-derivative pass
 * against the exact Gauss-Newton diagonal where the layer-by-layer diagonal is exact (C5, F6).
 */
import { describe, expect, it } from 'vitest';
import { ReLU, Sigmoid, Softmax, Tanh } from '../../src/layers/activation.js';
import { Conv2D } from '../../src/layers/conv.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { AvgPool2D, MaxPool2D, Subsampling } from '../../src/layers/pool.js';
import { Flatten, Padding } from '../../src/layers/reshape.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import type { Sequential } from '../../src/models/sequential.js';
import { gradCheck } from '../util/gradcheck.js';
import { Rng } from '../util/rng.js';
import { f64Backend } from './helpers.js';

function batch(model: Sequential, N: number, seed: number): void {
  const rng = new Rng(seed);
  const [h, w] = model.imageSize;
  // Blob-like images: smooth random ink so activations are not saturated everywhere.
  const imgs = new Float64Array(N * h * w);
  for (let n = 0; n < N; n++) {
    const cx = rng.uniform(8, 20), cy = rng.uniform(8, 20), r = rng.uniform(3, 7);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - cx, y - cy);
      imgs[n * h * w + y * w + x] = Math.max(0, Math.min(1, (r - d) / 2 + 0.5 * rng.next() * (d < r + 2 ? 1 : 0)));
    }
  }
  model.setInput(imgs, N, (i) => i);
  model.setLabels(Array.from({ length: N }, (_, i) => (i * 3 + seed) % 10), N, (i) => i);
}

/** Indices to probe: up to k per parameter tensor (first, last, random), biases included. */
function probe(model: Sequential, k: number, rng: Rng): { label: string; idx: number[] }[] {
  const out: { label: string; idx: number[] }[] = [];
  model.layers.forEach((l, li) => {
    l.params().forEach((p, pi) => {
      const off = model.paramOffsets[li]![pi]!;
      const len = p.shape.reduce((a, b) => a * b, 1);
      const idx = new Set([off, off + len - 1]);
      while (idx.size < Math.min(k, len)) idx.add(off + rng.int(0, len - 1));
      out.push({ label: `${l.name}.${p.name}`, idx: [...idx] });
    });
  });
  return out;
}

/**
 * Moves every bias off zero: with zero biases (Keras' init) a ReLU unit over a blank patch sits exactly
 * on its kink, where finite differences average the two one-sided slopes.
 */
function jitterBiases(m: Sequential, seed: number): void {
  const rng = new Rng(seed);
  const p = m.view(m.paramsRegion);
  m.layers.forEach((l, li) => l.params().forEach((spec, pi) => {
    if (spec.name !== 'bias') return;
    const off = m.paramOffsets[li]![pi]!;
    for (let k = 0; k < spec.shape[0]!; k++) p[off + k] = p[off + k]! + rng.uniform(0.02, 0.1);
  }));
}

function checkNetwork(net: LeNet5, N: number, seed: number): void {
  const m = net.model;
  jitterBiases(m, seed);
  batch(m, N, seed);
  const stepSeed = 12345;
  const loss = (): number => {
    m.forward(N, true, stepSeed, true);
    return m.computeLoss(N);
  };
  m.zeroGrad();
  loss();
  m.backward(N);
  const analytic = Float64Array.from(m.view(m.gradsRegion));
  const params = m.view(m.paramsRegion) as Float64Array;
  expect(params).toBeInstanceOf(Float64Array);
  for (const { label, idx } of probe(m, 12, new Rng(seed))) {
    gradCheck(loss, params, analytic, { label, indices: idx, eps: 1e-6, tol: 1e-6 });
  }
}

describe('whole-network gradients (Float64 twins vs finite differences)', () => {
  it('classic, Eq. 9 loss', () => {
    checkNetwork(LeNet5.classic({ seed: 1, backend: f64Backend(), batchSize: 3 }), 3, 1);
  });

  it('classic, Eq. 8 loss', () => {
    checkNetwork(LeNet5.classic({ seed: 2, backend: f64Backend(), batchSize: 2, loss: 'rbf-penalty' }), 2, 2);
  });

  it('modern (ReLU, average pooling, dropout 0.8 with a fixed seed, softmax cross-entropy)', () => {
    // Smaller dropout than 0.8 keeps more paths alive, so more weights get a non-zero gradient to check.
    checkNetwork(LeNet5.modern({ seed: 3, backend: f64Backend(), batchSize: 3, dropout: 0.5 }), 3, 3);
    checkNetwork(LeNet5.modern({ seed: 4, backend: f64Backend(), batchSize: 2 }), 2, 4);
  });
});

describe('variants built from the same layers (Float64 twins vs finite differences)', () => {
  const input = { shape: [1, 28, 28], normalization: 'modern' } as const;

  it('max pooling + tanh + constant padding + narrower maps, softmax cross-entropy', () => {
    const net = LeNet5.fromLayers([
      new Padding({ pad: 2, value: 0.25 }),
      new Conv2D({ filters: 4, kernelSize: 5, biasInit: 'torch' }), new Tanh(), new MaxPool2D(),
      new Conv2D({ filters: 8, kernelSize: 5, connections: [[0], [1], [2], [3], [0, 1], [1, 2], [2, 3], [0, 1, 2, 3]] }),
      new Tanh(), new AvgPool2D(), new Flatten(), new Dense({ units: 20 }), new ReLU(), new Dropout({ rate: 0.3 }),
      new Dense({ units: 10 }), new Softmax(),
    ], { input, loss: { kind: 'crossentropy' } }, { seed: 6, backend: f64Backend(), batchSize: 2 });
    expect(net.summary({ json: true }).rows[0]!.outputShape).toEqual([1, 32, 32]);
    checkNetwork(net, 2, 6);
  });

  it('sigmoid units and a mean-squared-error loss; subsampling after a ReLU', () => {
    const net = LeNet5.fromLayers([
      new Conv2D({ filters: 3, kernelSize: 3, padding: 1 }), new ReLU(), new Subsampling(), new Sigmoid(),
      new Conv2D({ filters: 5, kernelSize: 5 }), new Sigmoid(), new Flatten(), new Dense({ units: 10, init: 'he' }),
    ], { input, loss: { kind: 'mse' } }, { seed: 8, backend: f64Backend(), batchSize: 3 });
    checkNetwork(net, 3, 8);
  });
});

describe('SDLM second-derivative pass of the classic network', () => {
  it('is >= 0 everywhere, zero on unconnected C3 weights, and equals the exact Gauss-Newton diagonal on C5 and F6', () => {
    const net = LeNet5.classic({ seed: 5, backend: f64Backend(), batchSize: 2, loss: 'rbf-penalty' });
    const m = net.model;
    const N = 2;
    batch(m, N, 5);
    m.zeroGrad();
    m.forward(N, false);
    m.secondDerivatives(N);
    const h = Float64Array.from(m.view(m.gradsRegion));
    for (let i = 0; i < h.length; i++) {
      if (!(h[i]! >= 0)) expect.fail(`h[${i}] = ${h[i]} is not a non-negative number`);
    }
    const li = (name: string): number => m.layers.findIndex((l) => l.name === name);
    const c3 = m.paramOffsets[li('C3')]![0]!;
    // Unconnected C3 weights: map 0 does not read S2 map 3.
    for (let k = 0; k < 25; k++) expect(h[c3 + (0 * 6 + 3) * 25 + k]).toBe(0);

    // Eq. 8 per sample is sum_j (x_j - w_Dj)^2 of F6's output x: its Hessian in x is 2I, so the exact
    // Gauss-Newton diagonal of a parameter is sum_samples 2 |dx/dw|^2. Each C5 and F6 parameter feeds
    // one unit per sample, so the layer-by-layer diagonal must match it exactly.
    const params = m.view(m.paramsRegion) as Float64Array;
    const f6out = (): Float64Array => {
      m.forward(N, false);
      return Float64Array.from(m.view(m.activation(li('F6.f'))).subarray(0, N * 84));
    };
    const rng = new Rng(7);
    const checks: [string, number, number][] = [];
    for (const name of ['C5', 'F6']) {
      const [wOff, bOff] = m.paramOffsets[li(name)]!;
      const nW = name === 'C5' ? 48000 : 10080;
      for (let t = 0; t < 8; t++) checks.push([`${name}.weight`, wOff! + rng.int(0, nW - 1), 0]);
      checks.push([`${name}.bias`, bOff!, 0], [`${name}.bias`, bOff! + 7, 0]);
    }
    for (const c of checks) {
      const i = c[1];
      const keep = params[i]!;
      const eps = 1e-6;
      params[i] = keep + eps;
      const up = f6out();
      params[i] = keep - eps;
      const down = f6out();
      params[i] = keep;
      let gn = 0;
      for (let k = 0; k < up.length; k++) gn += 2 * ((up[k]! - down[k]!) / (2 * eps)) ** 2;
      const err = Math.abs(gn - h[i]!) / Math.max(1e-3, gn);
      if (err > 1e-5) expect.fail(`${c[0]} [${i}]: SDLM h = ${h[i]} vs exact Gauss-Newton ${gn} (relative error ${err})`);
    }
  });
});
