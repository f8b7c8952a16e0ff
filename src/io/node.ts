/** Node-only file helpers for model files and checkpoints (the browser entry works on bytes). */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckpointError, ModelFileError } from '../errors.js';
import { LeNet5, type ModelOptions } from '../models/lenet5.js';
import { setFileAccess } from './files.js';

let tmpCounter = 0;

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder, written and fsync'ed, then
 * renamed over `path` (and the folder fsync'ed). A crash or `kill -9` at any moment leaves either the
 * previous file or the new one, never a torn mix.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${tmpCounter++}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      let at = 0;
      while (at < bytes.length) at += (await fh.write(bytes, at, bytes.length - at)).bytesWritten;
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new CheckpointError(`${path}: cannot write the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
      'check that the folder exists and is writable', path, { cause: err });
  }
  // Make the rename itself durable; some platforms (Windows) cannot open a folder: that is fine.
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // best effort
  }
}

async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CheckpointError(`${path}: cannot read the checkpoint (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      path, { cause: err });
  }
}

setFileAccess({ writeAtomic: writeFileAtomic, readIfExists });

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
