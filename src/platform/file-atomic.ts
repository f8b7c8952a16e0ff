/**
 * Crash-safe file writes, browser version: there is no file system. `fit({ checkpoint: { write } })`
 * receives the bytes instead (store them in IndexedDB, OPFS, or offer a download).
 */
export const canWriteFiles = false;

export async function writeFileAtomic(path: string, _bytes: Uint8Array): Promise<void> {
  throw new Error(`cannot write ${path} here (no file system); pass checkpoint.write(bytes) instead of a path`);
}

export async function readIfExists(path: string): Promise<Uint8Array | null> {
  throw new Error(`cannot read ${path} here (no file system); pass the checkpoint's bytes as resume`);
}
