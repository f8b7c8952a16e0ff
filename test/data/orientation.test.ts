/**
 * JPEG EXIF orientation: a photo stored sideways with an orientation tag decodes as it is meant to be
 * seen (jpeg-js returns the stored pixels; src/data/decode.ts reads the tag from the APP1 segment). Crafted
 * JPEGs: a 3x2 grid of grey blocks, with an Exif segment (either byte order) inserted after SOI.
 */
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/decode.js';

const B = 16; // block side, in pixels
const LEVELS = [[0, 50, 100], [150, 200, 250]]; // A B C / D E F, as stored
const [A, Bk, C] = LEVELS[0]!;
const [D, E, F] = LEVELS[1]!;

function storedJpeg(): Uint8Array {
  const w = 3 * B;
  const h = 2 * B;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = LEVELS[Math.floor(y / B)]![Math.floor(x / B)]!;
      rgba.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width: w, height: h }, 100).data);
}

/** An APP1 Exif segment whose IFD0 holds the orientation tag (and one other tag before it). */
function exifSegment(orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(8 + 2 + 2 * 12 + 4));
  tiff.setUint16(0, littleEndian ? 0x4949 : 0x4d4d);
  tiff.setUint16(2, 42, littleEndian);
  tiff.setUint32(4, 8, littleEndian);
  tiff.setUint16(8, 2, littleEndian);
  // 0x011a XResolution (RATIONAL, offset unused here), then 0x0112 Orientation (SHORT, 1 value).
  tiff.setUint16(10, 0x011a, littleEndian);
  tiff.setUint16(12, 5, littleEndian);
  tiff.setUint32(14, 1, littleEndian);
  tiff.setUint32(18, 0, littleEndian);
  tiff.setUint16(22, 0x0112, littleEndian);
  tiff.setUint16(24, 3, littleEndian);
  tiff.setUint32(26, 1, littleEndian);
  tiff.setUint16(30, orientation, littleEndian);
  const body = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0, ...new Uint8Array(tiff.buffer)]);
  const seg = new Uint8Array(4 + body.length);
  seg.set([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255]);
  seg.set(body, 4);
  return seg;
}

function withExif(jpg: Uint8Array, orientation: number, littleEndian: boolean): Uint8Array {
  const seg = exifSegment(orientation, littleEndian);
  const out = new Uint8Array(jpg.length + seg.length);
  out.set(jpg.subarray(0, 2));
  out.set(seg, 2);
  out.set(jpg.subarray(2), 2 + seg.length);
  return out;
}

/** The block grid as displayed, for every orientation (rows of block levels), written out by hand. */
const SHOWN: Record<number, number[][]> = {
  1: [[A, Bk, C], [D, E, F]],
  2: [[C, Bk, A], [F, E, D]],
  3: [[F, E, D], [C, Bk, A]],
  4: [[D, E, F], [A, Bk, C]],
  5: [[A, D], [Bk, E], [C, F]],
  6: [[D, A], [E, Bk], [F, C]],
  7: [[F, C], [E, Bk], [D, A]],
  8: [[C, F], [Bk, E], [A, D]],
};

describe('JPEG EXIF orientation', () => {
  const jpg = storedJpeg();
  it.each([1, 2, 3, 4, 5, 6, 7, 8].flatMap((o) => [[o, true], [o, false]] as const))(
    'orientation %i (little endian: %s) decodes as displayed', async (o, le) => {
      const img = await decodeImage(withExif(jpg, o, le), { name: `o${o}.jpg` });
      const grid = SHOWN[o]!;
      expect([img.width, img.height]).toEqual([grid[0]!.length * B, grid.length * B]);
      for (let r = 0; r < grid.length; r++) {
        for (let c = 0; c < grid[0]!.length; c++) {
          const v = img.data[(r * B + B / 2) * img.width + c * B + B / 2]!;
          if (Math.abs(v - grid[r]![c]!) > 6) expect.fail(`block (${r}, ${c}) is ${v}, expected ${grid[r]![c]}`);
        }
      }
    });

  it('no Exif segment, or a tag out of range, leaves the pixels as stored', async () => {
    const plain = await decodeImage(jpg);
    const bogus = await decodeImage(withExif(jpg, 9, true));
    expect([bogus.width, bogus.height]).toEqual([plain.width, plain.height]);
    expect(Buffer.from(bogus.data).equals(Buffer.from(plain.data))).toBe(true);
  });
});
