import { describe, expect, test } from 'vitest';
import { Dataset, inputShape } from '../../src/data/dataset.js';
import { affineWarp, identityAffine, resolveDistortion } from '../../src/data/distort.js';
import { DataFormatError, InvalidArgumentError } from '../../src/errors.js';
import { permutation } from '../../src/random.js';
import { expectClose } from '../util/compare.js';
import { Rng } from '../util/rng.js';

/** n random 28x28 images with a blob whose position encodes the index; labels i % 10. */
function synthetic(n: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    const cx = rng.int(8, 19);
    const cy = rng.int(8, 19);
    for (let y = cy - 4; y <= cy + 4; y++) for (let x = cx - 3; x <= cx + 3; x++) images[i * 784 + y * 28 + x] = rng.int(128, 255);
  }
  return new Dataset({ images, labels, name: 'synthetic' });
}

describe('Dataset', () => {
  const ds = synthetic(100);

  test('shape, views, class counts', () => {
    expect([ds.count, ds.height, ds.width, ds.pixels]).toEqual([100, 28, 28, 784]);
    expect(ds.image(3).length).toBe(784);
    expect(ds.image(3).buffer).toBe(ds.images.buffer);
    expect(Array.from(ds.classCounts())).toEqual(new Array(10).fill(10));
    expect(inputShape('modern')).toEqual([1, 28, 28]);
    expect(inputShape('classic')).toEqual([1, 32, 32]);
    expect(ds.sampleSize('classic')).toBe(1024);
  });

  test('subset by range shares memory, by indices copies in order', () => {
    const a = ds.subset(10, 20);
    expect(a.count).toBe(10);
    expect(a.images.buffer).toBe(ds.images.buffer);
    expect(a.label(0)).toBe(ds.label(10));
    const b = ds.subset([5, 2, 99]);
    expect(Array.from(b.labels)).toEqual([5, 2, 9]);
    expect(Array.from(b.image(2))).toEqual(Array.from(ds.image(99)));
    expect(() => ds.subset(50, 101)).toThrow(InvalidArgumentError);
    expect(() => ds.subset([100])).toThrow(/index 100 is outside 0..99/);
  });

  test('split by count, by fraction, seeded', () => {
    const [a, b] = ds.split(80);
    expect([a.count, b.count]).toEqual([80, 20]);
    expect(b.label(0)).toBe(ds.label(80));
    const [c, d] = ds.split(0.9);
    expect([c.count, d.count]).toEqual([90, 10]);
    const [e1] = ds.split(30, { seed: 7 });
    const [e2] = ds.split(30, { seed: 7 });
    const [e3] = ds.split(30, { seed: 8 });
    expect(Array.from(e1.images)).toEqual(Array.from(e2.images));
    expect(Array.from(e1.labels)).not.toEqual(Array.from(e3.labels));
    expect(() => ds.split(101)).toThrow(InvalidArgumentError);
  });

  test('seeded shuffle is a reproducible permutation that keeps image-label pairs', () => {
    const s1 = ds.shuffle(3);
    const s2 = ds.shuffle(3);
    expect(Array.from(s1.labels)).toEqual(Array.from(s2.labels));
    const order = permutation(100, 3);
    expect(Array.from(order).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(order.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let k = 0; k < 100; k++) {
      expect(s1.label(k)).toBe(ds.label(order[k]!));
      expect(Array.from(s1.image(k))).toEqual(Array.from(ds.image(order[k]!)));
    }
  });

  test('rejects images/labels disagreement and out-of-range labels', () => {
    expect(() => new Dataset({ images: new Uint8Array(784 * 2), labels: new Uint8Array(3), name: 'x' })).toThrow(DataFormatError);
    expect(() => new Dataset({ images: new Uint8Array(784), labels: Uint8Array.from([10]) })).toThrow(/label 10/);
  });
});

describe('writeBatch', () => {
  const ds = synthetic(64, 2);

  test('modern: pixel / 255, 28x28, labels as int32, in order', () => {
    const inputs = new Float32Array(8 * 784).fill(NaN);
    const labels = new Int32Array(8).fill(-1);
    expect(ds.writeBatch(inputs, labels, 16, 8)).toBe(8);
    const want = Float32Array.from(ds.images.subarray(16 * 784, 24 * 784), (p) => p / 255);
    expectClose(inputs, want, { atol: 1e-7, label: 'modern batch' });
    expect(Array.from(labels)).toEqual(Array.from(ds.labels.subarray(16, 24)));
  });

  test('classic: -0.1 + 1.275 p / 255, padded by 2 to 32x32 with -0.1', () => {
    const inputs = new Float32Array(2 * 1024);
    ds.writeBatch(inputs, null, 0, 2, { normalization: 'classic' });
    const want = new Float32Array(2 * 1024).fill(-0.1);
    for (let s = 0; s < 2; s++)
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) want[s * 1024 + (y + 2) * 32 + x + 2] = -0.1 + (1.275 * ds.images[s * 784 + y * 28 + x]!) / 255;
    expectClose(inputs, want, { atol: 1e-6, label: 'classic batch' });
    expect(Math.min(...inputs)).toBeCloseTo(-0.1, 6);
    expect(Math.max(...inputs)).toBeLessThanOrEqual(1.175 + 1e-6);
  });

  test('an order (shuffled epoch) picks samples without copying the dataset', () => {
    const order = ds.permutation(9);
    const inputs = new Float32Array(4 * 784);
    const labels = new Int32Array(4);
    ds.writeBatch(inputs, labels, 4, 4, { order });
    for (let k = 0; k < 4; k++) {
      expect(labels[k]).toBe(ds.label(order[4 + k]!));
      expect(inputs[k * 784 + 300]).toBeCloseTo(ds.image(order[4 + k]!)[300]! / 255, 6);
    }
  });

  test('writes into a sub-range of a bigger buffer (an arena region) and validates sizes', () => {
    const arena = new Float32Array(10_000);
    const region = arena.subarray(1000, 1000 + 4 * 784);
    ds.writeBatch(region, null, 0, 4);
    expect(arena[999]).toBe(0);
    expect(arena[1000 + 4 * 784]).toBe(0);
    expect(() => ds.writeBatch(new Float32Array(100), null, 0, 1)).toThrow(/input buffer holds 100 floats/);
    expect(() => ds.writeBatch(new Float32Array(784), new Int32Array(0), 0, 1)).toThrow(/label buffer/);
    expect(() => ds.writeBatch(new Float32Array(784 * 2), null, 63, 2)).toThrow(/outside \[0, 64\]/);
  });
});

describe('distortions', () => {
  const ds = synthetic(32, 3);

  test('identity warp is exact; a pure translation shifts pixels', () => {
    const src = ds.image(0);
    const out = new Uint8Array(784);
    affineWarp(out, src, 28, 28, identityAffine());
    expect(Array.from(out)).toEqual(Array.from(src));
    affineWarp(out, src, 28, 28, { ...identityAffine(), tx: 2, ty: -1 });
    for (let y = 1; y < 27; y++) for (let x = 0; x < 26; x++) expect(out[(y - 1) * 28 + x + 2]).toBe(src[y * 28 + x]);
  });

  test('scaling about the centre shrinks ink mass by about scale^2', () => {
    const src = ds.image(1);
    const out = new Float32Array(784);
    affineWarp(out, src, 28, 28, { ...identityAffine(), scale: 0.8 });
    const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);
    expect(sum(out) / sum(src)).toBeCloseTo(0.64, 1);
  });

  test('per-epoch, reproducible by seed, labels kept, source untouched', () => {
    const before = ds.images.slice();
    const d = ds.withDistortion({ seed: 5 });
    expect(d.images.buffer).toBe(ds.images.buffer);
    const run = (set: Dataset, epoch: number): [Float32Array, Int32Array] => {
      const x = new Float32Array(32 * 784);
      const y = new Int32Array(32);
      set.writeBatch(x, y, 0, 32, { epoch });
      return [x, y];
    };
    const [a0, l0] = run(d, 0);
    const [b0] = run(ds.withDistortion({ seed: 5 }), 0);
    const [a1, l1] = run(d, 1);
    const [c0] = run(ds.withDistortion({ seed: 6 }), 0);
    const [plain, lp] = run(ds, 0);
    expect(Array.from(a0)).toEqual(Array.from(b0));
    expect(Array.from(a0)).not.toEqual(Array.from(a1));
    expect(Array.from(a0)).not.toEqual(Array.from(c0));
    expect(Array.from(a0)).not.toEqual(Array.from(plain));
    expect(Array.from(l0)).toEqual(Array.from(lp));
    expect(Array.from(l1)).toEqual(Array.from(lp));
    expect(Array.from(ds.images)).toEqual(Array.from(before));
    // Still images, not noise: every distorted sample keeps most of its ink and stays in range.
    for (let k = 0; k < 32; k++) {
      let m0 = 0;
      let m1 = 0;
      for (let i = 0; i < 784; i++) {
        m0 += plain[k * 784 + i]!;
        m1 += a0[k * 784 + i]!;
        expect(a0[k * 784 + i]).toBeGreaterThanOrEqual(0);
        expect(a0[k * 784 + i]).toBeLessThanOrEqual(1);
      }
      expect(m1 / m0).toBeGreaterThan(0.6);
      expect(m1 / m0).toBeLessThan(1.5);
    }
    // The distortion is per sample index, independent of batch position or order.
    const order = Uint32Array.from({ length: 32 }, (_, i) => 31 - i);
    const x = new Float32Array(784);
    d.writeBatch(x, null, 0, 1, { order, epoch: 0 });
    expect(Array.from(x)).toEqual(Array.from(a0.subarray(31 * 784, 32 * 784)));
  });

  test('options are validated', () => {
    expect(() => resolveDistortion({ scale: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => resolveDistortion({ shear: -1 })).toThrow(/shear/);
    expect(ds.withDistortion(null).distortion).toBeNull();
  });
});
