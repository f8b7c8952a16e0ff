/** Node helpers over `decode.ts`: read an image file and, in one call, turn it into an MNIST-like input. */
import { decodeImage, detectImageFormat } from './decode.js';
import type { DecodeOptions } from './decode.js';
import { DataNotFoundError, ImageDecodeError } from '../errors.js';
import { readBoundedFile } from './read.node.js';
import { preprocessImage } from './image.js';
import type { GrayImage, PreprocessOptions } from './image.js';

/** Largest image file read by default (a 40-megapixel 16-bit RGBA PNG stored uncompressed is 320 MB). */
export const DEFAULT_MAX_IMAGE_FILE_BYTES = 384 * 2 ** 20;

export interface ReadImageOptions extends DecodeOptions {
  /** Refuse files larger than this many bytes, before reading them (default 384 MiB). */
  maxFileBytes?: number;
}

/**
 * Reads and decodes a PNG or JPEG file to 8-bit gray. Only a regular file is read (not a device, pipe or
 * folder), of at most `maxFileBytes`, and only after its first bytes were found to be PNG's or JPEG's.
 */
export async function readImageFile(path: string, options: ReadImageOptions = {}): Promise<GrayImage> {
  const name = options.name ?? path;
  const bytes = await readBoundedFile(path, {
    what: 'image',
    maxBytes: options.maxFileBytes ?? DEFAULT_MAX_IMAGE_FILE_BYTES,
    headBytes: 8,
    checkHead: (head) => {
      if (detectImageFormat(head) === null) {
        throw new ImageDecodeError(`${name}: not a PNG or JPEG file (unrecognised first bytes); convert it to PNG or JPEG`, name);
      }
    },
    cannotRead: (message, cause) => new DataNotFoundError(message, path, { cause }),
    refuse: (message) => new ImageDecodeError(message, path),
  });
  return decodeImage(bytes, { ...options, name });
}

/** Reads a PNG/JPEG file and applies the MNIST recipe: a 28x28 white-on-black image ready for a model. */
export async function imageFileToMnist(path: string, options: PreprocessOptions & ReadImageOptions = {}): Promise<GrayImage> {
  const gray = await readImageFile(path, options);
  return preprocessImage(gray, { ...options, name: options.name ?? path });
}
