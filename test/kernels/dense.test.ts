import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose } from '../util/compare.js';
import { dot, gradCheck } from '../util/gradcheck.js';
import { Rng } from '../util/rng.js';
import { guardedUpload, sumTol } from '../util/guard.js';
import { f32, f64, jsBackend, upload, wasmBackend } from '../util/backends.js';

interface Shape {
  N: number;
  IN: number;
  OUT: number;
}

const label = (s: Shape): string => `N=${s.N} ${s.IN}->${s.OUT}`;

/**
 * LeNet's C5 -> F6 (120 -> 84), F6 -> output (84 -> 10) and the modern flatten (400 -> 120), batch 32
 * and 1; then seeded random shapes with every remainder modulo the SIMD width and the 2 x 4 / 4 x 8 tiles.
 */
function shapes(): Shape[] {
  const fixed: Shape[] = [
    { N: 32, IN: 400, OUT: 120 },
    { N: 32, IN: 120, OUT: 84 },
    { N: 32, IN: 84, OUT: 10 },
    { N: 1, IN: 120, OUT: 84 },
    { N: 1, IN: 1, OUT: 1 },
    { N: 3, IN: 5, OUT: 7 },
    { N: 7, IN: 3, OUT: 2 },
    { N: 5, IN: 33, OUT: 1 },
    { N: 1, IN: 1, OUT: 37 },
  ];
  const rng = new Rng(0xde_45e1);
  const random: Shape[] = [];
  for (let k = 0; k < 20; k++) random.push({ N: rng.int(1, 11), IN: rng.int(1, 70), OUT: rng.int(1, 41) });
  return [...fixed, ...random];
}

const SHAPES = shapes();

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

describe.each(BACKENDS)('dense kernels: %s vs pure-TS twin (float64 oracle)', (backendName, makeBackend) => {
  beforeAll(async () => {
    b = await makeBackend();
    base = b.arena.used;
    expect(b.name).toBe(backendName);
  });

  it.each(SHAPES.map((s) => [label(s), s] as const))('%s', (_name, s) => {
    b.arena.reset(base);
    const { N, IN, OUT } = s;
    const rng = new Rng(0x2000 + N * 7919 + IN * 131 + OUT);
    const x = f32(rng.array(N * IN));
    const w = f32(rng.array(OUT * IN));
    const bias = f32(rng.array(OUT));
    const g = f32(rng.array(N * OUT));
    const dw0 = f32(rng.array(OUT * IN)); // gradients accumulate: start from non-zero values
    const db0 = f32(rng.array(OUT));

    const inp = upload(b, x, 'inp');
    const weight = upload(b, w, 'weight');
    const bi = upload(b, bias, 'bias');
    const out = guarded(N * OUT, 'out');
    const dout = upload(b, g, 'dout');
    const dinp = guarded(N * IN, 'dinp');
    const dweight = guarded(dw0, 'dweight');
    const dbias = guarded(db0, 'dbias');
    dinp.r.f32.fill(Number.NaN); // overwritten, so garbage must not leak

    const eOut = new Float64Array(N * OUT);
    ref.denseForward(eOut, f64(x), f64(w), f64(bias), N, IN, OUT);
    const eDinp = new Float64Array(N * IN);
    const eDw = f64(dw0);
    const eDb = f64(db0);
    ref.denseBackward(eDinp, eDw, eDb, f64(g), f64(x), f64(w), N, IN, OUT);

    b.denseForward(out.r, inp, weight, bi, N, IN, OUT);
    expectClose(out.r.f32, eOut, tol(eOut, `denseForward ${label(s)}`));
    b.denseBackward(dinp.r, dweight.r, dbias.r, dout, inp, weight, N, IN, OUT);
    expectClose(dinp.r.f32, eDinp, tol(eDinp, `denseBackward dinp ${label(s)}`));
    expectClose(dweight.r.f32, eDw, tol(eDw, `denseBackward dweight ${label(s)}`));
    expectClose(dbias.r.f32, eDb, tol(eDb, `denseBackward dbias ${label(s)}`));

    // dinp null (first layer): parameter gradients accumulate a second time, dinp is left alone.
    const before = Float32Array.from(dinp.r.f32);
    b.denseBackward(null, dweight.r, dbias.r, dout, inp, weight, N, IN, OUT);
    ref.denseBackward(null, eDw, eDb, f64(g), f64(x), f64(w), N, IN, OUT);
    expectClose(dweight.r.f32, eDw, tol(eDw, `denseBackward (null dinp) dweight ${label(s)}`));
    expectClose(dbias.r.f32, eDb, tol(eDb, `denseBackward (null dinp) dbias ${label(s)}`));
    expect(Array.from(dinp.r.f32)).toEqual(Array.from(before));
    for (const r of [out, dinp, dweight, dbias]) r.check();
  });

  it('covers at least 20 random shapes plus the LeNet layers', () => {
    expect(SHAPES.length).toBeGreaterThanOrEqual(29);
  });
});

describe('dense twins: finite-difference gradients (float64)', () => {
  it.each([
    { N: 3, IN: 7, OUT: 5 },
    { N: 1, IN: 12, OUT: 3 },
    { N: 4, IN: 2, OUT: 9 },
  ])('N=$N $IN->$OUT', ({ N, IN, OUT }) => {
    const rng = new Rng(31 + N * 100 + IN * 10 + OUT);
    const x = rng.array(N * IN);
    const w = rng.array(OUT * IN);
    const bias = rng.array(OUT);
    const probe = rng.array(N * OUT);
    const out = new Float64Array(N * OUT);
    const loss = (): number => {
      ref.denseForward(out, x, w, bias, N, IN, OUT);
      return dot(probe, out);
    };
    const dinp = new Float64Array(N * IN);
    const dw = new Float64Array(OUT * IN);
    const db = new Float64Array(OUT);
    ref.denseBackward(dinp, dw, db, probe, x, w, N, IN, OUT);
    gradCheck(loss, x, dinp, { label: 'dinp' });
    gradCheck(loss, w, dw, { label: 'dweight' });
    gradCheck(loss, bias, db, { label: 'dbias' });
    // Without dinp the parameter gradients are the same.
    const dw2 = new Float64Array(OUT * IN);
    const db2 = new Float64Array(OUT);
    ref.denseBackward(null, dw2, db2, probe, x, w, N, IN, OUT);
    expectClose(dw2, dw, { atol: 0, rtol: 0, label: 'dweight without dinp' });
    expectClose(db2, db, { atol: 0, rtol: 0, label: 'dbias without dinp' });
  });
});
