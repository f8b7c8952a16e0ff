/**
 * PNG and JPEG decoding for Node and browsers, with two small pure-JS libraries (fast-png, jpeg-js) so the
 * same bytes give the same pixels everywhere (a canvas may colour-manage). Both are imported lazily: the
 * library's entry stays free of bare imports until an image is decoded, so `import 'lenet5'` works in a
 * plain `<script type=module>`; bundlers split or inline them. In a browser you can skip decoding and hand
 * a canvas's `ImageData` straight to `preprocessImage`.
 */
import { ImageDecodeError } from '../errors.js';
import { toGray } from './image.js';
import type { GrayImage, RasterImage } from './image.js';

/** Options of `decodeImage` and `readImageFile`: a name for messages and a size limit. */
export interface DecodeOptions {
  /** File name or URL used in error messages. */
  name?: string;
  /** Refuse images with more pixels than this, before decoding (default 40 megapixels). */
  maxPixels?: number;
}

/** An image file format the decoders read. */
export type ImageFormat = 'png' | 'jpeg';

/** The format by magic bytes, or null. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Decodes PNG or JPEG bytes to pixels in their own layout (gray, gray+alpha, RGB or RGBA). */
export async function decodeRaster(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RasterImage> {
  const name = options.name ?? 'image';
  const maxPixels = options.maxPixels ?? 40e6;
  const format = detectImageFormat(bytes);
  if (format === null) {
    throw new ImageDecodeError(`${name}: not a PNG or JPEG file (unrecognised first bytes); convert it to PNG or JPEG`, name);
  }
  try {
    return format === 'png' ? await decodePng(bytes, name, maxPixels) : await decodeJpeg(bytes, name, maxPixels);
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError(
      `${name}: cannot decode ${format.toUpperCase()} (${(err as Error)?.message ?? String(err)}); the file is corrupt or truncated`,
      name,
      { cause: err },
    );
  }
}

/** Decodes PNG or JPEG bytes to 8-bit gray (transparency composited so the strokes stay visible). */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<GrayImage> {
  return toGray(await decodeRaster(bytes, options), options.name ?? 'image');
}

async function decodePng(bytes: Uint8Array, name: string, maxPixels: number): Promise<RasterImage> {
  if (bytes.length < 24) throw new ImageDecodeError(`${name}: PNG is truncated (${bytes.length} bytes, no header)`, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkSize(view.getUint32(16), view.getUint32(20), maxPixels, name);
  await checkPngDataLength(bytes, name);
  const png = await import('fast-png');
  const img = png.decode(bytes);
  checkSize(img.width, img.height, maxPixels, name);
  if (img.palette) {
    const rgb = png.convertIndexedToRgb(img);
    return { width: img.width, height: img.height, data: rgb, channels: img.palette[0]!.length };
  }
  if (img.depth < 8) {
    return { width: img.width, height: img.height, data: unpackBits(img.data as Uint8Array, img.width, img.height, img.depth), channels: 1 };
  }
  const need = img.width * img.height * img.channels;
  if (img.data.length < need) throw new ImageDecodeError(`${name}: PNG pixel data is truncated`, name);
  const data = img.data.length === need ? img.data : img.data.subarray(0, need);
  return { width: img.width, height: img.height, data, channels: img.channels };
}

/** Samples per pixel of each PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The seven Adam7 passes: first column and row, column and row steps. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/**
 * The pixel data (the IDAT chunks, inflated) must be exactly as long as IHDR's size, depth, colour type and
 * interlacing make it: fewer bytes would decode as garbage or fail obscurely, more would be ignored
 * silently. A file whose chunks cannot be walked is left to the decoder's own errors.
 */
async function checkPngDataLength(bytes: Uint8Array, name: string): Promise<void> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(8) !== 13 || v.getUint32(12) !== 0x49484452) return; // IHDR first, 13 bytes
  const w = v.getUint32(16);
  const h = v.getUint32(20);
  const depth = bytes[24]!;
  const channels = PNG_CHANNELS[bytes[25]!];
  const interlaced = bytes[28] === 1;
  if (channels === undefined) return;
  const bpp = channels * depth;
  const rows = (pw: number, ph: number): number => (pw === 0 || ph === 0 ? 0 : ph * (1 + Math.ceil((pw * bpp) / 8)));
  const need = interlaced
    ? ADAM7.reduce((s, [x0, y0, dx, dy]) => s + rows(Math.max(0, Math.ceil((w - x0) / dx)), Math.max(0, Math.ceil((h - y0) / dy))), 0)
    : rows(w, h);
  const idat: Uint8Array[] = [];
  let p = 8;
  for (;;) {
    if (p + 12 > bytes.length) return;
    const len = v.getUint32(p);
    const type = v.getUint32(p + 4);
    if (p + 12 + len > bytes.length) return;
    if (type === 0x49444154) idat.push(bytes.subarray(p + 8, p + 8 + len));
    if (type === 0x49454e44) break; // IEND
    p += 12 + len;
  }
  if (idat.length === 0 || typeof DecompressionStream !== 'function') return;
  const got = await inflatedLength(idat, need + 1);
  if (got !== need) {
    throw new ImageDecodeError(`${name}: the PNG header (IHDR) says ${w}x${h}, ${depth}-bit, ${channels} channel${channels === 1 ? '' : 's'}` +
      `${interlaced ? ', interlaced' : ''}, which is ${need} bytes of pixel data, but the data holds ` +
      `${got > need ? 'more' : got}; the file is corrupt or its header is wrong`, name);
  }
}

/** Bytes the zlib stream `parts` inflates to, counting at most `limit` (no more is produced). */
async function inflatedLength(parts: Uint8Array[], limit: number): Promise<number> {
  const ds = new DecompressionStream('deflate');
  const writer = ds.writable.getWriter();
  const written = (async () => {
    for (const part of parts) await writer.write(part as Uint8Array<ArrayBuffer>);
    await writer.close();
  })();
  written.catch(() => undefined);
  const reader = ds.readable.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return n;
}

async function decodeJpeg(bytes: Uint8Array, name: string, maxPixels: number): Promise<RasterImage> {
  const mod = (await import('jpeg-js')) as unknown as { decode?: JpegDecode; default?: { decode: JpegDecode } };
  const decode = mod.decode ?? mod.default!.decode;
  const img = decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxResolutionInMP: maxPixels / 1e6,
    maxMemoryUsageInMB: 512,
  });
  checkSize(img.width, img.height, maxPixels, name);
  if (img.data.length !== img.width * img.height * 4) throw new ImageDecodeError(`${name}: JPEG pixel data is truncated`, name);
  // jpeg-js returns the pixels as stored; a phone's portrait photo is stored sideways with an EXIF tag.
  return orient({ width: img.width, height: img.height, data: img.data, channels: 4 }, jpegOrientation(bytes));
}

/**
 * The EXIF orientation (1..8) of a JPEG: tag 0x0112 of IFD0 in its APP1 "Exif" segment; 1 (as stored) when
 * there is none or it cannot be read (a damaged tag does not make the image unreadable).
 */
export function jpegOrientation(bytes: Uint8Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 2;
  while (p + 4 <= bytes.length && bytes[p] === 0xff) {
    const marker = bytes[p + 1]!;
    // Start of scan or end of image: the metadata segments are over.
    if (marker === 0xda || marker === 0xd9) break;
    if (marker === 0xff) {
      p++;
      continue;
    }
    const len = v.getUint16(p + 2);
    const start = p + 4;
    const end = p + 2 + len;
    if (len < 2 || end > bytes.length) break;
    if (marker === 0xe1 && len >= 16 && v.getUint32(start) === 0x45786966 && v.getUint16(start + 4) === 0) {
      return exifOrientation(v, start + 6, end);
    }
    p = end;
  }
  return 1;
}

/** The orientation tag of the TIFF structure at `tiff` (up to `end`), or 1. */
function exifOrientation(v: DataView, tiff: number, end: number): number {
  const order = v.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const le = order === 0x4949;
  if (v.getUint16(tiff + 2, le) !== 42) return 1;
  const ifd = tiff + v.getUint32(tiff + 4, le);
  if (ifd + 2 > end) return 1;
  const entries = v.getUint16(ifd, le);
  for (let i = 0; i < entries; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return 1;
    if (v.getUint16(e, le) === 0x0112) {
      const type = v.getUint16(e + 2, le);
      const value = type === 3 ? v.getUint16(e + 8, le) : type === 4 ? v.getUint32(e + 8, le) : 1;
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/**
 * The raster as it is meant to be seen under EXIF `orientation`: 2 mirrored, 3 turned 180 degrees, 4 flipped,
 * 5 transposed, 6 turned 90 degrees clockwise, 7 transversed, 8 turned 90 degrees counter-clockwise.
 */
export function orient(img: RasterImage, orientation: number): RasterImage {
  if (orientation < 2 || orientation > 8) return img;
  const { width: w, height: h } = img;
  const c = img.channels ?? img.data.length / (w * h);
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(w * h * c);
  for (let Y = 0; Y < H; Y++) {
    for (let X = 0; X < W; X++) {
      // The stored pixel (x, y) shown at (X, Y).
      let x: number;
      let y: number;
      switch (orientation) {
        case 2: x = w - 1 - X; y = Y; break;
        case 3: x = w - 1 - X; y = h - 1 - Y; break;
        case 4: x = X; y = h - 1 - Y; break;
        case 5: x = Y; y = X; break;
        case 6: x = Y; y = h - 1 - X; break;
        case 7: x = w - 1 - Y; y = h - 1 - X; break;
        default: x = w - 1 - Y; y = X; break;
      }
      const from = (y * w + x) * c;
      const to = (Y * W + X) * c;
      for (let k = 0; k < c; k++) out[to + k] = img.data[from + k]!;
    }
  }
  return { width: W, height: H, data: out, channels: c };
}

type JpegDecode = (
  data: Uint8Array,
  opts: { useTArray: true; formatAsRGBA: boolean; maxResolutionInMP: number; maxMemoryUsageInMB: number },
) => { width: number; height: number; data: Uint8Array };

function checkSize(width: number, height: number, maxPixels: number, name: string): void {
  if (!(width >= 1 && height >= 1)) throw new ImageDecodeError(`${name}: image size ${width}x${height} is empty`, name);
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      `${name}: ${width}x${height} is over the ${maxPixels}-pixel limit; refusing (shrink it, or raise maxPixels)`,
      name,
    );
  }
}

// Gray PNGs of depth 1, 2 or 4 arrive packed, rows padded to whole bytes; spread to 0..255.
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const maxV = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)] ?? 0;
      const v = (byte >> (8 - depth - (bit & 7))) & maxV;
      out[y * width + x] = Math.round((v * 255) / maxV);
    }
  }
  return out;
}
