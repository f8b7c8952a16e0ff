/**
 * The SDLM second-derivative kernels: wasm vs twin on seeded shapes, and the twins (Float64) against an
 * independent oracle: the Gauss-Newton diagonal sum_i h_i (dy_i/dx_j)^2 built from a finite-difference
 * Jacobian of the layer's FORWARD twin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose, maxAbs } from '../util/compare.js';
import { Rng } from '../util/rng.js';
import { f32, upload, wasmBackend } from '../util/backends.js';

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

/** Column j of dy/dx by central differences: jac(j)[i] = dy_i/dx_j. */
function jacobianColumn(forward: (x: Float64Array) => Float64Array, x: Float64Array, j: number, eps = 1e-5): Float64Array {
  const keep = x[j]!;
  x[j] = keep + eps;
  const up = forward(x);
  x[j] = keep - eps;
  const down = forward(x);
  x[j] = keep;
  const col = new Float64Array(up.length);
  for (let i = 0; i < up.length; i++) col[i] = (up[i]! - down[i]!) / (2 * eps);
  return col;
}

/** sum_i h_i (dy_i/dx_j)^2 for every j. */
function gnDiagonal(forward: (x: Float64Array) => Float64Array, x: Float64Array, h: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const col = jacobianColumn(forward, x, j);
    let s = 0;
    for (let i = 0; i < col.length; i++) s += h[i]! * col[i]! * col[i]!;
    out[j] = s;
  }
  return out;
}

const POOL_SHAPES = [
  { N: 2, C: 6, H: 28, W: 28 }, { N: 3, C: 16, H: 10, W: 10 }, { N: 1, C: 2, H: 5, W: 7 }, { N: 2, C: 1, H: 3, W: 1 },
  { N: 1, C: 3, H: 9, W: 17 }, { N: 1, C: 1, H: 2, W: 2 },
];

describe('hessian kernels: wasm vs pure-TS twin', () => {
  it.each([1, 3, 4, 7, 64, 1003])('square and tanhBackward2 n=%i', (n) => {
    b.arena.reset(base);
    const rng = new Rng(100 + n);
    const x = f32(rng.array(n, -3, 3));
    const y = f32(rng.array(n, -1.7, 1.7));
    const d = f32(rng.array(n, 0, 4));
    const xr = upload(b, x), sq = upload(b, n);
    b.square(sq, xr, n);
    const want = new Float32Array(n);
    ref.square(want, x, n);
    expectClose(sq.f32, want, { atol: 0, rtol: 0, label: `square n=${n}` });
    const yr = upload(b, y), dr = upload(b, d), outr = upload(b, new Float32Array(n).fill(NaN));
    b.tanhBackward2(outr, dr, yr, n);
    const t = new Float32Array(n);
    ref.tanhBackward2(t, d, y, n);
    expectClose(outr.f32, t, { label: `tanhBackward2 n=${n}` });
  });

  it.each(POOL_SHAPES)('avgPoolBackward2 and subsampleBackward2 %o', ({ N, C, H, W }) => {
    b.arena.reset(base);
    const rng = new Rng(N * 1000 + C * 100 + H * 10 + W);
    const inLen = N * C * H * W;
    const outLen = N * C * (H >> 1) * (W >> 1);
    const x = f32(rng.array(inLen));
    const d2 = f32(rng.array(outLen, 0, 3));
    const coeff = f32(rng.array(C, -2, 2));
    const dk0 = f32(rng.array(C, 1, 2));
    const db0 = f32(rng.array(C, 1, 2));

    const d2r = upload(b, d2), outr = upload(b, new Float32Array(inLen).fill(NaN));
    b.avgPoolBackward2(outr, d2r, N, C, H, W);
    const want = new Float32Array(inLen);
    ref.avgPoolBackward2(want, d2, N, C, H, W);
    expectClose(outr.f32, want, { label: 'avgPoolBackward2' });

    const xr = upload(b, x), kr = upload(b, coeff), dkr = upload(b, dk0), dbr = upload(b, db0);
    const dinr = upload(b, new Float32Array(inLen).fill(NaN));
    b.subsampleBackward2(dinr, dkr, dbr, d2r, xr, kr, N, C, H, W);
    const din = new Float32Array(inLen), dk = dk0.slice(), db = db0.slice();
    ref.subsampleBackward2(din, dk, db, d2, x, coeff, N, C, H, W);
    expectClose(dinr.f32, din, { label: 'subsampleBackward2 d2inp' });
    expectClose(dkr.f32, dk, { rtol: 2e-4, label: 'subsampleBackward2 d2coeff (accumulated)' });
    expectClose(dbr.f32, db, { label: 'subsampleBackward2 d2bias (accumulated)' });
  });

  it.each([
    { N: 1, IN: 84, OUT: 10, j: 1, map: 0 }, { N: 3, IN: 84, OUT: 10, j: 1, map: 1 },
    { N: 2, IN: 5, OUT: 3, j: 0.5, map: 1 }, { N: 4, IN: 9, OUT: 4, j: 3, map: 1 },
  ])('rbfLossBackward2 %o', ({ N, IN, OUT, j, map }) => {
    b.arena.reset(base);
    const rng = new Rng(7 + N + IN + OUT);
    // Small penalties so Eq. 9's competitive term is not negligible.
    const x = f32(rng.array(N * IN, -0.3, 0.3));
    const proto = f32(rng.array(OUT * IN, -0.3, 0.3));
    const pen = new Float32Array(N * OUT);
    ref.rbfForward(pen, x, proto, N, IN, OUT);
    const xr = upload(b, x), pr = upload(b, proto), penr = upload(b, pen), out = upload(b, new Float32Array(N * IN).fill(NaN));
    b.rbfLossBackward2(out, xr, pr, penr, N, IN, OUT, j, map);
    const want = new Float32Array(N * IN);
    ref.rbfLossBackward2(want, x, proto, pen, N, IN, OUT, j, map);
    expectClose(out.f32, want, { label: 'rbfLossBackward2' });
    if (map === 1) expect(maxAbs(want.map((v) => v - 2))).toBeGreaterThan(1e-3);
  });

  it('softmaxCrossEntropyBackward2 and sdlmUpdate', () => {
    b.arena.reset(base);
    const rng = new Rng(5);
    const n = 37;
    const p = f32(rng.array(n, 0, 1));
    const pr = upload(b, p), out = upload(b, n);
    b.softmaxCrossEntropyBackward2(out, pr, 1, n);
    const want = new Float32Array(n);
    ref.softmaxCrossEntropyBackward2(want, p, 1, n);
    expectClose(out.f32, want, { label: 'softmaxCrossEntropyBackward2' });

    const w = f32(rng.array(n)), g = f32(rng.array(n)), h = f32(rng.array(n, 0, 5));
    const wr = upload(b, w), gr = upload(b, g), hr = upload(b, h);
    b.sdlmUpdate(wr, gr, hr, n, 0.01, 0.02);
    const w2 = w.slice();
    ref.sdlmUpdate(w2, g, h, n, 0.01, 0.02);
    expectClose(wr.f32, w2, { label: 'sdlmUpdate' });
    // Against the formula itself.
    for (let i = 0; i < n; i++) expect(w2[i]).toBeCloseTo(w[i]! - (0.01 / (0.02 + h[i]!)) * g[i]!, 6);
  });
});

describe('hessian twins: Gauss-Newton diagonal vs a finite-difference Jacobian of the forward', () => {
  const A = 1.7159;
  const S = 2 / 3;

  it('tanhBackward2 = h f\'(a)^2', () => {
    const rng = new Rng(1);
    const n = 50;
    const a = rng.array(n, -3, 3);
    const h = rng.array(n, 0, 2);
    const fwd = (x: Float64Array): Float64Array => x.map((v) => A * Math.tanh(S * v));
    const y = fwd(a);
    const got = new Float64Array(n);
    ref.tanhBackward2(got, h, y, n);
    // Elementwise: only the diagonal of the Jacobian is non-zero.
    const want = new Float64Array(n);
    for (let j = 0; j < n; j++) want[j] = h[j]! * jacobianColumn(fwd, a, j)[j]! ** 2;
    expectClose(got, want, { atol: 1e-8, rtol: 1e-6, label: 'tanhBackward2 vs FD' });
  });

  it.each(POOL_SHAPES.slice(1))('subsampleBackward2 and avgPoolBackward2 %o', ({ N, C, H, W }) => {
    const rng = new Rng(3 + H);
    const inLen = N * C * H * W;
    const outLen = N * C * (H >> 1) * (W >> 1);
    const x = rng.array(inLen);
    const coeff = rng.array(C, -2, 2);
    const bias = rng.array(C);
    const h = rng.array(outLen, 0, 3);
    const sub = (xx: Float64Array, kk = coeff, bb = bias): Float64Array => {
      const o = new Float64Array(outLen);
      ref.subsampleForward(o, xx, kk, bb, N, C, H, W);
      return o;
    };
    const d2in = new Float64Array(inLen), d2k = new Float64Array(C), d2b = new Float64Array(C);
    ref.subsampleBackward2(d2in, d2k, d2b, h, x, coeff, N, C, H, W);
    expectClose(d2in, gnDiagonal((xx) => sub(xx), x, h), { atol: 1e-7, rtol: 1e-6, label: 'd2inp' });
    expectClose(d2k, gnDiagonal((kk) => sub(x, kk), coeff.slice(), h), { atol: 1e-6, rtol: 1e-6, label: 'd2coeff' });
    expectClose(d2b, gnDiagonal((bb) => sub(x, coeff, bb), bias.slice(), h), { atol: 1e-7, rtol: 1e-6, label: 'd2bias' });

    const avg = (xx: Float64Array): Float64Array => {
      const o = new Float64Array(outLen);
      ref.avgPoolForward(o, xx, N, C, H, W);
      return o;
    };
    const d2a = new Float64Array(inLen);
    ref.avgPoolBackward2(d2a, h, N, C, H, W);
    expectClose(d2a, gnDiagonal(avg, x, h), { atol: 1e-8, rtol: 1e-6, label: 'avgPool d2inp' });
  });

  it.each([{ j: 1, map: 0 }, { j: 1, map: 1 }, { j: 0.2, map: 1 }])('rbfLossBackward2 %o', ({ j, map }) => {
    const N = 2, IN = 6, OUT = 4;
    const rng = new Rng(9 + map);
    const x = rng.array(N * IN, -0.4, 0.4);
    const proto = rng.array(OUT * IN, -0.4, 0.4);
    const pen = new Float64Array(N * OUT);
    ref.rbfForward(pen, x, proto, N, IN, OUT);
    const got = new Float64Array(N * IN);
    ref.rbfLossBackward2(got, x, proto, pen, N, IN, OUT, j, map);
    for (let n = 0; n < N; n++) {
      const xs = x.slice(n * IN, (n + 1) * IN);
      const fwd = (xx: Float64Array): Float64Array => {
        const o = new Float64Array(OUT);
        ref.rbfForward(o, xx, proto, 1, IN, OUT);
        return o;
      };
      const y = fwd(xs);
      // Eq. 9's competitive term: p_i = e^-y_i / (e^-j + sum e^-y_k), diagonal Hessian p(1-p).
      const z = Math.exp(-j) + y.reduce((s, v) => s + Math.exp(-v), 0);
      const h = y.map((v) => (map ? (Math.exp(-v) / z) * (1 - Math.exp(-v) / z) : 0));
      const gn = gnDiagonal(fwd, xs, h);
      // The y_D term: exact second derivative of a sum of squares, 2 (checked by second differences).
      const eps = 1e-4;
      const want = new Float64Array(IN);
      for (let k = 0; k < IN; k++) {
        const yd = (v: number): number => {
          const t = xs.slice();
          t[k] = v;
          return fwd(t)[0]!;
        };
        const second = (yd(xs[k]! + eps) - 2 * yd(xs[k]!) + yd(xs[k]! - eps)) / (eps * eps);
        want[k] = second + gn[k]!;
      }
      expectClose(got.subarray(n * IN, (n + 1) * IN), want, { atol: 1e-5, rtol: 1e-5, label: `rbfLossBackward2 sample ${n}` });
    }
  });

  it('softmaxCrossEntropyBackward2 is the Hessian diagonal of cross-entropy in the logits', () => {
    const C = 5;
    const rng = new Rng(2);
    const logits = rng.array(C, -2, 2);
    const ce = (z: Float64Array): number => {
      const m = Math.max(...z);
      const s = z.reduce((acc, v) => acc + Math.exp(v - m), 0);
      return -(z[1]! - m - Math.log(s));
    };
    const probs = new Float64Array(C);
    ref.softmaxForward(probs, logits, 1, C);
    const got = new Float64Array(C);
    ref.softmaxCrossEntropyBackward2(got, probs, 1, C);
    const eps = 1e-4;
    const want = new Float64Array(C);
    for (let k = 0; k < C; k++) {
      const t = logits.slice();
      const f0 = ce(t);
      t[k] = logits[k]! + eps;
      const up = ce(t);
      t[k] = logits[k]! - eps;
      want[k] = (up - 2 * f0 + ce(t)) / (eps * eps);
    }
    expectClose(got, want, { atol: 1e-6, rtol: 1e-5, label: 'CE second derivative' });
  });
});
