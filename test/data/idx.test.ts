import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DataFormatError } from '../../src/errors.js';
import { gunzipWeb, isGzip } from '../../src/data/gzip.js';
import { gunzipNode } from '../../src/data/gzip.node.js';
import { parseIdx, parseIdxImages, parseIdxLabels, readIdx, writeIdx } from '../../src/data/idx.js';
import type { IdxData } from '../../src/data/idx.js';
import { Md5, md5Hex } from '../../src/data/md5.js';
import { createHash } from 'node:crypto';
import { Rng } from '../util/rng.js';

const rng = new Rng(4);

function sample(type: string, n: number): IdxData {
  switch (type) {
    case 'uint8':
      return Uint8Array.from({ length: n }, () => rng.int(0, 255));
    case 'int8':
      return Int8Array.from({ length: n }, () => rng.int(-128, 127));
    case 'int16':
      return Int16Array.from({ length: n }, () => rng.int(-32768, 32767));
    case 'int32':
      return Int32Array.from({ length: n }, () => rng.int(-(2 ** 31), 2 ** 31 - 1));
    case 'float32':
      return Float32Array.from({ length: n }, () => rng.uniform(-1e6, 1e6));
    default:
      return Float64Array.from({ length: n }, () => rng.uniform(-1e300, 1e300));
  }
}

/** Expects `fn` to throw a DataFormatError whose message names `name` and matches `what`. */
function rejects(fn: () => unknown, name: string, what: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'should have thrown').toBeInstanceOf(DataFormatError);
  const msg = (caught as Error).message;
  expect(msg).toContain(name);
  expect(msg).toMatch(what);
}

describe('IDX round trips', () => {
  test.each(['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'])('%s, ranks 1-4', (type) => {
    for (const dims of [[7], [3, 5], [2, 3, 4], [2, 1, 3, 2], [0, 28, 28]]) {
      const n = dims.reduce((a, b) => a * b, 1);
      const data = sample(type, n);
      const parsed = parseIdx(writeIdx(dims, data), { name: 'rt.idx' });
      expect(parsed.type).toBe(type);
      expect(parsed.dims).toEqual(dims);
      expect(Array.from(parsed.data)).toEqual(Array.from(data));
    }
  });

  test('big-endian on disk (the MNIST header bytes)', () => {
    const bytes = writeIdx([60000, 28, 28], new Uint8Array(60000 * 784));
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]);
    const i32 = writeIdx([1], new Int32Array([0x01020304]));
    expect(Array.from(i32.subarray(8))).toEqual([1, 2, 3, 4]);
  });

  test('gzip detected by magic bytes, not by name', async () => {
    const raw = writeIdx([2, 2, 2], Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    const viaWeb = await readIdx(gz, { name: 'labels.bin' });
    expect(Array.from(viaWeb.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(parseIdx(gunzipNode(gz)).data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await readIdx(raw)).dims).toEqual([2, 2, 2]);
  });

  test('images and labels helpers', () => {
    const imgs = parseIdxImages(writeIdx([2, 3, 4], new Uint8Array(24).fill(9)), { name: 'i' });
    expect([imgs.count, imgs.height, imgs.width, imgs.pixels.length]).toEqual([2, 3, 4, 24]);
    expect(Array.from(parseIdxLabels(writeIdx([3], Uint8Array.from([0, 9, 5]))))).toEqual([0, 9, 5]);
  });
});

describe('IDX rejections name the file and the problem', () => {
  const good = writeIdx([2, 2, 2], new Uint8Array(8));
  test('too short, wrong magic, gzip, unknown type, rank 0', () => {
    rejects(() => parseIdx(new Uint8Array(2), { name: 'a.idx' }), 'a.idx', /too short|truncated/);
    rejects(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]), { name: 'b.idx' }), 'b.idx', /magic/);
    rejects(() => parseIdx(gzipSync(good), { name: 'c.gz' }), 'c.gz', /gzip/);
    rejects(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), { name: 'd.idx' }), 'd.idx', /unknown IDX element type 0a/);
    rejects(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), { name: 'e.idx' }), 'e.idx', /rank is 0/);
  });
  test('truncated header, truncated payload, trailing bytes', () => {
    rejects(() => parseIdx(good.subarray(0, 10), { name: 'f' }), 'f', /truncated header/);
    rejects(() => parseIdx(good.subarray(0, good.length - 1), { name: 'g' }), 'g', /need 8 payload bytes but there are 7: the file is truncated/);
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    rejects(() => parseIdx(longer, { name: 'h' }), 'h', /trailing bytes/);
  });
  test('absurd dims are refused before allocating', () => {
    const huge = Uint8Array.from([0, 0, 0x0e, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    rejects(() => parseIdx(huge, { name: 'huge.idx' }), 'huge.idx', /over the \d+-byte limit/);
  });
  test('wrong kind of file, labels out of range', () => {
    rejects(() => parseIdxImages(writeIdx([4], new Uint8Array(4)), { name: 'labels-as-images' }), 'labels-as-images', /rank 3/);
    rejects(() => parseIdxLabels(writeIdx([2, 2], new Uint8Array(4)), { name: 'imgs-as-labels' }), 'imgs-as-labels', /rank 1/);
    rejects(() => parseIdxLabels(writeIdx([3], Uint8Array.from([1, 10, 2])), { name: 'l.idx' }), 'l.idx', /label 10 at index 1 is outside 0..9/);
    rejects(() => parseIdxLabels(writeIdx([1], Int32Array.from([1])), { name: 'i32' }), 'i32', /uint8/);
  });
  test('corrupt and truncated gzip', async () => {
    const gz = gzipSync(writeIdx([1000], new Uint8Array(1000).map((_, i) => i % 10)));
    await expect(readIdx(gz.subarray(0, gz.length >> 1), { name: 'half.gz' })).rejects.toThrow(/half\.gz: corrupt or truncated gzip/);
    expect(() => gunzipNode(gz.subarray(0, gz.length >> 1), 'half.gz')).toThrow(/half\.gz: corrupt or truncated gzip/);
    const bad = gz.slice();
    bad[bad.length - 5]! ^= 0xff; // CRC/size trailer
    await expect(gunzipWeb(bad, 'crc.gz')).rejects.toBeInstanceOf(DataFormatError);
    expect(() => gunzipNode(bad, 'crc.gz')).toThrow(DataFormatError);
  });
  test('decompression bombs are refused', async () => {
    const bomb = gzipSync(new Uint8Array(4 << 20));
    await expect(gunzipWeb(bomb, 'bomb.gz', 1 << 20)).rejects.toThrow(/more than 1048576 bytes/);
    expect(() => gunzipNode(bomb, 'bomb.gz', 1 << 20)).toThrow(/more than 1048576 bytes/);
  });
});

describe('MD5 (browser checksum path) matches node:crypto', () => {
  test('lengths around the block boundaries, whole and in chunks', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const d = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 255);
      const want = createHash('md5').update(d).digest('hex');
      expect(md5Hex(d)).toBe(want);
      const m = new Md5();
      for (let i = 0; i < n; i += 37) m.update(d.subarray(i, i + 37));
      expect(m.hex()).toBe(want);
    }
  });
});

// ---- Fuzzing: random and mutated inputs; only our typed errors, never a crash or a hang. ----

const RUNS = 1000;
const CASE_MS = 2000;

/** Valid IDX files of random type and shape, small enough to mutate quickly. */
const validIdx = fc
  .record({
    type: fc.constantFrom('uint8', 'int8', 'int16', 'int32', 'float32', 'float64'),
    dims: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ type, dims }) => writeIdx(dims, sample(type, dims.reduce((a, b) => a * b, 1))));

/** A valid file with a few bytes overwritten, cut or extended. */
const mutatedIdx = fc
  .tuple(
    validIdx,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
    fc.uint8Array({ maxLength: 8 }),
  )
  .map(([bytes, edits, cut, tail]) => {
    const out = new Uint8Array(bytes.length + tail.length);
    out.set(bytes);
    out.set(tail, bytes.length);
    for (const [pos, val] of edits) if (out.length) out[pos % out.length] = val;
    return cut === undefined ? out : out.subarray(0, cut % (out.length + 1));
  });

const anyInput = fc.oneof(fc.uint8Array({ maxLength: 64 }), mutatedIdx, mutatedIdx);

function checkParse(bytes: Uint8Array): void {
  try {
    const r = parseIdx(bytes, { name: 'fuzz' });
    expect(r.data.length).toBe(r.dims.reduce((a, b) => a * b, 1));
  } catch (err) {
    if (!(err instanceof DataFormatError)) throw err;
  }
}

describe('fuzzing (fast-check)', () => {
  test(`parseIdx: ${RUNS} random and mutated inputs`, async () => {
    await fc.assert(
      fc.asyncProperty(anyInput, async (bytes) => {
        const t0 = performance.now();
        checkParse(bytes);
        expect(performance.now() - t0).toBeLessThan(CASE_MS);
      }),
      { numRuns: RUNS, timeout: CASE_MS, seed: 41 },
    );
  });

  test(`readIdx over gzip (DecompressionStream) and gunzipNode: ${RUNS} mutated gzip inputs`, async () => {
    const mutatedGz = fc
      .tuple(validIdx, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.option(fc.nat(), { nil: undefined }))
      .map(([raw, edits, cut]) => {
        const gz = new Uint8Array(gzipSync(raw));
        // Keep the magic so the gzip path is taken; mutate anything after it.
        for (const [pos, val] of edits) gz[3 + (pos % (gz.length - 3))] = val;
        return cut === undefined ? gz : gz.subarray(0, Math.max(3, cut % (gz.length + 1)));
      });
    await fc.assert(
      fc.asyncProperty(mutatedGz, async (gz) => {
        const t0 = performance.now();
        try {
          await readIdx(gz, { name: 'fuzz.gz' });
        } catch (err) {
          if (!(err instanceof DataFormatError)) throw err;
        }
        try {
          parseIdx(gunzipNode(gz, 'fuzz.gz'), { name: 'fuzz.gz' });
        } catch (err) {
          if (!(err instanceof DataFormatError)) throw err;
        }
        expect(performance.now() - t0).toBeLessThan(CASE_MS);
      }),
      { numRuns: RUNS, timeout: CASE_MS, seed: 42 },
    );
  });

  test(`parseIdxImages / parseIdxLabels: ${RUNS} mutated inputs`, async () => {
    const mnistLike = fc
      .tuple(fc.integer({ min: 0, max: 5 }), fc.boolean())
      .map(([n, labels]) => (labels ? writeIdx([n], new Uint8Array(n).map((_, i) => i % 10)) : writeIdx([n, 4, 4], new Uint8Array(n * 16))));
    const input = fc
      .tuple(mnistLike, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }))
      .map(([b, edits]) => {
        const o = b.slice();
        for (const [p, v] of edits) o[p % o.length] = v;
        return o;
      });
    // Every input either parses or is refused with a DataFormatError; both must occur (mutations that
    // miss the header leave a valid file; images are refused by parseIdxLabels and vice versa).
    let parsed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        for (const parse of [parseIdxImages, parseIdxLabels]) {
          try {
            parse(bytes, { name: 'fuzz' });
            parsed++;
          } catch (err) {
            if (!(err instanceof DataFormatError)) throw err;
            refused++;
          }
        }
      }),
      { numRuns: RUNS, timeout: CASE_MS, seed: 43 },
    );
    expect(parsed + refused).toBe(2 * RUNS);
    expect(parsed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
