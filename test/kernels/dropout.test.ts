/** Seeded dropout: the wasm kernel and its twin draw the same mask bit for bit; rate and scale hold. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose } from '../util/compare.js';
import { Rng } from '../util/rng.js';
import { f32, upload, wasmBackend } from '../util/backends.js';

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

describe('dropout kernels', () => {
  it.each([
    { n: 1, rate: 0.5, seed: 1 }, { n: 1000, rate: 0.8, seed: 42 }, { n: 4097, rate: 0.1, seed: 0xdeadbeef },
    { n: 333, rate: 0, seed: 7 }, { n: 50000, rate: 0.8, seed: 3 },
  ])('wasm mask = twin mask, bit for bit %o', ({ n, rate, seed }) => {
    b.arena.reset(base);
    const x = f32(new Rng(n).array(n));
    const xr = upload(b, x), outr = upload(b, n), maskr = upload(b, n);
    b.dropoutForward(outr, maskr, xr, n, rate, seed);
    const out = new Float32Array(n), mask = new Float32Array(n);
    ref.dropoutForward(out, mask, x, n, rate, seed);
    expectClose(maskr.f32, mask, { atol: 0, rtol: 0, label: 'mask' });
    expectClose(outr.f32, out, { atol: 0, rtol: 0, label: 'out' });

    const g = f32(new Rng(n + 1).array(n));
    const gr = upload(b, g), dr = upload(b, n);
    b.dropoutBackward(dr, gr, maskr, n);
    const d = new Float32Array(n);
    ref.dropoutBackward(d, g, mask, n);
    expectClose(dr.f32, d, { atol: 0, rtol: 0, label: 'dinp' });
    for (let i = 0; i < n; i++) expect(d[i]).toBe(Math.fround(g[i]! * mask[i]!));
  });

  it('a shard starting `first` elements in draws the whole batch\'s mask there (both backends)', () => {
    b.arena.reset(base);
    const n = 1000, first = 384, m = 200, rate = 0.8, seed = 77;
    const x = f32(new Rng(9).array(n));
    const whole = new Float32Array(n), wholeMask = new Float32Array(n);
    ref.dropoutForward(whole, wholeMask, x, n, rate, seed);
    const part = new Float32Array(m), partMask = new Float32Array(m);
    ref.dropoutForward(part, partMask, x.subarray(first, first + m), m, rate, seed, first);
    expectClose(partMask, wholeMask.subarray(first, first + m), { atol: 0, rtol: 0, label: 'twin shard mask' });
    const xr = upload(b, x.subarray(first, first + m)), outr = upload(b, m), maskr = upload(b, m);
    b.dropoutForward(outr, maskr, xr, m, rate, seed, first);
    expectClose(maskr.f32, partMask, { atol: 0, rtol: 0, label: 'wasm shard mask' });
    expectClose(outr.f32, part, { atol: 0, rtol: 0, label: 'wasm shard out' });
  });

  it('drops about `rate` of the values and scales survivors by 1/(1-rate)', () => {
    const n = 100000;
    const rate = 0.8;
    const x = new Float32Array(n).fill(1);
    const out = new Float32Array(n), mask = new Float32Array(n);
    ref.dropoutForward(out, mask, x, n, rate, 123);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) dropped++;
      else expect(mask[i]).toBe(Math.fround(1 / Math.fround(1 - Math.fround(rate)))); // rate is a float32 argument
    }
    // Binomial(n, 0.8): sd = sqrt(n * 0.16) ~ 126; 5 sd.
    expect(Math.abs(dropped - rate * n)).toBeLessThan(650);
    // Different seeds give different masks; the same seed the same one.
    const m2 = new Float32Array(n);
    ref.dropoutForward(new Float32Array(n), m2, x, n, rate, 124);
    let same = 0;
    for (let i = 0; i < n; i++) if (m2[i] === mask[i]) same++;
    expect(same).toBeLessThan(0.75 * n);
  });
});
