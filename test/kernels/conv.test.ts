import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { convScratchLength } from '../../src/backend/kernels.js';
import * as ref from '../../src/reference/index.js';
import { expectClose, maxAbs } from '../util/compare.js';
import { dot, gradCheck } from '../util/gradcheck.js';
import { Rng } from '../util/rng.js';
import { guardedUpload, sumTol } from '../util/guard.js';
import { f32, f64, jsBackend, upload, wasmBackend } from '../util/backends.js';

/** S2 maps read by each C3 map (LeNet-5 paper, Table I). */
const TABLE_I: number[][] = [
  [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
  [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
  [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5],
];

/** Table I as the (OC=16, C=6) float 0/1 mask the kernels take. */
function c3Mask(): Float64Array {
  const m = new Float64Array(16 * 6);
  TABLE_I.forEach((maps, oc) => maps.forEach((c) => (m[oc * 6 + c] = 1)));
  return m;
}

interface Shape {
  N: number;
  C: number;
  H: number;
  W: number;
  OC: number;
  KH: number;
  KW: number;
  pad: number;
  /** 'none', Table I, or a seeded random 0/1 table. */
  mask: 'none' | 'table1' | 'random';
}

const dims = (s: Shape) => {
  const OH = s.H + 2 * s.pad - s.KH + 1;
  const OW = s.W + 2 * s.pad - s.KW + 1;
  return {
    OH,
    OW,
    inLen: s.N * s.C * s.H * s.W,
    outLen: s.N * s.OC * OH * OW,
    wLen: s.OC * s.C * s.KH * s.KW,
    KK: s.KH * s.KW,
  };
};

const label = (s: Shape): string =>
  `N=${s.N} ${s.C}->${s.OC} ${s.H}x${s.W} k${s.KH}x${s.KW} pad ${s.pad} mask ${s.mask}`;

/**
 * The LeNet layers (C1 classic 32x32 and modern 28x28 "same", C3 with Table I and dense, C5 whose output
 * is one pixel), batch 1, C = 1, shapes for each tile of the direct path, for the implicit GEMM and for the
 * gathering col2im, and seeded random shapes: odd sizes around the 4-lane SIMD width,
 * kernels wider than tall, pads 0-2, one-pixel outputs with and without a random mask.
 */
function shapes(): Shape[] {
  const fixed: Shape[] = [
    { N: 2, C: 1, H: 32, W: 32, OC: 6, KH: 5, KW: 5, pad: 0, mask: 'none' },
    { N: 2, C: 1, H: 28, W: 28, OC: 6, KH: 5, KW: 5, pad: 2, mask: 'none' },
    { N: 3, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5, pad: 0, mask: 'table1' },
    { N: 2, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5, pad: 0, mask: 'none' },
    { N: 5, C: 16, H: 5, W: 5, OC: 120, KH: 5, KW: 5, pad: 0, mask: 'none' },
    { N: 1, C: 1, H: 7, W: 9, OC: 1, KH: 3, KW: 3, pad: 1, mask: 'none' },
    { N: 1, C: 3, H: 4, W: 4, OC: 5, KH: 4, KW: 4, pad: 0, mask: 'random' },
    { N: 3, C: 2, H: 3, W: 3, OC: 7, KH: 5, KW: 5, pad: 1, mask: 'none' },
    { N: 1, C: 1, H: 1, W: 1, OC: 3, KH: 1, KW: 1, pad: 0, mask: 'none' },
    { N: 2, C: 3, H: 6, W: 11, OC: 9, KH: 2, KW: 6, pad: 2, mask: 'random' },
    // The direct inference path (unmasked, output width a multiple of 4): tiles of 12 and 8 columns of a
    // row, the last 4 columns in tiles of 3 rows with 0, 1 or 2 rows left over (OW = 4, 16, 28), map groups
    // of 3 with 1 or 2 left over, and one shape just past its weight-pack limit (K = 175).
    { N: 2, C: 2, H: 6, W: 12, OC: 7, KH: 3, KW: 5, pad: 0, mask: 'none' },
    { N: 1, C: 1, H: 5, W: 17, OC: 2, KH: 2, KW: 4, pad: 1, mask: 'none' },
    { N: 2, C: 3, H: 4, W: 20, OC: 4, KH: 1, KW: 1, pad: 0, mask: 'none' },
    { N: 1, C: 7, H: 9, W: 8, OC: 5, KH: 5, KW: 5, pad: 2, mask: 'none' },
    { N: 2, C: 2, H: 8, W: 6, OC: 5, KH: 3, KW: 3, pad: 0, mask: 'none' },
    // The implicit GEMM of inference (output maps a multiple of 8, no more than the rounded pixel count):
    // 4-pixel groups inside a row, across rows and a partial last group (P = 15, 21, 36); 1-3 map groups;
    // padding; a random mask.
    { N: 2, C: 3, H: 5, W: 7, OC: 8, KH: 3, KW: 3, pad: 0, mask: 'none' },
    { N: 1, C: 2, H: 6, W: 6, OC: 16, KH: 3, KW: 3, pad: 1, mask: 'none' },
    { N: 2, C: 5, H: 9, W: 8, OC: 24, KH: 3, KW: 2, pad: 0, mask: 'random' },
    { N: 1, C: 1, H: 3, W: 7, OC: 8, KH: 1, KW: 1, pad: 0, mask: 'none' },
    // The gathering col2im of the input gradient (valid convolution, input rows of 13..16 floats).
    { N: 2, C: 2, H: 9, W: 16, OC: 3, KH: 4, KW: 3, pad: 0, mask: 'none' },
    { N: 1, C: 3, H: 7, W: 13, OC: 5, KH: 2, KW: 6, pad: 0, mask: 'random' },
    { N: 2, C: 1, H: 5, W: 15, OC: 2, KH: 5, KW: 1, pad: 0, mask: 'none' },
  ];
  const rng = new Rng(0xc0_4e01);
  const random: Shape[] = [];
  while (random.length < 20) {
    const KH = rng.int(1, 6);
    const KW = rng.int(1, 6);
    const pad = rng.int(0, 2);
    const H = rng.int(Math.max(1, KH - 2 * pad), 15);
    const W = rng.int(Math.max(1, KW - 2 * pad), 19);
    const mask = rng.next() < 0.4 ? 'random' : 'none';
    random.push({ N: rng.int(1, 3), C: rng.int(1, 7), H, W, OC: rng.int(1, 11), KH, KW, pad, mask });
  }
  return [...fixed, ...random];
}

const SHAPES = shapes();

function makeMask(s: Shape, rng: Rng): Float64Array | null {
  if (s.mask === 'none') return null;
  if (s.mask === 'table1') return c3Mask();
  const m = new Float64Array(s.OC * s.C);
  for (let i = 0; i < m.length; i++) m[i] = rng.next() < 0.5 ? 1 : 0;
  return m;
}

const tol = sumTol;

let b: Backend;
let base: number;

/**
 * The wasm kernels, and the js backend's fast pure-JS ones (src/backend/js-kernels.ts), each against the
 * float64 twin on the same shapes.
 */
const BACKENDS = [
  ['wasm', () => wasmBackend()],
  ['js', () => Promise.resolve(jsBackend())],
] as const;

const guarded = (values: ArrayLike<number> | number, what: string) => guardedUpload(b, values, what);

describe.each(BACKENDS)('conv kernels: %s vs pure-TS twin (float64 oracle)', (backendName, makeBackend) => {
  beforeAll(async () => {
    b = await makeBackend();
    base = b.arena.used;
    expect(b.name).toBe(backendName);
  });

  it.each(SHAPES.map((s) => [label(s), s] as const))('%s', (_name, s) => {
    b.arena.reset(base);
    const { N, C, H, W, OC, KH, KW, pad } = s;
    const d = dims(s);
    const rng = new Rng(0x1000 + N * 7919 + C * 131 + H * 17 + W * 3 + OC * 101 + KH * 11 + KW * 5 + pad);
    const x = f32(rng.array(d.inLen));
    const w = f32(rng.array(d.wLen));
    const bias = f32(rng.array(OC));
    const g = f32(rng.array(d.outLen));
    const m = makeMask(s, rng);
    const dw0 = f32(rng.array(d.wLen)); // gradients accumulate: start from non-zero values
    const db0 = f32(rng.array(OC));
    const nCol = convScratchLength(N, C, H, W, KH, KW, pad, m === null ? 0 : OC);

    const col = guarded(nCol, 'col');
    const inp = upload(b, x, 'inp');
    const weight = upload(b, w, 'weight');
    const bi = upload(b, bias, 'bias');
    const mask = m === null ? null : upload(b, m, 'mask');
    const out = guarded(d.outLen, 'out');
    const dout = upload(b, g, 'dout');
    const dinp = guarded(d.inLen, 'dinp');
    const dweight = guarded(dw0, 'dweight');
    const dbias = guarded(db0, 'dbias');
    dinp.r.f32.fill(Number.NaN); // dinp is overwritten: garbage in it must not leak into the result

    const X = f64(x), Wt = f64(w), G = f64(g), scratch = new Float64Array(0);
    const eOut = new Float64Array(d.outLen);
    ref.convForward(eOut, X, Wt, f64(bias), m, scratch, N, C, H, W, OC, KH, KW, pad);
    const eDinp = new Float64Array(d.inLen);
    ref.convBackwardInput(eDinp, G, Wt, m, scratch, N, C, H, W, OC, KH, KW, pad);
    const eDw = f64(dw0);
    const eDb = f64(db0);
    ref.convBackwardWeights(eDw, eDb, G, X, m, scratch, N, C, H, W, OC, KH, KW, pad);

    b.convForward(out.r, inp, weight, bi, mask, col.r, N, C, H, W, OC, KH, KW, pad);
    expectClose(out.r.f32, eOut, tol(eOut, `convForward ${label(s)}`));
    const inferenceOut = Float32Array.from(out.r.f32);
    b.convBackwardInput(dinp.r, dout, weight, mask, col.r, N, C, H, W, OC, KH, KW, pad);
    expectClose(dinp.r.f32, eDinp, tol(eDinp, `convBackwardInput ${label(s)}`));
    b.convBackwardWeights(dweight.r, dbias.r, dout, inp, mask, col.r, N, C, H, W, OC, KH, KW, pad);
    expectClose(dweight.r.f32, eDw, tol(eDw, `convBackwardWeights dweight ${label(s)}`));
    expectClose(dbias.r.f32, eDb, tol(eDb, `convBackwardWeights dbias ${label(s)}`));
    for (const r of [col, out, dinp, dweight, dbias]) r.check();

    if (m !== null) {
      // Masked-out weights have no gradient: their entries keep exactly the value they started with.
      const dw = dweight.r.f32;
      for (let oc = 0; oc < OC; oc++) {
        for (let c = 0; c < C; c++) {
          if (m[oc * C + c] !== 0) continue;
          for (let k = 0; k < d.KK; k++) {
            const i = (oc * C + c) * d.KK + k;
            if (dw[i] !== dw0[i]) expect.fail(`masked dweight[${i}] changed: ${dw0[i]} -> ${dw[i]}`);
          }
        }
      }
    }

    // The weight gradient from the columns the forward left in the scratch (reuse = 1) is the same.
    const eDw2 = Float64Array.from(eDw);
    const eDb2 = Float64Array.from(eDb);
    ref.convBackwardWeights(eDw2, eDb2, G, X, m, scratch, N, C, H, W, OC, KH, KW, pad);
    b.convForward(out.r, inp, weight, bi, mask, col.r, N, C, H, W, OC, KH, KW, pad, 1);
    expectClose(out.r.f32, eOut, tol(eOut, `convForward (keeping columns) ${label(s)}`));
    // Inference (direct, implicit GEMM or im2col + GEMM, whichever applies) and training (always im2col +
    // GEMM) sum the same products in the same order, so the outputs are the same floats, wherever the GEMM
    // runs only its 4-row kernels (OC a multiple of 4; its 1-row kernel splits k into two chains).
    if (OC % 4 === 0) expect(out.r.f32).toEqual(inferenceOut);
    b.convBackwardWeights(dweight.r, dbias.r, dout, inp, mask, col.r, N, C, H, W, OC, KH, KW, pad, 1);
    expectClose(dweight.r.f32, eDw2, tol(eDw2, `convBackwardWeights (reused columns) dweight ${label(s)}`));
    expectClose(dbias.r.f32, eDb2, tol(eDb2, `convBackwardWeights (reused columns) dbias ${label(s)}`));
    for (const r of [col, out, dinp, dweight, dbias]) r.check();

    // Run again on dirty scratch and dirty dinp: results must not depend on what was left behind.
    dinp.r.f32.fill(1e30);
    b.convBackwardInput(dinp.r, dout, weight, mask, col.r, N, C, H, W, OC, KH, KW, pad);
    expectClose(dinp.r.f32, eDinp, tol(eDinp, `convBackwardInput (dirty) ${label(s)}`));
    b.convForward(out.r, inp, weight, bi, mask, col.r, N, C, H, W, OC, KH, KW, pad);
    expectClose(out.r.f32, eOut, tol(eOut, `convForward (dirty) ${label(s)}`));

    // A fused ReLU (inference and training paths): the twin's rectified output, which is the plain output
    // with its negatives zeroed (the random data gives both signs).
    const eRelu = new Float64Array(d.outLen);
    ref.convForward(eRelu, X, Wt, f64(bias), m, scratch, N, C, H, W, OC, KH, KW, pad, 0, 1);
    expect(eRelu).toEqual(eOut.map((v) => Math.max(v, 0)));
    expect(eOut.some((v) => v < 0) || d.outLen === 0).toBe(true);
    for (const keep of [0, 1]) {
      b.convForward(out.r, inp, weight, bi, mask, col.r, N, C, H, W, OC, KH, KW, pad, keep, 1);
      expectClose(out.r.f32, eRelu, tol(eRelu, `convForward relu keep ${keep} ${label(s)}`));
      for (const v of out.r.f32) if (v < 0) expect.fail(`convForward relu keep ${keep}: negative output ${v}`);
      out.check();
    }

    // A fused average pooling (after the fused ReLU, or alone): the twin's pooling of the output.
    const pLen = N * OC * (d.OH >> 1) * (d.OW >> 1);
    if (pLen > 0) {
      const pooled = guarded(pLen, 'pooled');
      for (const relu of [0, 1]) {
        const ePooled = new Float64Array(pLen);
        ref.avgPoolForward(ePooled, relu ? eRelu : eOut, N, OC, d.OH, d.OW);
        const eP2 = new Float64Array(pLen);
        ref.convForward(new Float64Array(d.outLen), X, Wt, f64(bias), m, scratch, N, C, H, W, OC, KH, KW, pad, 0, relu, eP2);
        expect(Array.from(eP2)).toEqual(Array.from(ePooled));
        for (const keep of [0, 1]) {
          pooled.r.f32.fill(Number.NaN);
          b.convForward(out.r, inp, weight, bi, mask, col.r, N, C, H, W, OC, KH, KW, pad, keep, relu, pooled.r);
          expectClose(pooled.r.f32, ePooled, tol(ePooled, `convForward pooled relu ${relu} keep ${keep} ${label(s)}`));
          expectClose(out.r.f32, relu ? eRelu : eOut, tol(eOut, `convForward (pooling too) relu ${relu} keep ${keep} ${label(s)}`));
          pooled.check();
        }
      }
    }
  });

  it('covers at least 20 random shapes plus the LeNet layers', () => {
    expect(SHAPES.length).toBeGreaterThanOrEqual(30);
    expect(SHAPES.some((s) => s.mask === 'table1')).toBe(true);
    expect(SHAPES.some((s) => dims(s).OH * dims(s).OW === 1 && s.mask !== 'none')).toBe(true);
  });

  // The masked forward works in chunks of samples (256 KB of columns: 4 C3 samples), so batch 32 and a
  // batch of 11 (a partial last chunk) with a random mask cover several chunks, with and without keep.
  it('batch 32 LeNet shapes (C1, C3 with Table I, C5) and a masked batch of 11 match the twin', () => {
    const cases: Shape[] = [
      { N: 32, C: 1, H: 32, W: 32, OC: 6, KH: 5, KW: 5, pad: 0, mask: 'none' },
      { N: 32, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5, pad: 0, mask: 'table1' },
      { N: 32, C: 16, H: 5, W: 5, OC: 120, KH: 5, KW: 5, pad: 0, mask: 'none' },
      { N: 11, C: 6, H: 14, W: 14, OC: 14, KH: 5, KW: 5, pad: 0, mask: 'random' },
    ];
    for (const s of cases) {
      b.arena.reset(base);
      const { N, C, H, W, OC, KH, KW, pad } = s;
      const d = dims(s);
      const rng = new Rng(77 + C);
      const x = f32(rng.array(d.inLen));
      const w = f32(rng.array(d.wLen));
      const g = f32(rng.array(d.outLen));
      const m = makeMask(s, rng);
      const col = upload(b, convScratchLength(N, C, H, W, KH, KW, pad, m === null ? 0 : OC), 'col');
      const inp = upload(b, x);
      const weight = upload(b, w);
      const bias = upload(b, OC);
      const mask = m === null ? null : upload(b, m);
      const out = upload(b, d.outLen);
      const dout = upload(b, g);
      const dweight = upload(b, d.wLen);
      const dbias = upload(b, OC);
      const eOut = new Float64Array(d.outLen);
      ref.convForward(eOut, f64(x), f64(w), new Float64Array(OC), m, eOut, N, C, H, W, OC, KH, KW, pad);
      b.convForward(out, inp, weight, bias, mask, col, N, C, H, W, OC, KH, KW, pad);
      expectClose(out.f32, eOut, tol(eOut, `convForward batch 32 ${label(s)}`));
      const eDw = new Float64Array(d.wLen);
      const eDb = new Float64Array(OC);
      ref.convBackwardWeights(eDw, eDb, f64(g), f64(x), m, eDw, N, C, H, W, OC, KH, KW, pad);
      b.convBackwardWeights(dweight, dbias, dout, inp, mask, col, N, C, H, W, OC, KH, KW, pad);
      expectClose(dweight.f32, eDw, tol(eDw, `convBackwardWeights batch 32 ${label(s)}`));
      expectClose(dbias.f32, eDb, tol(eDb, `convBackwardWeights dbias batch 32 ${label(s)}`));
      // Training path: the forward keeps every sample's columns and the weight gradient reads them.
      out.f32.fill(NaN);
      dweight.f32.fill(0);
      dbias.f32.fill(0);
      b.convForward(out, inp, weight, bias, mask, col, N, C, H, W, OC, KH, KW, pad, 1);
      expectClose(out.f32, eOut, tol(eOut, `convForward keeping columns ${label(s)}`));
      b.convBackwardWeights(dweight, dbias, dout, inp, mask, col, N, C, H, W, OC, KH, KW, pad, 1);
      expectClose(dweight.f32, eDw, tol(eDw, `convBackwardWeights reusing columns ${label(s)}`));
      // Fused ReLU over every chunk of the batch, inference and training paths.
      const eRelu = eOut.map((v) => Math.max(v, 0));
      for (const keep of [0, 1]) {
        out.f32.fill(NaN);
        b.convForward(out, inp, weight, bias, mask, col, N, C, H, W, OC, KH, KW, pad, keep, 1);
        expectClose(out.f32, eRelu, tol(eRelu, `convForward relu keep ${keep} ${label(s)}`));
      }
    }
  });

  it('treats the mask as data: masked weights take no part, even when they hold NaN', () => {
    b.arena.reset(base);
    const [N, C, H, W, OC, K] = [2, 6, 9, 9, 16, 3];
    const rng = new Rng(2024);
    const m = c3Mask();
    const w = rng.array(OC * C * K * K);
    const zeroed = Float64Array.from(w, (v, i) => (m[Math.floor(i / (K * K))] ? v : 0));
    const poisoned = Float64Array.from(w, (v, i) => (m[Math.floor(i / (K * K))] ? v : Number.NaN));
    const x = rng.array(N * C * H * W);
    const g = rng.array(N * OC * (H - K + 1) * (W - K + 1));
    const outLen = g.length;
    // Twin: mask + poisoned weights == no mask + zeroed weights.
    const a = new Float64Array(outLen);
    const e = new Float64Array(outLen);
    const bias = rng.array(OC);
    ref.convForward(a, x, poisoned, bias, m, a, N, C, H, W, OC, K, K, 0);
    ref.convForward(e, x, zeroed, bias, null, e, N, C, H, W, OC, K, K, 0);
    expectClose(a, e, { atol: 1e-12, label: 'twin forward, masked vs zeroed' });
    // Wasm: the same, for forward and backward-input.
    const col = upload(b, convScratchLength(N, C, H, W, K, K, 0, OC), 'col');
    const inp = upload(b, x);
    const wp = upload(b, poisoned);
    const bi = upload(b, bias);
    const mask = upload(b, m);
    const out = upload(b, outLen);
    b.convForward(out, inp, wp, bi, mask, col, N, C, H, W, OC, K, K, 0);
    expectClose(out.f32, e, tol(e, 'wasm forward with NaN in masked weights'));
    const eDinp = new Float64Array(x.length);
    ref.convBackwardInput(eDinp, g, zeroed, null, eDinp, N, C, H, W, OC, K, K, 0);
    const dinp = upload(b, x.length);
    b.convBackwardInput(dinp, upload(b, g), wp, mask, col, N, C, H, W, OC, K, K, 0);
    expectClose(dinp.f32, eDinp, tol(eDinp, 'wasm backward-input with NaN in masked weights'));
  });

  // The js kernels keep their own scratch and do not read `col`: only the wasm binding checks its length (a
  // short scratch would be memory corruption there), so the case exists for wasm only.
  if (backendName === 'wasm') {
    it('refuses a scratch too short for the call (a masked call needs room for its weight copy)', () => {
      b.arena.reset(base);
      const [N, C, H, W, OC, K] = [2, 6, 14, 14, 16, 5];
      const inp = upload(b, N * C * H * W), weight = upload(b, OC * C * K * K), bias = upload(b, OC);
      const out = upload(b, N * OC * 100), mask = upload(b, c3Mask());
      const short = upload(b, convScratchLength(N, C, H, W, K, K, 0), 'short col');
      expect(() => b.convForward(out, inp, weight, bias, mask, short, N, C, H, W, OC, K, K, 0))
        .toThrow(/short col holds \d+ floats, the call needs \d+/);
      expect(() => b.convBackwardInput(inp, out, weight, mask, short, N, C, H, W, OC, K, K, 0)).toThrow(/the call needs/);
      // Unmasked, the same scratch is enough; for a bigger batch it is not.
      expect(() => b.convForward(out, inp, weight, bias, null, short, N, C, H, W, OC, K, K, 0)).not.toThrow();
      expect(() => b.convForward(out, inp, weight, bias, null, short, N + 1, C, H, W, OC, K, K, 0)).toThrow(/the call needs/);
    });
  }

  it('Table I has 60 connections and C3 then has 1,516 parameters', () => {
    const m = c3Mask();
    const connections = m.reduce((s, v) => s + v, 0);
    expect(connections).toBe(60);
    expect(connections * 25 + 16).toBe(1516);
  });
});

describe('conv twins: finite-difference gradients (float64)', () => {
  const cases: { name: string; s: Shape }[] = [
    { name: 'dense table, pad 1', s: { N: 2, C: 3, H: 6, W: 5, OC: 4, KH: 3, KW: 2, pad: 1, mask: 'none' } },
    { name: 'pad 2 "same", C = 1', s: { N: 1, C: 1, H: 6, W: 6, OC: 3, KH: 5, KW: 5, pad: 2, mask: 'none' } },
    { name: 'C3 Table I mask', s: { N: 2, C: 6, H: 6, W: 6, OC: 16, KH: 3, KW: 3, pad: 0, mask: 'table1' } },
    { name: 'random mask, one-pixel output', s: { N: 2, C: 4, H: 3, W: 3, OC: 5, KH: 3, KW: 3, pad: 0, mask: 'random' } },
  ];
  it.each(cases)('$name', ({ s }) => {
    const { N, C, H, W, OC, KH, KW, pad } = s;
    const d = dims(s);
    const rng = new Rng(99 + C * 7 + OC);
    const x = rng.array(d.inLen);
    const w = rng.array(d.wLen);
    const bias = rng.array(OC);
    const m = makeMask(s, rng);
    const probe = rng.array(d.outLen); // loss = <probe, forward(x)>, so dL/dout = probe
    const out = new Float64Array(d.outLen);
    const none = new Float64Array(0);
    const loss = (): number => {
      ref.convForward(out, x, w, bias, m, none, N, C, H, W, OC, KH, KW, pad);
      return dot(probe, out);
    };
    const dinp = new Float64Array(d.inLen);
    const dw = new Float64Array(d.wLen);
    const db = new Float64Array(OC);
    ref.convBackwardInput(dinp, probe, w, m, none, N, C, H, W, OC, KH, KW, pad);
    ref.convBackwardWeights(dw, db, probe, x, m, none, N, C, H, W, OC, KH, KW, pad);
    expect(maxAbs(dinp)).toBeGreaterThan(0);
    gradCheck(loss, x, dinp, { label: `dinp ${label(s)}` });
    gradCheck(loss, w, dw, { label: `dweight ${label(s)}` });
    gradCheck(loss, bias, db, { label: `dbias ${label(s)}` });
  });
});
