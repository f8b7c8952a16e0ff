/**
 * SDLM's h_kk, layer by layer, on the classic network (wasm kernels, the path training uses) against
 * two Float64 references computed without any of the library's second-derivative code:
 *
 * 1. The exact per-sample Gauss-Newton diagonal, diag(J^T H J) (test/util/gauss-newton.ts: one ordinary
 *    back-propagation per Cholesky column of the loss Hessian H in F6's output). Each C5 and F6
 *    parameter reaches the loss through one unit per sample, and Eq. 8's H = 2I is diagonal, so there
 *    the paper's layer-by-layer recursion IS the exact diagonal: checked element by element. Below C5,
 *    the recursion drops the cross terms between the units a shared weight (or a unit) feeds; the
 *    exact diagonal is then larger by a layer-dependent factor (about 1.1 on S4 to about 20 on C1's
 *    biases at this seed; docs/sdlm.md). Those ratios are reported and loosely bounded only.
 * 2. The paper's recursion itself (Appendix C), written out below with explicit loops over the classic
 *    topology, in Float64, on the forward activations: d2 at a unit's input = f'(a)^2 x d2 at its output
 *    (Gauss-Newton: f'^2, no f''), d2 of a connection = (its input)^2 x d2 of the unit it feeds, shared
 *    weights and biases SUM over their connections, d2 at a unit's output = sum over the units it feeds
 *    of weight^2 x their d2. Element by element on every layer, C1 to F6: a wrong constant factor on
 *    any layer (a missing square, an average instead of a sum over connections, a 1/4 or 1/16 of a
 *    pooling, a missing 2 of the loss) fails here.
 *
 * Tolerances: the wasm pass runs in float32 on float32 copies of the same weights and inputs. Every
 * h_kk is a sum of non-negative terms (no cancellation), so float32 rounding gives a relative error of
 * a few 1e-6 at most (sums of <= 784 x 3 terms); 1e-4 relative (with an absolute floor of 1e-7 of
 * the tensor's largest value, for terms of a tanh saturated to f'^2 ~ 1e-7) leaves margin and is still
 * 3-4 orders of magnitude below any factor error. Runs in about 2 s.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { digitPrototypes } from '../../src/models/bitmaps.js';
import { TABLE_I } from '../../src/models/presets.js';
import type { Sequential } from '../../src/models/sequential.js';
import { f64Backend } from '../models/helpers.js';
import { addExactGaussNewton } from '../util/gauss-newton.js';
import { Rng } from '../util/rng.js';

beforeAll(async () => {
  await init();
});

const N = 3;
const A = 1.7159;
const S = 2 / 3;

/** Seeded blob images in [0, 1] (smooth ink plus noise), 28x28, and labels. */
function images(seed: number): { x: Float64Array; labels: number[] } {
  const rng = new Rng(seed);
  const x = new Float64Array(N * 784);
  for (let n = 0; n < N; n++) {
    const cx = rng.uniform(9, 19), cy = rng.uniform(9, 19), r = rng.uniform(3, 7);
    for (let y = 0; y < 28; y++) for (let k = 0; k < 28; k++) {
      const d = Math.hypot(k - cx, y - cy);
      x[n * 784 + y * 28 + k] = Math.max(0, Math.min(1, (r - d) / 2 + 0.4 * rng.next() * (d < r + 2 ? 1 : 0)));
    }
  }
  return { x, labels: Array.from({ length: N }, (_, i) => (i * 7 + seed) % 10) };
}

/** f'(a)^2 from the output y = A tanh(S a): f' = S (A - y^2 / A). */
const fp2 = (y: number): number => (S * (A - (y * y) / A)) ** 2;

/**
 * The paper's recursion for one sample already forwarded in batch row 0 of the Float64 model (Eq. 8:
 * d2E/dx^2 = 2 at the RBF input), added into `h` (laid out as the params block).
 */
function paperRecursion(m: Sequential, h: Float64Array): void {
  const act = (i: number): Float64Array => m.view(m.activation(i)) as Float64Array;
  const p = m.view(m.paramsRegion) as Float64Array;
  const off = m.paramOffsets;
  const x0 = act(-1), y1 = act(1), s2 = act(3), y3 = act(5), s4 = act(7), y5 = act(9), y6 = act(12);
  // F6 (dense 120 -> 84) and its squashing.
  const dA6 = new Float64Array(84);
  for (let o = 0; o < 84; o++) dA6[o] = 2 * fp2(y6[o]!);
  const dY5 = new Float64Array(120);
  for (let o = 0; o < 84; o++) {
    for (let i = 0; i < 120; i++) {
      h[off[11]![0]! + o * 120 + i] += dA6[o]! * y5[i]! ** 2;
      dY5[i] = dY5[i]! + p[off[11]![0]! + o * 120 + i]! ** 2 * dA6[o]!;
    }
    h[off[11]![1]! + o] += dA6[o]!;
  }
  // C5 (conv 16@5x5 -> 120@1x1).
  const dS4 = new Float64Array(400);
  for (let o = 0; o < 120; o++) {
    const d = dY5[o]! * fp2(y5[o]!);
    for (let k = 0; k < 400; k++) {
      h[off[8]![0]! + o * 400 + k] += d * s4[k]! ** 2;
      dS4[k] = dS4[k]! + p[off[8]![0]! + o * 400 + k]! ** 2 * d;
    }
    h[off[8]![1]! + o] += d;
  }
  // S4 (16 maps, 10x10 -> 5x5) after C3's squashing y3.
  const dY3 = subsampling(h, p, off[6]!, y3, s4, dS4, 16, 10);
  // C3 (Table I, 6@14x14 -> 16@10x10).
  const dS2 = convolution(h, p, off[4]!, s2, y3, dY3, 6, 14, 16, TABLE_I);
  // S2 (6 maps, 28x28 -> 14x14) after C1's squashing y1.
  const dY1 = subsampling(h, p, off[2]!, y1, s2, dS2, 6, 28);
  // C1 (1@32x32 -> 6@28x28); the input needs no d2.
  convolution(h, p, off[0]!, x0, y1, dY1, 1, 32, 6, Array.from({ length: 6 }, () => [0]));
}

/**
 * A subsampling layer + its squashing: in (C, H, H) the previous squashed maps, out (C, H/2, H/2) this
 * layer's squashed output, dOut d2 at `out`. Adds the coefficient and bias terms, returns d2 at `in`.
 */
function subsampling(h: Float64Array, p: Float64Array, off: number[], inp: Float64Array, out: Float64Array,
  dOut: Float64Array, C: number, H: number): Float64Array {
  const O = H / 2;
  const dIn = new Float64Array(C * H * H);
  for (let c = 0; c < C; c++) {
    const k = p[off[0]! + c]!;
    for (let i = 0; i < O; i++) for (let j = 0; j < O; j++) {
      const d = dOut[(c * O + i) * O + j]! * fp2(out[(c * O + i) * O + j]!);
      let block = 0;
      for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) {
        const at = (c * H + 2 * i + di) * H + 2 * j + dj;
        block += inp[at]!;
        dIn[at] = k * k * d;
      }
      h[off[0]! + c] += d * block * block;
      h[off[1]! + c] += d;
    }
  }
  return dIn;
}

/**
 * A 5x5 convolution (valid) + its squashing over a connection table: in (C, H, H), out (OC, H-4, H-4)
 * squashed, dOut d2 at `out`. Adds weight and bias terms, returns d2 at `in`.
 */
function convolution(h: Float64Array, p: Float64Array, off: number[], inp: Float64Array, out: Float64Array,
  dOut: Float64Array, C: number, H: number, OC: number, table: readonly (readonly number[])[]): Float64Array {
  const O = H - 4;
  const dIn = new Float64Array(C * H * H);
  for (let o = 0; o < OC; o++) {
    for (let i = 0; i < O; i++) for (let j = 0; j < O; j++) {
      const d = dOut[(o * O + i) * O + j]! * fp2(out[(o * O + i) * O + j]!);
      h[off[1]! + o] += d;
      for (const c of table[o]!) {
        for (let ky = 0; ky < 5; ky++) for (let kx = 0; kx < 5; kx++) {
          const w = off[0]! + ((o * C + c) * 5 + ky) * 5 + kx;
          const at = (c * H + i + ky) * H + j + kx;
          h[w] += d * inp[at]! ** 2;
          dIn[at] = dIn[at]! + p[w]! ** 2 * d;
        }
      }
    }
  }
  return dIn;
}

interface Tensor {
  name: string;
  off: number;
  len: number;
}

function tensors(m: Sequential): Tensor[] {
  return m.layers.flatMap((l, li) => l.params().map((spec, pi) => ({
    name: `${l.name}.${spec.name}`, off: m.paramOffsets[li]![pi]!, len: spec.shape.reduce((a, b) => a * b, 1),
  })));
}

/** Worst relative error of `got` against `want` on a tensor (floor: 1e-7 of the tensor's largest value). */
function worst(got: ArrayLike<number>, want: ArrayLike<number>, t: Tensor): { err: number; at: number } {
  let big = 0;
  for (let i = t.off; i < t.off + t.len; i++) big = Math.max(big, Math.abs(want[i]!));
  let err = 0, at = t.off;
  for (let i = t.off; i < t.off + t.len; i++) {
    const e = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1e-7 * big);
    if (e > err) {
      err = e;
      at = i;
    }
  }
  return { err, at };
}

function mean(a: ArrayLike<number>, t: Tensor): number {
  let s = 0, n = 0;
  for (let i = t.off; i < t.off + t.len; i++) {
    if (a[i] !== 0) {
      s += a[i]!;
      n++;
    }
  }
  return s / Math.max(1, n);
}

/**
 * Runs the three estimates on one weight state. `scale` multiplies every initial weight and bias: 1 is
 * the paper's init (signals shrink layer to layer, most units near their linear range), 4 puts C3..F6
 * units into their curved and partly saturated range, as after training.
 */
function compare(seed: number, scale: number): void {
  const wasm = LeNet5.classic({ seed, batchSize: N, loss: 'rbf-penalty' }).model;
  const f64 = LeNet5.classic({ seed, batchSize: 1, loss: 'rbf-penalty', backend: f64Backend() }).model;
  const pw = wasm.view(wasm.paramsRegion);
  for (let i = 0; i < pw.length; i++) pw[i] = pw[i]! * scale;
  // The same (float32) weights in both.
  f64.view(f64.paramsRegion).set(pw);
  const { x, labels } = images(seed);

  wasm.setInput(x, N, (i) => i);
  wasm.setLabels(labels, N, (i) => i);
  wasm.zeroGrad();
  wasm.forward(N, false);
  wasm.secondDerivatives(N);
  const ours = Float64Array.from(wasm.view(wasm.gradsRegion));

  const P = f64.paramBlockLength;
  const rec = new Float64Array(P), exact = new Float64Array(P);
  const proto = digitPrototypes();
  for (let n = 0; n < N; n++) {
    f64.setInput(x.subarray(n * 784, (n + 1) * 784), 1, () => 0);
    f64.setLabels([labels[n]!], 1, () => 0);
    f64.forward(1, false);
    paperRecursion(f64, rec);
    addExactGaussNewton(f64, labels[n]!, proto, exact);
  }

  const lines: string[] = [];
  for (const t of tensors(f64)) {
    const r = worst(ours, rec, t);
    const ratio = mean(exact, t) / mean(ours, t);
    const top = t.name.startsWith('C5') || t.name.startsWith('F6');
    const e = worst(ours, exact, t);
    lines.push(`${t.name.padEnd(10)} mean h ${mean(ours, t).toExponential(3)}; vs recursion: worst rel. err ` +
      `${r.err.toExponential(1)} at [${r.at - t.off}] (${ours[r.at]!.toExponential(4)} vs ${rec[r.at]!.toExponential(4)}); ` +
      `exact GN mean / ours ${ratio.toFixed(3)}${top ? `, worst rel. err vs exact ${e.err.toExponential(1)} at [${e.at - t.off}]` : ''}`);
    if (!(r.err <= 1e-4)) expect.fail(`${t.name} [${r.at - t.off}]: h = ${ours[r.at]} vs the Float64 recursion ${rec[r.at]} (relative error ${r.err})`);
    if (top) {
      if (!(e.err <= 1e-4)) expect.fail(`${t.name} [${e.at - t.off}]: h = ${ours[e.at]} vs the exact Gauss-Newton diagonal ${exact[e.at]} (relative error ${e.err})`);
    } else {
      // Cross terms the recursion drops: the exact diagonal is larger, by a factor that depends on the
      // layer and the weights (docs/sdlm.md), never by orders of magnitude here.
      expect(ratio, `${t.name}: exact / recursion mean`).toBeGreaterThan(0.5);
      expect(ratio, `${t.name}: exact / recursion mean`).toBeLessThan(100);
    }
  }
  // Masked C3 weights carry nothing.
  const c3 = f64.paramOffsets[4]![0]!;
  for (let k = 0; k < 25; k++) expect(ours[c3 + (0 * 6 + 3) * 25 + k]).toBe(0);
  console.log(`SDLM h_kk, seed ${seed}, weights x${scale}, ${N} samples (Eq. 8):\n  ${lines.join('\n  ')}`);
}

describe('SDLM h_kk per layer against Float64 references', () => {
  it('at the paper\'s initialisation', () => compare(3, 1), 30_000);
  it('with every weight x4 (units in their curved range)', () => compare(4, 4), 30_000);
});
