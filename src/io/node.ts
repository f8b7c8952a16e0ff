/** Node-only file helpers for model files (the browser entry works on bytes). */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { LeNet5, type ModelOptions } from '../models/lenet5.js';
import { ModelFileError } from './format.js';

/** Writes `net.save(opts)` to `path` atomically (a temporary file renamed into place). */
export async function saveModel(net: LeNet5, path: string, opts: { training?: boolean } = {}): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, net.save(opts));
  await rename(tmp, path);
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
