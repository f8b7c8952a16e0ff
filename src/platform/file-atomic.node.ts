/**
 * Crash-safe file writes for checkpoints and saved models, Node version (`#file-atomic` resolves here
 * under the "node" condition; browser bundles get file-atomic.ts). Throws plain Node errors: callers wrap
 * them in the library's typed errors.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export const canWriteFiles = true;

let counter = 0;

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder, written and fsync'ed, then
 * renamed over `path` (and the folder fsync'ed so the rename itself is durable). A crash or `kill -9` at
 * any moment leaves either the previous file or the new one, never a torn mix.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${counter++}.tmp`;
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
    throw err;
  }
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some platforms cannot open or fsync a folder (Windows); the rename is still atomic there.
  }
}

/** The file's bytes, or null when it does not exist. */
export async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
