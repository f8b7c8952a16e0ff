import fc from 'fast-check';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, test } from 'vitest';
import { decodeImage, decodeRaster, detectImageFormat } from '../../src/data/decode.js';
import { ImageDecodeError, NoInkError } from '../../src/errors.js';
import { preprocessImage, resampleArea, toGray } from '../../src/data/image.js';
import type { GrayImage } from '../../src/data/image.js';

/** A "0"-like ring drawn dark-on-light (ink 20, paper 235) in a w x h picture; the ring's box is given. */
function drawRing(w: number, h: number, box: { x0: number; y0: number; x1: number; y1: number }, ink = 20, paper = 235): GrayImage {
  const data = new Uint8Array(w * h).fill(paper);
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  const rx = (box.x1 - box.x0) / 2;
  const ry = (box.y1 - box.y0) / 2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const r = Math.hypot((x - cx) / rx, (y - cy) / ry);
      if (r <= 1 && r >= 0.7) data[y * w + x] = ink;
    }
  return { width: w, height: h, data };
}

interface Stats {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  cx: number;
  cy: number;
  max: number;
  border: number;
}
function stats(img: GrayImage, cut = 0): Stats {
  const s: Stats = { x0: 99, y0: 99, x1: -1, y1: -1, cx: 0, cy: 0, max: 0, border: 0 };
  let mass = 0;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x]!;
      s.max = Math.max(s.max, v);
      if (x === 0 || y === 0 || x === img.width - 1 || y === img.height - 1) s.border = Math.max(s.border, v);
      mass += v;
      s.cx += v * x;
      s.cy += v * y;
      if (v > cut) {
        s.x0 = Math.min(s.x0, x);
        s.x1 = Math.max(s.x1, x);
        s.y0 = Math.min(s.y0, y);
        s.y1 = Math.max(s.y1, y);
      }
    }
  s.cx /= mass;
  s.cy /= mass;
  return s;
}

describe('MNIST recipe', () => {
  test('a digit drawn black-on-white at 200x300 comes out white-on-black, 20 px tall, centred by mass', () => {
    // Off-centre on purpose: the recipe must crop and re-centre, not just resize.
    const pic = drawRing(200, 300, { x0: 20, y0: 40, x1: 120, y1: 240 });
    const out = preprocessImage(pic);
    expect([out.width, out.height]).toEqual([28, 28]);
    const s = stats(out);
    expect(s.border).toBe(0); // black background
    expect(s.max).toBe(255); // white ink
    expect(s.y1 - s.y0 + 1).toBe(20); // longer side 20 px
    expect(s.x1 - s.x0 + 1).toBe(10); // aspect kept: 101/201 * 20
    expect(Math.abs(s.cx - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 13.5)).toBeLessThanOrEqual(0.5);
  });

  test('white-on-black input is not inverted; wide glyphs scale their width to 20', () => {
    const pic = drawRing(300, 100, { x0: 100, y0: 20, x1: 280, y1: 80 }, 230, 10);
    const s = stats(preprocessImage(pic));
    expect(s.border).toBe(0);
    expect(s.x1 - s.x0 + 1).toBe(20);
    expect(s.y1 - s.y0 + 1).toBe(7);
  });

  test('grey paper and faint ink are stretched to full contrast', () => {
    const s = stats(preprocessImage(drawRing(60, 60, { x0: 10, y0: 5, x1: 40, y1: 55 }, 120, 180)));
    expect(s.max).toBe(255);
    expect(s.border).toBe(0);
  });

  test('a blank image is an error, not a guess', () => {
    expect(() => preprocessImage({ width: 50, height: 40, data: new Uint8Array(2000).fill(255) }, { name: 'blank.png' })).toThrow(NoInkError);
    expect(() => preprocessImage({ width: 50, height: 40, data: new Uint8Array(2000).fill(0) })).toThrow(/no ink found/);
    // Noise well below the contrast floor is still blank.
    const speckle = new Uint8Array(2000).fill(200);
    speckle[777] = 190;
    expect(() => preprocessImage({ width: 50, height: 40, data: speckle })).toThrow(NoInkError);
  });

  test('RGBA (canvas ImageData) with a transparent background keeps dark strokes as ink', () => {
    const gray = drawRing(40, 40, { x0: 5, y0: 5, x1: 30, y1: 35 });
    const rgba = new Uint8ClampedArray(40 * 40 * 4);
    for (let i = 0; i < 1600; i++) {
      const ink = gray.data[i]! < 128;
      rgba[4 * i + 3] = ink ? 255 : 0; // strokes opaque black, background transparent black
    }
    const s = stats(preprocessImage({ width: 40, height: 40, data: rgba }));
    expect(s.border).toBe(0);
    expect(s.y1 - s.y0 + 1).toBe(20);
  });

  test('area resampling preserves mean intensity', () => {
    const src = Float32Array.from({ length: 37 * 23 }, (_, i) => (i * 7919) % 256);
    const out = resampleArea(src, 37, 23, 11, 7);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out)).toBeCloseTo(mean(src), 1);
  });

  test('toGray rejects sizes that do not match the data', () => {
    expect(() => toGray({ width: 3, height: 3, data: new Uint8Array(10) })).toThrow(/do not make a 3x3 image/);
  });
});

describe('PNG and JPEG decoding', () => {
  const pic = drawRing(80, 120, { x0: 10, y0: 10, x1: 60, y1: 110 });

  test('PNG: gray 8-bit, RGB, RGBA, 16-bit, 1-bit and palette decode to the same pixels', async () => {
    const n = 80 * 120;
    const rgb = new Uint8Array(n * 3).map((_, i) => pic.data[Math.floor(i / 3)]!);
    const rgba = new Uint8Array(n * 4).map((_, i) => (i % 4 === 3 ? 255 : pic.data[Math.floor(i / 4)]!));
    const g16 = Uint16Array.from(pic.data, (v) => v * 257);
    const variants = [
      encodePng({ width: 80, height: 120, data: pic.data, channels: 1, depth: 8 }),
      encodePng({ width: 80, height: 120, data: rgb, channels: 3, depth: 8 }),
      encodePng({ width: 80, height: 120, data: rgba, channels: 4, depth: 8 }),
      encodePng({ width: 80, height: 120, data: g16, channels: 1, depth: 16 }),
    ];
    for (const bytes of variants) {
      expect(detectImageFormat(bytes)).toBe('png');
      const g = await decodeImage(bytes, { name: 'ring.png' });
      expect(Array.from(g.data)).toEqual(Array.from(pic.data));
    }
    // 1-bit: pack rows MSB-first, padded to whole bytes.
    const rowBytes = Math.ceil(80 / 8);
    const packed = new Uint8Array(rowBytes * 120);
    for (let y = 0; y < 120; y++)
      for (let x = 0; x < 80; x++) if (pic.data[y * 80 + x]! > 127) packed[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    const bit = await decodeImage(encodePng({ width: 80, height: 120, data: packed, channels: 1, depth: 1 }));
    expect(Array.from(bit.data)).toEqual(Array.from(pic.data, (v) => (v > 127 ? 255 : 0)));
    // Palette (indexed colour).
    const idx = Uint8Array.from(pic.data, (v) => (v > 127 ? 1 : 0));
    const pal = await decodeImage(
      encodePng({ width: 80, height: 120, data: idx, channels: 1, depth: 8, palette: [[20, 20, 20], [235, 235, 235]] }),
    );
    expect(Array.from(pal.data)).toEqual(Array.from(pic.data));
  });

  test('JPEG decodes close to the original and gives the same recipe output', async () => {
    const rgba = new Uint8Array(80 * 120 * 4).map((_, i) => (i % 4 === 3 ? 255 : pic.data[Math.floor(i / 4)]!));
    const bytes = new Uint8Array(jpeg.encode({ width: 80, height: 120, data: rgba }, 95).data);
    expect(detectImageFormat(bytes)).toBe('jpeg');
    const g = await decodeImage(bytes, { name: 'ring.jpg' });
    let worst = 0;
    for (let i = 0; i < g.data.length; i++) worst = Math.max(worst, Math.abs(g.data[i]! - pic.data[i]!));
    expect(worst).toBeLessThan(80); // JPEG ringing at hard edges
    const a = preprocessImage(g).data;
    const b = preprocessImage(pic).data;
    let diff = 0;
    for (let i = 0; i < 784; i++) diff += Math.abs(a[i]! - b[i]!);
    expect(diff / 784).toBeLessThan(10);
  });

  test('unknown formats, truncation and oversized headers are clear errors', async () => {
    await expect(decodeImage(new TextEncoder().encode('GIF89a....'), { name: 'x.gif' })).rejects.toThrow(/x\.gif: not a PNG or JPEG/);
    const png = encodePng({ width: 80, height: 120, data: pic.data, channels: 1, depth: 8 });
    await expect(decodeImage(png.subarray(0, png.length >> 1), { name: 'half.png' })).rejects.toThrow(ImageDecodeError);
    const big = png.slice();
    new DataView(big.buffer).setUint32(16, 100_000);
    new DataView(big.buffer).setUint32(20, 100_000);
    await expect(decodeRaster(big, { name: 'big.png' })).rejects.toThrow(/big\.png: 100000x100000 is over the 40000000-pixel limit/);
  });
});

// ---- Fuzzing the decoders: mutated PNG and JPEG files give ImageDecodeError or an image, nothing else. ----

const RUNS = 1000;
const CASE_MS = 2000;

function mutate(base: Uint8Array, keep: number) {
  return fc
    .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }))
    .map(([edits, cut]) => {
      const o = base.slice();
      for (const [p, v] of edits) o[keep + (p % (o.length - keep))] = v;
      return cut === undefined ? o : o.subarray(0, cut % (o.length + 1));
    });
}

async function decodesOrTypedError(bytes: Uint8Array): Promise<void> {
  const t0 = performance.now();
  try {
    const g = await decodeImage(bytes, { name: 'fuzz', maxPixels: 1 << 20 });
    expect(g.data.length).toBe(g.width * g.height);
  } catch (err) {
    if (!(err instanceof ImageDecodeError)) throw err;
  }
  expect(performance.now() - t0).toBeLessThan(CASE_MS);
}

describe('fuzzing decoders (fast-check)', () => {
  const small = drawRing(16, 16, { x0: 2, y0: 2, x1: 13, y1: 13 });
  test(`PNG: ${RUNS} mutated files`, async () => {
    const png = encodePng({ width: 16, height: 16, data: small.data, channels: 1, depth: 8 });
    await fc.assert(fc.asyncProperty(mutate(png, 8), decodesOrTypedError), { numRuns: RUNS, timeout: CASE_MS, seed: 44 });
  });
  test(`JPEG: ${RUNS} mutated files`, async () => {
    const rgba = new Uint8Array(16 * 16 * 4).map((_, i) => (i % 4 === 3 ? 255 : small.data[Math.floor(i / 4)]!));
    const jpg = new Uint8Array(jpeg.encode({ width: 16, height: 16, data: rgba }, 80).data);
    await fc.assert(fc.asyncProperty(mutate(jpg, 3), decodesOrTypedError), { numRuns: RUNS, timeout: CASE_MS, seed: 45 });
  });
  test(`preprocessImage: ${RUNS} random small images give 28x28 or "no ink found"`, async () => {
    const img = fc
      .record({ w: fc.integer({ min: 1, max: 24 }), h: fc.integer({ min: 1, max: 24 }), seed: fc.nat() })
      .chain(({ w, h }) => fc.uint8Array({ minLength: w * h, maxLength: w * h }).map((data) => ({ width: w, height: h, data })));
    await fc.assert(
      fc.asyncProperty(img, async (im) => {
        try {
          const out = preprocessImage(im);
          expect(out.data.length).toBe(784);
        } catch (err) {
          if (!(err instanceof NoInkError)) throw err;
        }
      }),
      { numRuns: RUNS, timeout: CASE_MS, seed: 46 },
    );
  });
});

describe('image files (Node)', () => {
  test('imageFileToMnist reads a PNG from disk and applies the recipe; a missing file is clear', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { imageFileToMnist } = await import('../../src/data/decode.node.js');
    const dir = await mkdtemp(join(tmpdir(), 'lenet5-img-'));
    const pic = drawRing(200, 300, { x0: 20, y0: 40, x1: 120, y1: 240 });
    const path = join(dir, 'digit.png');
    await writeFile(path, encodePng({ width: 200, height: 300, data: pic.data, channels: 1, depth: 8 }));
    const out = await imageFileToMnist(path);
    expect(Array.from(out.data)).toEqual(Array.from(preprocessImage(pic).data));
    await expect(imageFileToMnist(join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: cannot read the image \(ENOENT\)/);
    await writeFile(join(dir, 'blank.png'), encodePng({ width: 10, height: 10, data: new Uint8Array(100).fill(255), channels: 1, depth: 8 }));
    await expect(imageFileToMnist(join(dir, 'blank.png'))).rejects.toThrow(/blank\.png: no ink found/);
    await rm(dir, { recursive: true, force: true });
  });
});
