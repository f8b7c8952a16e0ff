/** Node's `loadDigits`: reads the packaged assets/digits.png from the package folder (no fetch of file: URLs). */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './dataset.js';
import { digitsFromPng, loadDigits as loadDigitsWithFetch } from './digits.js';
import type { LoadDigitsOptions } from './digits.js';
import { DataNotFoundError } from './errors.js';

export interface LoadDigitsNodeOptions extends LoadDigitsOptions {
  /** A path to a digits.png-style sheet (default: the packaged one). */
  path?: string;
}

export async function loadDigits(options: LoadDigitsNodeOptions = {}): Promise<Dataset> {
  if (options.bytes) return digitsFromPng(options.bytes);
  const url = options.url ?? new URL('../../assets/digits.png', import.meta.url);
  if (!options.path && !String(url).startsWith('file:')) {
    return loadDigitsWithFetch(options);
  }
  const path = options.path ?? fileURLToPath(url);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataNotFoundError(
      `digits.png: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
        'the package is missing its assets/ folder: reinstall it, or pass loadDigits({ path })',
      path,
      { cause: err },
    );
  }
  return digitsFromPng(bytes, path);
}
