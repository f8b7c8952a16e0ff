/** Node-only file helpers for model files and checkpoints (the browser entry works on bytes). */
import { readFile } from 'node:fs/promises';
import { ModelFileError } from '../errors.js';
import { LeNet5, writeFileChecked, type ModelOptions } from '../models/lenet5.js';

/**
 * Writes `bytes` to `path` atomically (a temporary file in the same folder, fsync'ed, renamed into place):
 * a crash at any moment leaves the old file or the new one. Errors are CheckpointErrors naming the path.
 */
export const writeFileAtomic = writeFileChecked;

/** Writes `net.save(opts)` to `path` atomically (temp file + fsync + rename). */
export async function saveModel(net: LeNet5, path: string, opts: { training?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, net.save(opts));
}

/** Reads and validates a model file; errors name the path and what is wrong. */
export async function loadModel(path: string, opts: Omit<ModelOptions, 'seed'> = {}): Promise<LeNet5> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ModelFileError(`${path}: cannot read the model file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      path, { cause: err });
  }
  return LeNet5.load(bytes, { ...opts, source: path });
}
