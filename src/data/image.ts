/**
 * Any picture of a digit -> an MNIST-like 28x28 input, with the recipe MNIST itself was made with:
 * grayscale; white ink on black (inverted when the background is light); crop to the ink's bounding box;
 * scale the longer side to 20 px keeping the aspect ratio (area averaging, so strokes stay anti-aliased);
 * place in a 28x28 field with the centre of mass at the centre.
 *
 * Just resizing a photo to 28x28 (what the source article's predict() did) leaves a small dark digit on a
 * grey field that no MNIST model has seen; the project's issue #4 reports a LeNet-5 trained on digits.png
 * glyphs scoring 70% on MNIST test digits without this recipe and 95% with it.
 */
import { InvalidArgumentError, NoInkError } from '../errors.js';

/** An 8-bit single-channel image, row-major. */
export interface GrayImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width x height` gray levels, 0 black to 255 white, row-major. */
  data: Uint8Array;
}

/**
 * Pixels in any common layout: `channels` 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA, e.g. a canvas
 * `ImageData`); 8-bit, or 16-bit in a Uint16Array. `channels` defaults to data.length / (width * height).
 */
export interface RasterImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The samples, row-major and interleaved per pixel (`channels` per pixel): 8-bit, or 16-bit in a Uint16Array. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  /** Samples per pixel: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA (default: `data.length / (width * height)`). */
  channels?: number;
}

/**
 * Options of `preprocessImage`, the MNIST recipe (invert, crop to the ink, scale into a 20 px box, centre by mass
 * in 28x28).
 */
export interface PreprocessOptions {
  /** `auto` (default) inverts when the border is mostly light; `true`/`false` force it. */
  invert?: 'auto' | boolean;
  /**
   * Share of the ink's contrast (0..1) a pixel needs to count for the bounding box (default 0.2), so faint
   * noise and paper texture do not stretch the crop.
   */
  threshold?: number;
  /** Ink must differ from the background by at least this much (0..255, default 32), else "no ink found". */
  minContrast?: number;
  /** Side of the box the glyph is scaled into (default 20). */
  box?: number;
  /** Side of the output field (default 28). */
  size?: number;
  /** Name used in error messages. */
  name?: string;
}

/** Converts to 8-bit gray: ITU-R BT.601 luma; transparency composited over a background that keeps the ink. */
export function toGray(image: RasterImage, name = 'image'): GrayImage {
  const { width, height, data } = image;
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidArgumentError(`${name}: image size ${width}x${height} is not a positive integer size`);
  }
  const channels = image.channels ?? data.length / n;
  if (![1, 2, 3, 4].includes(channels) || data.length !== n * channels) {
    throw new InvalidArgumentError(
      `${name}: ${data.length} values do not make a ${width}x${height} image with 1-4 channels` +
        (image.channels ? ` (channels: ${image.channels})` : ''),
    );
  }
  const max = data instanceof Uint16Array ? 65535 : 255;
  const k = 255 / max;
  const out = new Uint8Array(n);
  const hasAlpha = channels === 2 || channels === 4;
  const lum = (i: number): number => {
    const p = i * channels;
    if (channels <= 2) return data[p]! * k;
    return (0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!) * k;
  };
  if (!hasAlpha) {
    for (let i = 0; i < n; i++) out[i] = Math.round(lum(i));
    return { width, height, data: out };
  }
  // Transparent backgrounds (a canvas drawing, an icon) have no colour of their own: composite over white
  // when the visible strokes are dark, over black when they are light, so the strokes stay the ink.
  let sum = 0;
  let weight = 0;
  for (let i = 0; i < n; i++) {
    const a = data[i * channels + channels - 1]! / max;
    sum += a * lum(i);
    weight += a;
  }
  const bg = weight > 0 && sum / weight > 127.5 ? 0 : 255;
  for (let i = 0; i < n; i++) {
    const a = data[i * channels + channels - 1]! / max;
    out[i] = Math.round(a * lum(i) + (1 - a) * bg);
  }
  return { width, height, data: out };
}

/**
 * The MNIST recipe: returns a new `size` x `size` image (white ink on black). Throws NoInkError on a blank image.
 *
 * @example
 * ```ts
 * import { preprocessImage } from 'lenet5';
 *
 * // A photo or a canvas drawing of a digit, any size, dark ink on light paper (or the reverse).
 * const canvas = document.querySelector('canvas')!;
 * const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
 * const digit = preprocessImage(pixels); // 28x28, white ink on black, centred by mass
 * console.log(digit.width, digit.height, digit.data.length); // 28 28 784
 * ```
 */
export function preprocessImage(image: RasterImage | GrayImage, options: PreprocessOptions = {}): GrayImage {
  const size = options.size ?? 28;
  const out = new Uint8Array(size * size);
  preprocessInto(out, image, options);
  return { width: size, height: size, data: out };
}

/** `preprocessImage` writing into `out` (size*size bytes). */
export function preprocessInto(out: Uint8Array, image: RasterImage | GrayImage, options: PreprocessOptions = {}): void {
  const name = options.name ?? 'image';
  const size = options.size ?? 28;
  const box = options.box ?? 20;
  const threshold = options.threshold ?? 0.2;
  const minContrast = options.minContrast ?? 32;
  if (!(box >= 1 && box <= size && Number.isInteger(box) && Number.isInteger(size))) {
    throw new InvalidArgumentError(`${name}: box ${box} must be an integer in 1..size (${size})`);
  }
  if (!(threshold >= 0 && threshold < 1)) throw new InvalidArgumentError(`${name}: threshold ${threshold} must be in [0, 1)`);
  if (out.length !== size * size) throw new InvalidArgumentError(`${name}: output holds ${out.length} bytes, need ${size * size}`);
  const gray = toGray(image, name);
  const { width: w, height: h } = gray;
  const px = gray.data;

  // Background level: the median of the border, robust to strokes that touch the edge.
  const border = borderMedian(px, w, h);
  const invert = options.invert === undefined || options.invert === 'auto' ? border > 127.5 : options.invert;
  const bg = invert ? 255 - border : border;
  let peak = 0;
  for (let i = 0; i < px.length; i++) {
    const v = invert ? 255 - px[i]! : px[i]!;
    if (v > peak) peak = v;
  }
  const contrast = peak - bg;
  if (contrast < minContrast) {
    throw new NoInkError(
      `${name}: no ink found (${w}x${h} image, ink differs from the ${invert ? 'light' : 'dark'} background by ` +
        `${Math.max(0, contrast)} of 255, need ${minContrast}); give an image with a visible digit, or lower minContrast`,
    );
  }
  // Stretch so the background becomes 0 and the strongest ink 255 (grey paper, faint pencil).
  const ink = new Float32Array(px.length);
  const cut = threshold * 255;
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = invert ? 255 - px[i]! : px[i]!;
      const s = v <= bg ? 0 : ((v - bg) * 255) / contrast;
      ink[i] = s;
      if (s > cut) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  // Crop, then scale the longer side to `box`.
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      // Pixels below the threshold inside the box are kept: they are the anti-aliased edges of strokes.
      crop[y * cw + x] = ink[(y + y0) * w + x + x0]!;
    }
  }
  const f = box / Math.max(cw, ch);
  const nw = Math.max(1, Math.min(box, Math.round(cw * f)));
  const nh = Math.max(1, Math.min(box, Math.round(ch * f)));
  const glyph = resampleArea(crop, cw, ch, nw, nh);

  // Centre of mass -> centre of the field (13.5 in pixel-index coordinates for 28), kept inside the field.
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = glyph[y * nw + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const c = (size - 1) / 2;
  const ox = clamp(Math.round(c - mx / mass), 0, size - nw);
  const oy = clamp(Math.round(c - my / mass), 0, size - nh);
  out.fill(0);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      out[(y + oy) * size + x + ox] = Math.min(255, Math.round(glyph[y * nw + x]!));
    }
  }
}

/** Area-average resampling (each output pixel = mean of the source area it covers); separable. */
export function resampleArea(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const tmp = new Float32Array(dw * sh);
  const rx = sw / dw;
  for (let y = 0; y < sh; y++) {
    for (let o = 0; o < dw; o++) tmp[y * dw + o] = integrate(src, y * sw, 1, o * rx, (o + 1) * rx, sw) / rx;
  }
  const out = new Float32Array(dw * dh);
  const ry = sh / dh;
  for (let x = 0; x < dw; x++) {
    for (let o = 0; o < dh; o++) out[o * dw + x] = integrate(tmp, x, dw, o * ry, (o + 1) * ry, sh) / ry;
  }
  return out;
}

// Integral over [a, b) of a piecewise-constant row/column: base + i*stride holds element i (0 <= i < n).
function integrate(a: Float32Array, base: number, stride: number, lo: number, hi: number, n: number): number {
  let sum = 0;
  const first = Math.floor(lo);
  const last = Math.min(n - 1, Math.ceil(hi) - 1);
  for (let i = first; i <= last; i++) {
    const overlap = Math.min(i + 1, hi) - Math.max(i, lo);
    if (overlap > 0) sum += a[base + i * stride]! * overlap;
  }
  return sum;
}

function borderMedian(px: Uint8Array, w: number, h: number): number {
  const hist = new Uint32Array(256);
  let n = 0;
  const add = (i: number): void => {
    hist[px[i]!]!++;
    n++;
  };
  for (let x = 0; x < w; x++) {
    add(x);
    if (h > 1) add((h - 1) * w + x);
  }
  for (let y = 1; y < h - 1; y++) {
    add(y * w);
    if (w > 1) add(y * w + w - 1);
  }
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen * 2 >= n) return v;
  }
  return 255;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
