import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose, maxAbs } from '../util/compare.js';
import { dot, gradCheck } from '../util/gradcheck.js';
import { Rng } from '../util/rng.js';
import { f32, upload, wasmBackend } from '../util/backends.js';

interface Shape {
  N: number;
  IN: number;
  OUT: number;
}

/** LeNet's output layer (84 -> 10, batch 32 and 1), sizes around the 4-lane width, and random ones. */
function shapes(): Shape[] {
  const fixed: Shape[] = [
    { N: 32, IN: 84, OUT: 10 },
    { N: 1, IN: 84, OUT: 10 },
    { N: 1, IN: 1, OUT: 1 },
    { N: 2, IN: 3, OUT: 2 },
    { N: 3, IN: 4, OUT: 5 },
    { N: 1, IN: 5, OUT: 3 },
    { N: 4, IN: 9, OUT: 7 },
  ];
  const rng = new Rng(0x5eed_0004);
  return [...fixed, ...Array.from({ length: 16 }, () => ({ N: rng.int(1, 6), IN: rng.int(1, 97), OUT: rng.int(1, 13) }))];
}

/** +1/-1 prototypes, like the paper's stylised digit bitmaps. */
function prototypes(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1));
}

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

describe('rbf: wasm vs pure-TS twin', () => {
  it.each(shapes())('forward and backward %o', ({ N, IN, OUT }) => {
    b.arena.reset(base);
    const rng = new Rng(N * 1009 + IN * 13 + OUT);
    // F6 outputs live in (-1.7159, 1.7159).
    const x = f32(rng.array(N * IN, -1.7, 1.7));
    const proto = prototypes(rng, OUT * IN);
    const g = f32(rng.array(N * OUT));

    const xr = upload(b, x), pr = upload(b, proto), outr = upload(b, new Float32Array(N * OUT).fill(NaN));
    b.rbfForward(outr, xr, pr, N, IN, OUT);
    const out = new Float32Array(N * OUT);
    ref.rbfForward(out, x, proto, N, IN, OUT);
    expectClose(outr.f32, out, { label: `rbfForward N=${N} IN=${IN} OUT=${OUT}` });

    // dinp is overwritten: start from NaN garbage.
    const gr = upload(b, g), dr = upload(b, new Float32Array(N * IN).fill(NaN));
    b.rbfBackward(dr, gr, xr, pr, N, IN, OUT);
    const dinp = new Float32Array(N * IN);
    ref.rbfBackward(dinp, g, x, proto, N, IN, OUT);
    expectClose(dr.f32, dinp, { label: `rbfBackward N=${N} IN=${IN} OUT=${OUT}` });
  });

  it('an input equal to a prototype has penalty 0 for that class and 4 per differing +1/-1 pixel for others', () => {
    b.arena.reset(base);
    const IN = 7, OUT = 3;
    const proto = f32([1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, 1, -1, 1, -1, 1, -1, 1]);
    const x = proto.slice(IN * 2, IN * 3);
    const outr = upload(b, OUT);
    b.rbfForward(outr, upload(b, x), upload(b, proto), 1, IN, OUT);
    expect(Array.from(outr.f32)).toEqual([4 * 3, 4 * 4, 0]);
  });
});

describe('rbf gradient: finite differences on the Float64 twin', () => {
  it.each([{ N: 1, IN: 5, OUT: 3 }, { N: 3, IN: 84, OUT: 10 }, { N: 2, IN: 7, OUT: 1 }])('input %o', ({ N, IN, OUT }) => {
    const rng = new Rng(N * 17 + IN + OUT);
    const x = rng.array(N * IN, -1.7, 1.7);
    const proto = Float64Array.from(prototypes(rng, OUT * IN));
    const w = rng.array(N * OUT);
    const out = new Float64Array(N * OUT);
    const loss = (): number => {
      ref.rbfForward(out, x, proto, N, IN, OUT);
      return dot(w, out);
    };
    const dinp = new Float64Array(N * IN).fill(NaN);
    ref.rbfBackward(dinp, w, x, proto, N, IN, OUT);
    gradCheck(loss, x, dinp, { label: `rbf dinp N=${N} IN=${IN} OUT=${OUT}` });
    expect(maxAbs(dinp)).toBeGreaterThan(0);
  });
});
