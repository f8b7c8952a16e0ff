/**
 * A PNG whose header (IHDR) disagrees with its pixel data is an ImageDecodeError naming the file and both
 * sizes: fewer rows than IHDR says, or more (which the decoder would otherwise ignore silently). Crafted by
 * re-compressing the IDAT of a valid PNG with another number of rows.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/decode.js';
import { ImageDecodeError } from '../../src/errors.js';

interface Chunk {
  type: string;
  data: Uint8Array;
}

function chunks(png: Uint8Array): Chunk[] {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let p = 8; p < png.length; p += 12 + v.getUint32(p)) {
    out.push({ type: Buffer.from(png.subarray(p + 4, p + 8)).toString('latin1'), data: png.slice(p + 8, p + 8 + v.getUint32(p)) });
  }
  return out;
}

function build(signature: Uint8Array, cs: Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [signature];
  for (const c of cs) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(c.data.length);
    head.write(c.type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(c.type, 'latin1'), c.data])) >>> 0);
    parts.push(head, c.data, crc);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** A 28x28 8-bit gray PNG whose IDAT holds `rows` filtered rows (28 is right). */
function withRows(rows: number, interlace = false): Uint8Array {
  const img = { width: 28, height: 28, data: new Uint8Array(784).map((_, i) => (i * 7) & 255), channels: 1, depth: 8 as const };
  const good = encodePng(img);
  const cs = chunks(good);
  if (interlace) {
    // Same pixels, IHDR marked interlaced: the non-interlaced data is then shorter than Adam7's 7 passes need.
    const ihdr = cs[0]!.data.slice();
    ihdr[12] = 1;
    cs[0] = { type: 'IHDR', data: ihdr };
  }
  const raw = inflateSync(cs.find((c) => c.type === 'IDAT')!.data);
  const out = Buffer.alloc(29 * rows);
  for (let r = 0; r < rows; r++) raw.copy(out, r * 29, (r % 28) * 29, (r % 28) * 29 + 29);
  return build(good.subarray(0, 8), cs.map((c) => (c.type === 'IDAT' ? { type: 'IDAT', data: deflateSync(out) } : c)));
}

async function decodeError(bytes: Uint8Array): Promise<ImageDecodeError> {
  try {
    await decodeImage(bytes, { name: 'crafted.png' });
  } catch (err) {
    expect(err).toBeInstanceOf(ImageDecodeError);
    return err as ImageDecodeError;
  }
  return expect.fail('decoded without an error');
}

describe('PNG: IHDR against the pixel data', () => {
  it('the crafted file with 28 rows decodes (the control)', async () => {
    const img = await decodeImage(withRows(28));
    expect([img.width, img.height, img.data[29 * 0 + 5]]).toEqual([28, 28, 35]);
  });

  it('fewer rows than IHDR says: an error with both sizes', async () => {
    const err = await decodeError(withRows(20));
    expect(err.message).toMatch(/crafted\.png: the PNG header \(IHDR\) says 28x28, 8-bit, 1 channel, which is 812 bytes of pixel data, but the data holds 580/);
  });

  it('more rows than IHDR says: an error, not silently ignored', async () => {
    const err = await decodeError(withRows(40));
    expect(err.message).toMatch(/says 28x28.*812 bytes of pixel data, but the data holds more/);
  });

  it('interlaced in IHDR, not in the data: an error', async () => {
    const err = await decodeError(withRows(28, true));
    expect(err.message).toMatch(/says 28x28, 8-bit, 1 channel, interlaced, which is \d+ bytes of pixel data, but the data holds 812/);
  });
});
