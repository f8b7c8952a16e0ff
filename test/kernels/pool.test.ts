import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose, maxAbs } from '../util/compare.js';
import { dot, gradCheck } from '../util/gradcheck.js';
import { Rng } from '../util/rng.js';
import { f32, upload, uploadInt, wasmBackend } from '../util/backends.js';

interface Shape {
  N: number;
  C: number;
  H: number;
  W: number;
}

const label = (s: Shape): string => `N=${s.N} C=${s.C} H=${s.H} W=${s.W}`;

/**
 * Seeded shapes: the LeNet ones (S2 on 6x28x28, S4 on 16x10x10), batch 1, odd H and W (dropped edge),
 * output widths below, at and past the 4-lane SIMD width with tails, and degenerate 1-pixel planes.
 */
function shapes(): Shape[] {
  const fixed: Shape[] = [
    { N: 2, C: 6, H: 28, W: 28 },
    { N: 3, C: 16, H: 10, W: 10 },
    { N: 1, C: 1, H: 2, W: 2 },
    { N: 1, C: 3, H: 9, W: 17 },
    { N: 1, C: 2, H: 1, W: 1 },
    { N: 2, C: 1, H: 3, W: 1 },
    { N: 1, C: 1, H: 1, W: 9 },
    { N: 2, C: 3, H: 8, W: 8 },
    { N: 1, C: 5, H: 7, W: 19 },
  ];
  const rng = new Rng(0x5eed_0001);
  const random: Shape[] = [];
  for (let k = 0; k < 18; k++) {
    random.push({ N: rng.int(1, 3), C: rng.int(1, 5), H: rng.int(1, 21), W: rng.int(1, 27) });
  }
  return [...fixed, ...random];
}

const SHAPES = shapes();
const outLen = (s: Shape): number => s.N * s.C * (s.H >> 1) * (s.W >> 1);
const inLen = (s: Shape): number => s.N * s.C * s.H * s.W;

/** Cells of the input no 2x2 window covers (odd last row/column), as flat indices. */
function droppedCells(s: Shape): number[] {
  const cells: number[] = [];
  for (let p = 0; p < s.N * s.C; p++) {
    for (let h = 0; h < s.H; h++) {
      for (let w = 0; w < s.W; w++) {
        if (h >= (s.H & ~1) || w >= (s.W & ~1)) cells.push(p * s.H * s.W + h * s.W + w);
      }
    }
  }
  return cells;
}

function expectDroppedZero(dinp: ArrayLike<number>, s: Shape, what: string): void {
  for (const i of droppedCells(s)) {
    if (dinp[i] !== 0) expect.fail(`${what} ${label(s)}: dropped cell [${i}] holds ${dinp[i]}, expected 0`);
  }
}

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

describe('pool kernels: wasm vs pure-TS twin', () => {
  it.each(SHAPES)('avgPoolForward/Backward %o', (s) => {
    b.arena.reset(base);
    const { N, C, H, W } = s;
    const rng = new Rng(11 + N * 1000 + C * 100 + H * 10 + W);
    const x = f32(rng.array(inLen(s)));
    const g = f32(rng.array(outLen(s)));

    const xr = upload(b, x), outr = upload(b, outLen(s));
    b.avgPoolForward(outr, xr, N, C, H, W);
    const out = new Float32Array(outLen(s));
    ref.avgPoolForward(out, x, N, C, H, W);
    expectClose(outr.f32, out, { label: `avgPoolForward ${label(s)}` });

    // dinp is overwritten: NaN garbage must be replaced everywhere, dropped cells included.
    const gr = upload(b, g), dr = upload(b, new Float32Array(inLen(s)).fill(NaN));
    b.avgPoolBackward(dr, gr, N, C, H, W);
    const dinp = new Float32Array(inLen(s)).fill(NaN);
    ref.avgPoolBackward(dinp, g, N, C, H, W);
    expectClose(dr.f32, dinp, { label: `avgPoolBackward ${label(s)}` });
    expectDroppedZero(dr.f32, s, 'avgPoolBackward');
  });

  it.each(SHAPES)('subsampleForward/Backward %o', (s) => {
    b.arena.reset(base);
    const { N, C, H, W } = s;
    const rng = new Rng(23 + N * 1000 + C * 100 + H * 10 + W);
    const x = f32(rng.array(inLen(s)));
    const coeff = f32(rng.array(C, -2, 2));
    const bias = f32(rng.array(C));
    const g = f32(rng.array(outLen(s)));
    // Parameter gradients accumulate onto what is already there.
    const dcoeff0 = f32(rng.array(C, 5, 6));
    const dbias0 = f32(rng.array(C, -6, -5));

    const xr = upload(b, x), kr = upload(b, coeff), br = upload(b, bias), outr = upload(b, outLen(s));
    b.subsampleForward(outr, xr, kr, br, N, C, H, W);
    const out = new Float32Array(outLen(s));
    ref.subsampleForward(out, x, coeff, bias, N, C, H, W);
    expectClose(outr.f32, out, { label: `subsampleForward ${label(s)}` });

    const gr = upload(b, g), dr = upload(b, new Float32Array(inLen(s)).fill(NaN));
    const dkr = upload(b, dcoeff0), dbr = upload(b, dbias0);
    b.subsampleBackward(dr, dkr, dbr, gr, xr, kr, N, C, H, W);
    const dinp = new Float32Array(inLen(s)).fill(NaN);
    const dcoeff = dcoeff0.slice(), dbias = dbias0.slice();
    ref.subsampleBackward(dinp, dcoeff, dbias, g, x, coeff, N, C, H, W);
    expectClose(dr.f32, dinp, { label: `subsampleBackward dinp ${label(s)}` });
    expectDroppedZero(dr.f32, s, 'subsampleBackward');
    expectClose(dkr.f32, dcoeff, { label: `subsampleBackward dcoeff ${label(s)}` });
    expectClose(dbr.f32, dbias, { label: `subsampleBackward dbias ${label(s)}` });
  });

  it.each(SHAPES)('maxPoolForward/Backward %o', (s) => {
    b.arena.reset(base);
    const { N, C, H, W } = s;
    const rng = new Rng(37 + N * 1000 + C * 100 + H * 10 + W);
    const x = f32(rng.array(inLen(s)));
    const g = f32(rng.array(outLen(s)));

    const xr = upload(b, x), outr = upload(b, outLen(s));
    const ar = uploadInt(b, new Int32Array(outLen(s)).fill(-7));
    b.maxPoolForward(outr, ar, xr, N, C, H, W);
    const out = new Float32Array(outLen(s));
    const argmax = new Int32Array(outLen(s));
    ref.maxPoolForward(out, argmax, x, N, C, H, W);
    expectClose(outr.f32, out, { atol: 0, rtol: 0, label: `maxPoolForward ${label(s)}` });
    expect(Array.from(ar.i32)).toEqual(Array.from(argmax));

    const gr = upload(b, g), dr = upload(b, new Float32Array(inLen(s)).fill(NaN));
    b.maxPoolBackward(dr, gr, ar, N, C, H, W);
    const dinp = new Float32Array(inLen(s)).fill(NaN);
    ref.maxPoolBackward(dinp, g, argmax, N, C, H, W);
    expectClose(dr.f32, dinp, { atol: 0, rtol: 0, label: `maxPoolBackward ${label(s)}` });
    expectDroppedZero(dr.f32, s, 'maxPoolBackward');
  });
});

/** The first maximum of each window in row-major order, by exhaustive search. */
function bruteMaxPool(x: ArrayLike<number>, s: Shape): { out: number[]; argmax: number[] } {
  const out: number[] = [];
  const argmax: number[] = [];
  const OH = s.H >> 1, OW = s.W >> 1;
  for (let p = 0; p < s.N * s.C; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const cells = [[0, 0], [0, 1], [1, 0], [1, 1]].map(([dy, dx]) => (2 * oh + dy!) * s.W + 2 * ow + dx!);
        const values = cells.map((k) => x[p * s.H * s.W + k]!);
        const m = Math.max(...values);
        const first = values.indexOf(m);
        out.push(m);
        argmax.push(cells[first]!);
      }
    }
  }
  return { out, argmax };
}

describe('max pooling argmax', () => {
  it.each(SHAPES)('matches a brute-force search, first maximum wins on ties %o', (s) => {
    b.arena.reset(base);
    const { N, C, H, W } = s;
    const rng = new Rng(41 + N * 1000 + C * 100 + H * 10 + W);
    // Values from {0, 1, 2}: most windows hold ties, many hold a tied maximum.
    const x = new Float32Array(inLen(s));
    for (let i = 0; i < x.length; i++) x[i] = rng.int(0, 2);
    const want = bruteMaxPool(x, s);

    const xr = upload(b, x), outr = upload(b, outLen(s)), ar = uploadInt(b, new Int32Array(outLen(s)));
    b.maxPoolForward(outr, ar, xr, N, C, H, W);
    expect(Array.from(ar.i32)).toEqual(want.argmax);
    expect(Array.from(outr.f32)).toEqual(want.out);

    const out = new Float32Array(outLen(s));
    const argmax = new Int32Array(outLen(s));
    ref.maxPoolForward(out, argmax, x, N, C, H, W);
    expect(Array.from(argmax)).toEqual(want.argmax);
    expect(Array.from(out)).toEqual(want.out);

    // Backward routes each gradient to exactly one cell: the winner.
    const g = f32(rng.array(outLen(s), 1, 2));
    const gr = upload(b, g), dr = upload(b, inLen(s));
    b.maxPoolBackward(dr, gr, ar, N, C, H, W);
    const OH = H >> 1, OW = W >> 1;
    let nonzero = 0;
    for (let i = 0; i < dr.f32.length; i++) if (dr.f32[i] !== 0) nonzero++;
    expect(nonzero).toBe(N * C * OH * OW);
    for (let p = 0; p < N * C; p++) {
      for (let o = 0; o < OH * OW; o++) {
        expect(dr.f32[p * H * W + want.argmax[p * OH * OW + o]!]).toBe(g[p * OH * OW + o]);
      }
    }
  });

  it('picks the top-left cell of an all-equal or all -Infinity window, and skips NaN after the first cell', () => {
    b.arena.reset(base);
    const s = { N: 1, C: 1, H: 2, W: 10 };
    const x = f32([
      5, 5, -Infinity, -Infinity, 1, 3, 0, 0, 2, NaN,
      5, 5, -Infinity, -Infinity, 3, 1, 0, -0, 1, 1,
    ]);
    const xr = upload(b, x), outr = upload(b, 5), ar = uploadInt(b, new Int32Array(5));
    b.maxPoolForward(outr, ar, xr, s.N, s.C, s.H, s.W);
    const out = new Float32Array(5);
    const argmax = new Int32Array(5);
    ref.maxPoolForward(out, argmax, x, s.N, s.C, s.H, s.W);
    expect(Array.from(ar.i32)).toEqual([0, 2, 5, 6, 8]);
    expect(Array.from(argmax)).toEqual([0, 2, 5, 6, 8]);
    expect(Array.from(outr.f32)).toEqual([5, -Infinity, 3, 0, 2]);
    expect(Array.from(out)).toEqual([5, -Infinity, 3, 0, 2]);
  });
});

describe('pool gradients: finite differences on the Float64 twins', () => {
  // Mixed shapes, odd edges included, so the dropped row/column is checked to carry no gradient.
  const gradShapes: Shape[] = [
    { N: 1, C: 1, H: 4, W: 4 },
    { N: 2, C: 3, H: 5, W: 7 },
    { N: 1, C: 2, H: 6, W: 9 },
    { N: 3, C: 2, H: 3, W: 3 },
  ];

  it.each(gradShapes)('avgPool: input %o', (s) => {
    const { N, C, H, W } = s;
    const rng = new Rng(101 + H * 10 + W);
    const x = rng.array(inLen(s));
    const w = rng.array(outLen(s));
    const out = new Float64Array(outLen(s));
    const loss = (): number => {
      ref.avgPoolForward(out, x, N, C, H, W);
      return dot(w, out);
    };
    const dinp = new Float64Array(inLen(s)).fill(NaN);
    ref.avgPoolBackward(dinp, w, N, C, H, W);
    gradCheck(loss, x, dinp, { label: `avgPool dinp ${label(s)}` });
    expect(maxAbs(dinp)).toBeGreaterThan(0);
  });

  it.each(gradShapes)('subsample: input, coefficient and bias %o', (s) => {
    const { N, C, H, W } = s;
    const rng = new Rng(202 + H * 10 + W);
    const x = rng.array(inLen(s));
    const coeff = rng.array(C, -2, 2);
    const bias = rng.array(C);
    const w = rng.array(outLen(s));
    const out = new Float64Array(outLen(s));
    const loss = (): number => {
      ref.subsampleForward(out, x, coeff, bias, N, C, H, W);
      return dot(w, out);
    };
    const dinp = new Float64Array(inLen(s)).fill(NaN);
    const dcoeff0 = rng.array(C), dbias0 = rng.array(C);
    const dcoeff = dcoeff0.slice(), dbias = dbias0.slice();
    ref.subsampleBackward(dinp, dcoeff, dbias, w, x, coeff, N, C, H, W);
    gradCheck(loss, x, dinp, { label: `subsample dinp ${label(s)}` });
    gradCheck(loss, coeff, dcoeff.map((v, c) => v - dcoeff0[c]!), { label: `subsample dcoeff ${label(s)}` });
    gradCheck(loss, bias, dbias.map((v, c) => v - dbias0[c]!), { label: `subsample dbias ${label(s)}` });
  });

  it.each(gradShapes)('maxPool: input %o', (s) => {
    const { N, C, H, W } = s;
    const rng = new Rng(303 + H * 10 + W);
    const x = rng.array(inLen(s));
    const w = rng.array(outLen(s));
    const out = new Float64Array(outLen(s));
    const argmax = new Int32Array(outLen(s));
    const loss = (): number => {
      ref.maxPoolForward(out, argmax, x, N, C, H, W);
      return dot(w, out);
    };
    loss();
    const frozen = argmax.slice();
    const dinp = new Float64Array(inLen(s)).fill(NaN);
    ref.maxPoolBackward(dinp, w, frozen, N, C, H, W);
    gradCheck(loss, x, dinp, { label: `maxPool dinp ${label(s)}` });
  });
});
