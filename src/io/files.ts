/**
 * File access for checkpoints, registered by the Node entry (`io/node.ts`) so that the browser build
 * carries no `node:` import. In browsers `fit({ checkpoint: { write } })` receives the bytes instead.
 */
export interface FileAccess {
  /** Writes `bytes` to `path` so that a crash at any moment leaves either the old or the new file whole. */
  writeAtomic(path: string, bytes: Uint8Array): Promise<void>;
  /** The file's bytes, or null when it does not exist. */
  readIfExists(path: string): Promise<Uint8Array | null>;
}

let access: FileAccess | null = null;

export function setFileAccess(a: FileAccess): void {
  access = a;
}

export function fileAccess(): FileAccess | null {
  return access;
}
