/** Node-only file helpers for model files and checkpoints (the browser entry works on bytes). */
import { readBoundedFile } from '../data/read.node.js';
import { ModelFileError } from '../errors.js';
import { decodeModel, MAGIC } from './format.js';
import { LeNet5, writeFileChecked, type ModelOptions, type SaveOptions } from '../models/lenet5.js';

/**
 * Writes `bytes` to `path` atomically (a temporary file in the same folder, fsync'ed, renamed into place):
 * a crash at any moment leaves the old file or the new one. Errors are CheckpointErrors naming the path.
 */
export const writeFileAtomic = writeFileChecked;

/** `net.saveTo(path, opts)`: writes the model file to `path` atomically (temp file + fsync + rename). */
export async function saveModel(net: LeNet5, path: string, opts: SaveOptions = {}): Promise<void> {
  await net.saveTo(path, opts);
}

/**
 * Reads and validates a model file; errors name the path and what is wrong. Only a regular file is read
 * (not a device, pipe or folder), and only after its first bytes were found to be a model file's.
 */
export async function loadModel(path: string, opts: Omit<ModelOptions, 'seed'> = {}): Promise<LeNet5> {
  const bytes = await readBoundedFile(path, {
    what: 'model file',
    headBytes: 16,
    // A wrong magic is reported by the decoder on the first bytes alone, before the rest is read.
    checkHead: (head) => {
      if (!MAGIC.every((b, i) => head[i] === b)) decodeModel(head, path);
    },
    cannotRead: (message, cause) => new ModelFileError(message, path, { cause }),
    refuse: (message) => new ModelFileError(message, path),
  });
  return LeNet5.load(bytes, { ...opts, source: path });
}
