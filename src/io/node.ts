/** Node-only file helpers for model files and checkpoints (the browser entry works on bytes). */
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

/** `LeNet5.loadFrom(path, opts)`: reads and validates a model file; errors name the path and what is wrong. */
export async function loadModel(path: string, opts: Omit<ModelOptions, 'seed'> = {}): Promise<LeNet5> {
  return LeNet5.loadFrom(path, opts);
}
