/**
 * Node's `loadDigits`: the copy the package carries (as in browsers), a sheet at `path`, or one fetched from
 * `url` (a file: URL is read from disk: fetch cannot read those).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './dataset.js';
import { digitsFromPng, loadDigits as loadDigitsWithFetch } from './digits.js';
import type { LoadDigitsOptions } from './digits.js';
import { DataNotFoundError } from '../errors.js';

/** Options of Node's `loadDigits`: those of the browser version, plus a file path. */
export interface LoadDigitsNodeOptions extends LoadDigitsOptions {
  /** A path to a digits.png-style sheet (default: the packaged one). */
  path?: string;
}

/**
 * The digits sheet (digits.png, 5,000 20x20 handwritten digits, 500 of each class) as a Dataset: the copy the
 * package carries, the sheet at `path`, or one fetched from `url` (a `file:` URL is read from disk).
 */
export async function loadDigits(options: LoadDigitsNodeOptions = {}): Promise<Dataset> {
  if (options.bytes) return digitsFromPng(options.bytes);
  const url = options.url;
  if (!options.path && (url === undefined || !String(url).startsWith('file:'))) {
    return loadDigitsWithFetch(options);
  }
  const path = options.path ?? fileURLToPath(url!);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataNotFoundError(
      `digits.png: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
        'check the path, or call loadDigits() without one for the packaged copy',
      path,
      { cause: err },
    );
  }
  return digitsFromPng(bytes, path);
}
