/** Node helpers over `decode.ts`: read an image file and, in one call, turn it into an MNIST-like input. */
import { readFile } from 'node:fs/promises';
import { decodeImage } from './decode.js';
import type { DecodeOptions } from './decode.js';
import { DataNotFoundError } from '../errors.js';
import { preprocessImage } from './image.js';
import type { GrayImage, PreprocessOptions } from './image.js';

/** Reads and decodes a PNG or JPEG file to 8-bit gray. */
export async function readImageFile(path: string, options: DecodeOptions = {}): Promise<GrayImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataNotFoundError(`${path}: cannot read the image (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path, {
      cause: err,
    });
  }
  return decodeImage(bytes, { ...options, name: options.name ?? path });
}

/** Reads a PNG/JPEG file and applies the MNIST recipe: a 28x28 white-on-black image ready for a model. */
export async function imageFileToMnist(path: string, options: PreprocessOptions & DecodeOptions = {}): Promise<GrayImage> {
  const gray = await readImageFile(path, options);
  return preprocessImage(gray, { ...options, name: options.name ?? path });
}
