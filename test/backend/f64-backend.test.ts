/**
 * The Float64 test backend (test/models/helpers.ts) runs every kernel on its Float64 storage with every
 * argument: it is derived from the kernel table like the real backends. The two kernels its hand-written
 * binding once got wrong: dropoutForward dropped `first`, scaleAdd ran the float32 kernel on the arena.
 */
import { describe, expect, it } from 'vitest';
import * as ref from '../../src/reference/index.js';
import { expectClose } from '../util/compare.js';
import { Rng } from '../util/rng.js';
import { f64Backend } from '../models/helpers.js';

describe('Float64 test backend', () => {
  it('dropoutForward draws from `first` on: a shard gets the whole batch\'s mask there', () => {
    const b = f64Backend();
    const n = 1000, first = 384, m = 200, rate = 0.5, seed = 77;
    const x = Float64Array.from(new Rng(3).array(n));
    const whole = new Float64Array(n), wholeMask = new Float64Array(n);
    ref.dropoutForward(whole, wholeMask, x, n, rate, seed);
    const xr = b.arena.alloc(m, 'x'), outr = b.arena.alloc(m, 'out'), maskr = b.arena.alloc(m, 'mask');
    b.view(xr).set(x.subarray(first, first + m));
    b.dropoutForward(outr, maskr, xr, m, rate, seed, first);
    expectClose(b.view(maskr), wholeMask.subarray(first, first + m), { atol: 0, rtol: 0, label: 'shard mask' });
    expectClose(b.view(outr), whole.subarray(first, first + m), { atol: 0, rtol: 0, label: 'shard out' });
    // Not the mask of a batch starting at 0 (so the test tells `first` from its default).
    expect(Array.from(b.view(maskr))).not.toEqual(Array.from(wholeMask.subarray(0, m)));
  });

  it('scaleAdd works on the Float64 storage, in Float64', () => {
    const b = f64Backend();
    const n = 37, a = 0.75, w = 0.125;
    const rng = new Rng(5);
    // Values float32 cannot hold: a float32 pass would round them.
    const dst = Float64Array.from(rng.array(n), (v) => v + 1e-12), src = Float64Array.from(rng.array(n), (v) => v / 3);
    const dr = b.arena.alloc(n, 'dst'), sr = b.arena.alloc(n, 'src');
    b.view(dr).set(dst);
    b.view(sr).set(src);
    b.scaleAdd(dr, sr, n, a, w);
    const want = dst.map((d, i) => a * d + w * src[i]!);
    expectClose(b.view(dr), want, { atol: 0, rtol: 0, label: 'scaleAdd in Float64' });
  });
});
