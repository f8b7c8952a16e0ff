/**
 * The packaged sprite sheet `assets/digits.png` (OpenCV's sample: 5,000 handwritten digits, 20x20 each,
 * white on black, 100 per row, 50 rows; rows 5k..5k+4 hold digit k, so 500 per class) as an MNIST-like
 * 28x28 dataset, through the same recipe as user images (crop to ink, longer side to 20 px, centre of
 * mass at the centre). This is the data that works with no network and no data folder.
 *
 * Where the file comes from: by default from a generated module that carries it (digits-png.generated.ts,
 * scripts/embed-assets.mjs), imported only when `loadDigits()` runs, so every bundler splits it into a chunk
 * of its own and an app that never calls it does not carry it; `url` fetches it instead, `bytes` takes it as
 * given. Node reads the same file from the package folder (see `digits.node.ts`).
 */
import { embeddedBytes } from '../embedded.js';
import { Dataset } from './dataset.js';
import { decodeImage } from './decode.js';
import { DataFormatError, DownloadError, NoInkError } from '../errors.js';
import { preprocessInto } from './image.js';

export const DIGITS_SHEET = { width: 2000, height: 1000, glyph: 20, perRow: 100, rowsPerClass: 5 } as const;

/** Turns the bytes of digits.png into a 5,000-sample 28x28 dataset, ordered by class (shuffle before use). */
export async function digitsFromPng(bytes: Uint8Array, name = 'digits.png'): Promise<Dataset> {
  const img = await decodeImage(bytes, { name });
  const { width, height, glyph, perRow, rowsPerClass } = DIGITS_SHEET;
  if (img.width !== width || img.height !== height) {
    throw new DataFormatError(`${name}: expected the ${width}x${height} digits sprite sheet, got ${img.width}x${img.height}`, name);
  }
  const rows = height / glyph;
  const count = rows * perRow;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  const cell = new Uint8Array(glyph * glyph);
  const cellImage = { width: glyph, height: glyph, data: cell };
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < perRow; c++) {
      const i = r * perRow + c;
      for (let y = 0; y < glyph; y++) {
        const src = (r * glyph + y) * width + c * glyph;
        cell.set(img.data.subarray(src, src + glyph), y * glyph);
      }
      const out = images.subarray(i * 784, (i + 1) * 784);
      try {
        preprocessInto(out, cellImage, { invert: false, name: `${name} glyph ${i}` });
      } catch (err) {
        if (!(err instanceof NoInkError)) throw err;
        // A blank cell stays blank rather than inventing ink; none of the 5,000 shipped glyphs is blank.
        out.fill(0);
      }
      labels[i] = Math.floor(r / rowsPerClass);
    }
  }
  return new Dataset({ images, labels, name: 'digits' });
}

/** Where `loadDigits` takes the digits sheet (digits.png) from: the packaged copy by default, a URL or bytes. */
export interface LoadDigitsOptions {
  /** Where to fetch digits.png from (default: the copy carried by the package, see above). */
  url?: string | URL;
  /** The file's bytes, when the caller already has them. */
  bytes?: Uint8Array;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** The packaged digits as a Dataset (or a sheet like it fetched from `url`). */
export async function loadDigits(options: LoadDigitsOptions = {}): Promise<Dataset> {
  if (options.bytes) return digitsFromPng(options.bytes);
  if (options.url === undefined) return digitsFromPng(embeddedBytes(await import('./digits-png.generated.js')));
  const url = String(options.url);
  const f = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await f(url);
  } catch (err) {
    throw new DownloadError(
      `digits.png: cannot fetch ${url} (${(err as Error).message}); check the URL, or call loadDigits() without one for the packaged copy`,
      url,
      undefined,
      { cause: err },
    );
  }
  if (!res.ok) {
    throw new DownloadError(
      `digits.png: ${url} answered HTTP ${res.status}; check the URL, or call loadDigits() without one for the packaged copy`,
      url,
      res.status,
    );
  }
  return digitsFromPng(new Uint8Array(await res.arrayBuffer()), url);
}
