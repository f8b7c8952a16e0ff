/**
 * Crash-safe file writes for checkpoints and saved models. Only Node has files; the Node modules are
 * imported when a function runs (node-builtin.ts), so browser bundles carry no `node:` import. Throws plain
 * Node errors: callers wrap them in the library's typed errors.
 */
import { PlatformError } from '../errors.js';
import { isNode, nodeBuiltin } from './node-builtin.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function node(): Promise<{ fs: Fs; path: Path }> {
  if (!isNode()) throw new PlatformError('there is no file system here; pass checkpoint.write(bytes) or the bytes instead of a path');
  return { fs: await nodeBuiltin<Fs>('fs/promises'), path: await nodeBuiltin<Path>('path') };
}

let counter = 0;

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder, written and fsync'ed, then
 * renamed over `path` (and the folder fsync'ed so the rename itself is durable). A crash or `kill -9` at
 * any moment leaves either the previous file or the new one, never a torn mix.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const { fs: { open, rename, unlink }, path: { dirname } } = await node();
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

/** The file's bytes, or null when it does not exist. Removes temporary files left by killed writers. */
export async function readIfExists(path: string): Promise<Uint8Array | null> {
  const { fs, path: p } = await node();
  await removeStaleTemporaries(path, fs, p);
  const { readFile } = fs;
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Deletes `<path>.<pid>.<n>.tmp` files whose writing process is gone (a crash mid-write leaves one). */
async function removeStaleTemporaries(path: string, { readdir, unlink }: Fs, { basename, dirname, join }: Path): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    await unlink(join(dir, name)).catch(() => {});
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
