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
  return { width: img.width, height: img.height, data: img.data, channels: 4 };
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
