import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose } from '../util/compare.js';
import { gradCheck } from '../util/gradcheck.js';
import { Rng } from '../util/rng.js';
import { f32, upload, uploadInt, wasmBackend } from '../util/backends.js';

interface Shape {
  N: number;
  C: number;
}

/** LeNet's 10 classes at batch 32 and 1, widths around the 4-lane width, and random ones. */
function shapes(): Shape[] {
  const fixed: Shape[] = [
    { N: 32, C: 10 }, { N: 1, C: 10 }, { N: 1, C: 1 }, { N: 2, C: 3 }, { N: 3, C: 4 }, { N: 5, C: 5 }, { N: 1, C: 13 },
  ];
  const rng = new Rng(0x5eed_0005);
  return [...fixed, ...Array.from({ length: 16 }, () => ({ N: rng.int(1, 40), C: rng.int(1, 17) }))];
}
const SHAPES = shapes();
const name = (s: Shape): string => `N=${s.N} C=${s.C}`;

/** The scalar loss a kernel returns, compared like any tensor. */
function expectLoss(actual: number, expected: number, label: string, rtol = 1e-6): void {
  expect(Number.isFinite(actual), `${label}: loss ${actual} is not finite`).toBe(true);
  expectClose([actual], [expected], { atol: 1e-7, rtol, label });
}

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

describe('softmaxCrossEntropy', () => {
  it.each(SHAPES)('wasm vs twin: loss, probs, dlogits %o', (s) => {
    b.arena.reset(base);
    const { N, C } = s;
    const rng = new Rng(N * 61 + C);
    // Some rows have a huge spread: probabilities underflow in float32 but the loss must stay finite.
    const x = new Float32Array(N * C);
    for (let r = 0; r < N; r++) {
      const spread = r % 3 === 0 ? 200 : 4;
      for (let c = 0; c < C; c++) x[r * C + c] = rng.uniform(-spread, spread) + 300;
    }
    const labels = rng.labels(N, C);

    const xr = upload(b, x), lr = uploadInt(b, labels);
    const pr = upload(b, new Float32Array(N * C).fill(NaN)), dr = upload(b, new Float32Array(N * C).fill(NaN));
    const loss = b.softmaxCrossEntropy(dr, pr, xr, lr, N, C);
    const probs = new Float32Array(N * C), dlogits = new Float32Array(N * C);
    const want = ref.softmaxCrossEntropy(dlogits, probs, x, labels, N, C);
    expectLoss(loss, want, `softmaxCrossEntropy loss ${name(s)}`);
    expectClose(pr.f32, probs, { atol: 1e-30, rtol: 1e-6, label: `softmaxCrossEntropy probs ${name(s)}` });
    expectClose(dr.f32, dlogits, { atol: 1e-7, rtol: 1e-5, label: `softmaxCrossEntropy dlogits ${name(s)}` });
  });

  it('twin equals the naive -log softmax on moderate logits', () => {
    const N = 6, C = 10;
    const rng = new Rng(5);
    const x = rng.array(N * C, -5, 5);
    const labels = rng.labels(N, C);
    const loss = ref.softmaxCrossEntropy(new Float64Array(N * C), new Float64Array(N * C), x, labels, N, C);
    let naive = 0;
    for (let r = 0; r < N; r++) {
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(x[r * C + c]!);
      naive -= Math.log(Math.exp(x[r * C + labels[r]!]!) / z);
    }
    expect(loss).toBeCloseTo(naive / N, 12);
  });

  it.each([{ N: 1, C: 1 }, { N: 4, C: 10 }, { N: 3, C: 7 }])('finite differences on the logits %o', ({ N, C }) => {
    const rng = new Rng(N + C);
    const x = rng.array(N * C, -4, 4);
    const labels = rng.labels(N, C);
    const probs = new Float64Array(N * C), dlogits = new Float64Array(N * C), scratch = new Float64Array(N * C);
    ref.softmaxCrossEntropy(dlogits, probs, x, labels, N, C);
    gradCheck(() => ref.softmaxCrossEntropy(scratch, probs.slice(), x, labels, N, C), x, dlogits,
      { label: `softmaxCrossEntropy dlogits N=${N} C=${C}` });
  });
});

describe('mseLoss', () => {
  it.each(SHAPES)('wasm vs twin: loss and dpred %o', (s) => {
    b.arena.reset(base);
    const { N, C } = s;
    const rng = new Rng(N * 67 + C);
    const pred = f32(rng.array(N * C, -2, 2)), target = f32(rng.array(N * C, -2, 2));
    const dr = upload(b, new Float32Array(N * C).fill(NaN));
    const loss = b.mseLoss(dr, upload(b, pred), upload(b, target), N, C);
    const dpred = new Float32Array(N * C);
    const want = ref.mseLoss(dpred, pred, target, N, C);
    expectLoss(loss, want, `mseLoss loss ${name(s)}`);
    expectClose(dr.f32, dpred, { atol: 1e-12, rtol: 1e-6, label: `mseLoss dpred ${name(s)}` });
  });

  it('finite differences on the prediction', () => {
    const N = 3, C = 7;
    const rng = new Rng(3);
    const pred = rng.array(N * C), target = rng.array(N * C);
    const dpred = new Float64Array(N * C), scratch = new Float64Array(N * C);
    ref.mseLoss(dpred, pred, target, N, C);
    gradCheck(() => ref.mseLoss(scratch, pred, target, N, C), pred, dpred, { label: 'mseLoss dpred' });
  });
});

describe('rbfPenaltyLoss (Eq. 8)', () => {
  it.each(SHAPES)('wasm vs twin: loss and dpen %o', (s) => {
    b.arena.reset(base);
    const { N, C } = s;
    const rng = new Rng(N * 71 + C);
    const pen = f32(rng.array(N * C, 0, 300));
    const labels = rng.labels(N, C);
    const dr = upload(b, new Float32Array(N * C).fill(NaN));
    const loss = b.rbfPenaltyLoss(dr, upload(b, pen), uploadInt(b, labels), N, C);
    const dpen = new Float32Array(N * C).fill(NaN);
    const want = ref.rbfPenaltyLoss(dpen, pen, labels, N, C);
    expectLoss(loss, want, `rbfPenaltyLoss loss ${name(s)}`);
    expectClose(dr.f32, dpen, { atol: 0, rtol: 1e-7, label: `rbfPenaltyLoss dpen ${name(s)}` });
    let mean = 0;
    for (let r = 0; r < N; r++) mean += pen[r * C + labels[r]!]! / N;
    expect(want).toBeCloseTo(mean, 9);
  });

  it('finite differences on the penalties', () => {
    const N = 4, C = 10;
    const rng = new Rng(8);
    const pen = rng.array(N * C, 0, 50);
    const labels = rng.labels(N, C);
    const dpen = new Float64Array(N * C), scratch = new Float64Array(N * C);
    ref.rbfPenaltyLoss(dpen, pen, labels, N, C);
    gradCheck(() => ref.rbfPenaltyLoss(scratch, pen, labels, N, C), pen, dpen, { label: 'rbfPenaltyLoss dpen' });
  });
});

describe('rbfMapLoss (Eq. 9)', () => {
  // Penalties of a trained net are tens; untrained or adversarial ones run to thousands, where e^-y
  // underflows even in float64 and only the shifted log-sum-exp stays finite.
  const ranges = [[0, 60], [800, 5000]] as const;
  const js = [0.1, 1, 10, 1000].map(Math.fround);

  const cases = SHAPES.flatMap((s, k) => [{ ...s, range: ranges[k % 2]!, j: js[k % js.length]! }]);

  it.each(cases)('wasm vs twin: loss and dpen %o', ({ N, C, range, j }) => {
    b.arena.reset(base);
    const rng = new Rng(N * 73 + C);
    const pen = f32(rng.array(N * C, range[0], range[1]));
    const labels = rng.labels(N, C);
    const dr = upload(b, new Float32Array(N * C).fill(NaN));
    const loss = b.rbfMapLoss(dr, upload(b, pen), uploadInt(b, labels), N, C, j);
    const dpen = new Float32Array(N * C);
    const want = ref.rbfMapLoss(dpen, pen, labels, N, C, j);
    expectLoss(loss, want, `rbfMapLoss loss N=${N} C=${C} j=${j}`);
    expectClose(dr.f32, dpen, { atol: 1e-12, rtol: 1e-6, label: `rbfMapLoss dpen N=${N} C=${C} j=${j}` });
  });

  it('twin equals the naive formula y_D + log(e^-j + sum e^-y_i) where that does not underflow', () => {
    const N = 5, C = 10;
    const rng = new Rng(9);
    const pen = rng.array(N * C, 0, 40);
    const labels = rng.labels(N, C);
    for (const j of [0.1, 2, 30]) {
      const loss = ref.rbfMapLoss(new Float64Array(N * C), pen, labels, N, C, j);
      let naive = 0;
      for (let r = 0; r < N; r++) {
        let z = Math.exp(-j);
        for (let c = 0; c < C; c++) z += Math.exp(-pen[r * C + c]!);
        naive += pen[r * C + labels[r]!]! + Math.log(z);
      }
      expect(loss).toBeCloseTo(naive / N, 10);
    }
  });

  it('stays exact for penalties far past exp underflow', () => {
    b.arena.reset(base);
    const N = 3, C = 10;
    const rng = new Rng(10);
    const pen = f32(rng.array(N * C, 800, 5000));
    const labels = rng.labels(N, C);
    let meanYD = 0, meanMin = 0;
    for (let r = 0; r < N; r++) {
      meanYD += pen[r * C + labels[r]!]! / N;
      meanMin += Math.min(...pen.subarray(r * C, r * C + C)) / N;
    }
    // j small: e^-j dominates every e^-y_i, so the loss is mean(y_D) - j.
    const dr = upload(b, N * C);
    const small = b.rbfMapLoss(dr, upload(b, pen), uploadInt(b, labels), N, C, 1);
    expectLoss(small, meanYD - 1, 'Eq. 9 with j = 1');
    // j huge: the smallest penalty dominates, so the loss is mean(y_D - min_i y_i) up to log(#ties).
    const big = b.rbfMapLoss(dr, upload(b, pen), uploadInt(b, labels), N, C, 1e6);
    expectLoss(big, meanYD - meanMin, 'Eq. 9 with j = 1e6', 1e-5);
  });

  it.each([
    { range: [0, 10], j: 1 },
    { range: [0, 60], j: 5 },
    { range: [800, 1200], j: 1000 },
    { range: [800, 1200], j: 0.5 },
  ] as const)('finite differences on the penalties %o', ({ range, j }) => {
    const N = 3, C = 10;
    const rng = new Rng(range[1] + j);
    const pen = rng.array(N * C, range[0], range[1]);
    const labels = rng.labels(N, C);
    const dpen = new Float64Array(N * C), scratch = new Float64Array(N * C);
    ref.rbfMapLoss(dpen, pen, labels, N, C, j);
    gradCheck(() => ref.rbfMapLoss(scratch, pen, labels, N, C, j), pen, dpen, { label: `rbfMapLoss dpen j=${j}` });
  });
});

describe('loss edge cases', () => {
  it('an empty batch has loss 0 on both backends', () => {
    b.arena.reset(base);
    const e = upload(b, 4), l = uploadInt(b, [0]);
    const none = new Float32Array(0), noLabels = new Int32Array(0);
    expect(b.softmaxCrossEntropy(e, e, e, l, 0, 4)).toBe(0);
    expect(b.mseLoss(e, e, e, 0, 4)).toBe(0);
    expect(b.rbfPenaltyLoss(e, e, l, 0, 4)).toBe(0);
    expect(b.rbfMapLoss(e, e, l, 0, 4, 1)).toBe(0);
    expect(ref.softmaxCrossEntropy(none, none, none, noLabels, 0, 4)).toBe(0);
    expect(ref.mseLoss(none, none, none, 0, 4)).toBe(0);
    expect(ref.rbfPenaltyLoss(none, none, noLabels, 0, 4)).toBe(0);
    expect(ref.rbfMapLoss(none, none, noLabels, 0, 4, 1)).toBe(0);
  });

  it('the twins name an out-of-range label', () => {
    const x = new Float32Array(6), d = new Float32Array(6);
    const bad = Int32Array.from([1, 3]);
    expect(() => ref.softmaxCrossEntropy(d, d, x, bad, 2, 3)).toThrow(/label 3 of row 1 is outside \[0, 3\)/);
    expect(() => ref.rbfPenaltyLoss(d, x, bad, 2, 3)).toThrow(RangeError);
    expect(() => ref.rbfMapLoss(d, x, Int32Array.from([-1, 0]), 2, 3, 1)).toThrow(/label -1 of row 0/);
  });
});
