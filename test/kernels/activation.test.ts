import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose, maxAbs } from '../util/compare.js';
import { dot, gradCheck } from '../util/gradcheck.js';
import { Rng } from '../util/rng.js';
import { f32, upload, wasmBackend } from '../util/backends.js';

type Elementwise = 'relu' | 'tanh' | 'sigmoid';

const twin = {
  relu: { fwd: ref.reluForward, bwd: ref.reluBackward },
  tanh: { fwd: ref.tanhForward, bwd: ref.tanhBackward },
  sigmoid: { fwd: ref.sigmoidForward, bwd: ref.sigmoidBackward },
} as const;

function wasmFwd(b: Backend, name: Elementwise): Backend['reluForward'] {
  return name === 'relu' ? b.reluForward : name === 'tanh' ? b.tanhForward : b.sigmoidForward;
}
function wasmBwd(b: Backend, name: Elementwise): Backend['reluBackward'] {
  return name === 'relu' ? b.reluBackward : name === 'tanh' ? b.tanhBackward : b.sigmoidBackward;
}

/**
 * Accuracy the wasm forward promises against the f64 twin: ReLU is exact; tanh and sigmoid are SIMD
 * polynomial approximations measured at <= 2e-7 relative (about 2 float32 ulps) over [-100, 100].
 * The absolute floor covers only results below the float32 normal range (sigmoid of x < -87).
 */
const FWD_TOL = {
  relu: { atol: 0, rtol: 0 },
  tanh: { atol: 1e-30, rtol: 1e-6 },
  sigmoid: { atol: 1e-30, rtol: 1e-6 },
} as const;

/**
 * Lengths around the 4-lane width and the 16-element pass of tanh and sigmoid, batch-sized ones, and a few
 * LeNet sizes (84 = F6, 4704 = C1 of one image).
 */
function sizes(): number[] {
  const rng = new Rng(0x5eed_0002);
  const fixed = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 20, 31, 35, 84, 4704];
  const random = Array.from({ length: 14 }, () => rng.int(1, 700));
  return [...fixed, ...random];
}
const SIZES = sizes();

/** Inputs mixing ordinary values, tiny ones (tanh's odd-polynomial branch) and saturating ones. */
function inputs(rng: Rng, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    x[i] = r < 0.6 ? rng.uniform(-4, 4) : r < 0.8 ? rng.uniform(-1e-3, 1e-3) : rng.uniform(-100, 100);
  }
  return x;
}

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

describe.each(['relu', 'tanh', 'sigmoid'] as const)('%s: wasm vs pure-TS twin', (name) => {
  it.each(SIZES)('forward and backward, n = %i', (n) => {
    b.arena.reset(base);
    const rng = new Rng(n * 7 + name.length);
    const x = inputs(rng, n);
    const g = f32(rng.array(n));

    const xr = upload(b, x), outr = upload(b, new Float32Array(n).fill(NaN));
    wasmFwd(b, name)(outr, xr, n);
    const out = new Float32Array(n);
    twin[name].fwd(out, x, n);
    expectClose(outr.f32, out, { ...FWD_TOL[name], label: `${name}Forward n=${n}` });

    // Backward from the same output for both, so only the backward is compared.
    const yr = upload(b, out), gr = upload(b, g), dr = upload(b, new Float32Array(n).fill(NaN));
    wasmBwd(b, name)(dr, gr, yr, n);
    const dinp = new Float32Array(n);
    twin[name].bwd(dinp, g, out, n);
    expectClose(dr.f32, dinp, { atol: 1e-6, rtol: 1e-5, label: `${name}Backward n=${n}` });
  });

  it('runs in place (out === inp, dinp === dout)', () => {
    b.arena.reset(base);
    const n = 103;
    const rng = new Rng(99);
    const x = inputs(rng, n);
    const g = f32(rng.array(n));
    const out = new Float32Array(n);
    twin[name].fwd(out, x, n);
    const dinp = new Float32Array(n);
    twin[name].bwd(dinp, g, out, n);

    const r = upload(b, x);
    wasmFwd(b, name)(r, r, n);
    expectClose(r.f32, out, { ...FWD_TOL[name], label: `${name}Forward in place` });
    const gr = upload(b, g);
    wasmBwd(b, name)(gr, gr, r, n);
    expectClose(gr.f32, dinp, { atol: 1e-6, rtol: 1e-5, label: `${name}Backward in place` });

    // The twins too.
    const x2 = x.slice(), g2 = g.slice();
    twin[name].fwd(x2, x2, n);
    twin[name].bwd(g2, g2, x2, n);
    expectClose(x2, out, { atol: 0, rtol: 0, label: `${name} twin forward in place` });
    expectClose(g2, dinp, { atol: 0, rtol: 0, label: `${name} twin backward in place` });
  });
});

describe('activation values', () => {
  it('the squashing function is 1.7159 tanh(2a/3), odd, with f(±1) = ±1 (paper, Appendix A)', () => {
    b.arena.reset(base);
    const x = f32([1, -1, 0, 3, -3, 1e-6, 60]);
    const xr = upload(b, x), outr = upload(b, x.length);
    b.tanhForward(outr, xr, x.length);
    const want = Array.from(x, (a) => 1.7159 * Math.tanh((2 * a) / 3));
    expectClose(outr.f32, want, { atol: 1e-30, rtol: 1e-6, label: 'tanhForward values' });
    expect(outr.f32[0]).toBeCloseTo(1, 4);
    expect(outr.f32[1]).toBe(-outr.f32[0]!);
    expect(outr.f32[2]).toBe(0);
    expect(outr.f32[6]).toBeCloseTo(1.7159, 6);
  });

  it('tanh over a dense sweep: within 3e-7 relative of tanh, odd bit for bit, monotone, never past ±1.7159', () => {
    b.arena.reset(base);
    // 0 to 20 (far into saturation), then the same values negated, then ±Infinity and NaN. (A rational fit
    // was tried and dropped: its float32 rounding stepped back by up to 7 ulps near saturation.)
    const m = 40_000;
    const pos = Array.from({ length: m }, (_, i) => (20 * i * i) / (m * m));
    const x = f32([...pos, ...pos.map((v) => -v), Infinity, -Infinity, NaN]);
    const xr = upload(b, x), outr = upload(b, x.length);
    b.tanhForward(outr, xr, x.length);
    const y = outr.f32;
    const A = Math.fround(1.7159);
    let worst = 0;
    for (let i = 0; i < m; i++) {
      const want = 1.7159 * Math.tanh((2 * x[i]!) / 3);
      if (want !== 0) worst = Math.max(worst, Math.abs(y[i]! / want - 1));
      expect(Object.is(y[m + i], -y[i]!) || (y[i] === 0 && y[m + i] === 0)).toBe(true);
      if (i > 0 && y[i]! < y[i - 1]!) expect.fail(`not monotone at ${x[i]}: ${y[i - 1]} then ${y[i]}`);
      if (y[i]! > A) expect.fail(`f(${x[i]}) = ${y[i]} exceeds ${A}`);
    }
    expect(worst).toBeLessThan(3e-7);
    expect([y[2 * m], y[2 * m + 1]]).toEqual([A, -A]);
    expect(y[2 * m + 2]).toBeNaN();
  });

  it('tanh is monotone float by float where its range reduction switches and where it saturates', () => {
    b.arena.reset(base);
    // The kernel reduces u = -4|a|/3 to n ln2 + r; n changes at |a| = (n + 1/2) ln2 * 3/4. Around each such
    // point (n = 0..26, the whole unclamped range), at the clamp |a| = 13.5 and around 0, 4,001 consecutive
    // float32 values: the output must never step down from one to the next.
    const centres = [...Array.from({ length: 27 }, (_, n) => ((n + 0.5) * Math.LN2 * 3) / 4), 13.5, 1e-3];
    const w = 2000;
    const bits = new Uint32Array(centres.length * (2 * w + 1));
    centres.forEach((c, j) => {
      const c32 = new Uint32Array(Float32Array.of(c).buffer)[0]!;
      for (let k = -w; k <= w; k++) bits[j * (2 * w + 1) + k + w] = c32 + k;
    });
    const x = new Float32Array(bits.buffer);
    const xr = upload(b, x), outr = upload(b, x.length);
    b.tanhForward(outr, xr, x.length);
    const y = outr.f32;
    let steps = 0;
    centres.forEach((c, j) => {
      for (let k = 1; k <= 2 * w; k++) {
        const i = j * (2 * w + 1) + k;
        steps++;
        if (y[i]! < y[i - 1]!) expect.fail(`not monotone near ${c}: f(${x[i - 1]}) = ${y[i - 1]}, f(${x[i]}) = ${y[i]}`);
        const want = 1.7159 * Math.tanh((2 * x[i]!) / 3);
        expect(Math.abs(y[i]! / want - 1)).toBeLessThan(3e-7);
      }
    });
    expect(steps).toBe(centres.length * 2 * w);
  });

  it('sigmoid saturates without overflow or NaN', () => {
    b.arena.reset(base);
    const x = f32([-1000, -88, -50, 0, 50, 88, 1000, -Infinity, Infinity]);
    const xr = upload(b, x), outr = upload(b, x.length);
    b.sigmoidForward(outr, xr, x.length);
    const want = Array.from(x, (a) => 1 / (1 + Math.exp(-a)));
    expectClose(outr.f32, want, { atol: 1e-30, rtol: 1e-6, label: 'sigmoidForward saturation' });
  });
});

describe('softmax: wasm vs pure-TS twin', () => {
  function rows(): { N: number; C: number }[] {
    const rng = new Rng(0x5eed_0003);
    const fixed = [{ N: 1, C: 1 }, { N: 1, C: 10 }, { N: 32, C: 10 }, { N: 3, C: 4 }, { N: 2, C: 5 }, { N: 5, C: 3 }];
    return [...fixed, ...Array.from({ length: 16 }, () => ({ N: rng.int(1, 9), C: rng.int(1, 37) }))];
  }

  it.each(rows())('forward and backward %o', ({ N, C }) => {
    b.arena.reset(base);
    const rng = new Rng(N * 131 + C);
    // Rows offset by large constants: only the max-subtracted form stays finite.
    const x = new Float32Array(N * C);
    for (let r = 0; r < N; r++) {
      const shift = rng.uniform(-500, 500);
      for (let c = 0; c < C; c++) x[r * C + c] = shift + rng.uniform(-8, 8);
    }
    const g = f32(rng.array(N * C));

    const xr = upload(b, x), outr = upload(b, new Float32Array(N * C).fill(NaN));
    b.softmaxForward(outr, xr, N, C);
    const out = new Float32Array(N * C);
    ref.softmaxForward(out, x, N, C);
    expectClose(outr.f32, out, { atol: 1e-30, rtol: 2e-6, label: `softmaxForward N=${N} C=${C}` });
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += outr.f32[r * C + c]!;
      expect(Math.abs(s - 1), `row ${r} sums to ${s}`).toBeLessThan(1e-5);
    }

    const yr = upload(b, out), gr = upload(b, g), dr = upload(b, new Float32Array(N * C).fill(NaN));
    b.softmaxBackward(dr, gr, yr, N, C);
    const dinp = new Float32Array(N * C);
    ref.softmaxBackward(dinp, g, out, N, C);
    expectClose(dr.f32, dinp, { atol: 1e-6, rtol: 1e-5, label: `softmaxBackward N=${N} C=${C}` });
  });
});

describe('activation gradients: finite differences on the Float64 twins', () => {
  it.each(['relu', 'tanh', 'sigmoid'] as const)('%s', (name) => {
    const n = 61;
    const rng = new Rng(7 + name.length);
    const x = rng.array(n, -3, 3);
    // Keep ReLU's inputs off its kink, where the derivative is undefined.
    if (name === 'relu') for (let i = 0; i < n; i++) if (Math.abs(x[i]!) < 1e-3) x[i] = 0.5;
    const w = rng.array(n);
    const out = new Float64Array(n);
    const loss = (): number => {
      twin[name].fwd(out, x, n);
      return dot(w, out);
    };
    loss();
    const dinp = new Float64Array(n);
    twin[name].bwd(dinp, w, out.slice(), n);
    gradCheck(loss, x, dinp, { label: `${name} dinp` });
    expect(maxAbs(dinp)).toBeGreaterThan(0);
  });

  it.each([{ N: 1, C: 1 }, { N: 3, C: 10 }, { N: 2, C: 7 }])('softmax %o', ({ N, C }) => {
    const rng = new Rng(N * 10 + C);
    const x = rng.array(N * C, -3, 3);
    const w = rng.array(N * C);
    const out = new Float64Array(N * C);
    const loss = (): number => {
      ref.softmaxForward(out, x, N, C);
      return dot(w, out);
    };
    loss();
    const dinp = new Float64Array(N * C);
    ref.softmaxBackward(dinp, w, out.slice(), N, C);
    gradCheck(loss, x, dinp, { label: `softmax dinp N=${N} C=${C}` });
  });
});
