/**
 * Where `net.saveTo(destination)` puts a model file and `LeNet5.loadFrom(source)` finds one, on every
 * platform: a file path (Node), an http(s) URL (loading: fetch), `indexeddb://name` (browsers: the
 * `lenet5` database, `models` store), `downloads://name` (browsers: the file is offered as a download), or
 * bytes and Blobs in hand. This module moves bytes only; models/lenet5.ts encodes and decodes them. It is
 * imported on the first saveTo/loadFrom, so apps that never call them do not carry it.
 */
import { CheckpointError, InvalidArgumentError, ModelFileError } from '../errors.js';
import { readIfExists, writeFileAtomic } from './file-atomic.js';
import { isNode, nodeBuiltin } from './node-builtin.js';

/** Where a model can be saved: a path or URL string, a URL, or a function that receives the bytes. */
export type ModelDestination = string | URL | ((bytes: Uint8Array) => unknown);
/** Where a model can be loaded from: a path or URL string, a URL, bytes, or a Blob (a File from an input). */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer | Blob;

export type Place =
  | { kind: 'file'; path: string }
  | { kind: 'url'; url: string }
  | { kind: 'indexeddb'; name: string }
  | { kind: 'downloads'; name: string };

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** What a destination or source string/URL names. A string without a scheme is a file path in Node, a URL relative to the page elsewhere. */
export async function place(where: string | URL, what: 'destination' | 'source'): Promise<Place> {
  const text = typeof where === 'string' ? where : where.href;
  if (text === '') throw new InvalidArgumentError(`model ${what}: an empty string names nothing`);
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'indexeddb' || scheme === 'downloads') {
    const name = text.slice(scheme.length + 3);
    if (name === '') throw new InvalidArgumentError(`model ${what}: ${scheme}:// needs a name, e.g. ${scheme}://my-model`);
    return { kind: scheme, name };
  }
  if (scheme === 'file') {
    if (!isNode()) throw new InvalidArgumentError(`${text}: file URLs need Node; in browsers use indexeddb://, downloads:// or bytes`);
    const { fileURLToPath } = await nodeBuiltin<typeof import('node:url')>('url');
    return { kind: 'file', path: fileURLToPath(text) };
  }
  if (scheme === 'http' || scheme === 'https' || scheme === 'blob' || scheme === 'data') return { kind: 'url', url: text };
  if (scheme !== undefined) {
    throw new InvalidArgumentError(`${text}: unknown scheme ${scheme}://; use a file path (Node), an http(s) URL (loading), ` +
      'indexeddb://name or downloads://name (browsers)');
  }
  if (typeof where !== 'string') return { kind: 'url', url: text };
  return isNode() ? { kind: 'file', path: text } : { kind: 'url', url: text };
}

// ---------------------------------------------------------------- URLs

export async function fetchBytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new ModelFileError(`${url}: cannot fetch the model file (${(err as Error).message})`, url, { cause: err });
  }
  if (!res.ok) throw new ModelFileError(`${url}: cannot fetch the model file (HTTP ${res.status})`, url);
  return new Uint8Array(await res.arrayBuffer());
}

// ---------------------------------------------------------------- IndexedDB

const DB = 'lenet5';
const STORE = 'models';

function openDb(where: string): Promise<IDBDatabase> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (idb === undefined) {
    throw new InvalidArgumentError(`${where}: there is no IndexedDB here (it is a browser store); in Node save to a file path`);
  }
  return new Promise((resolve, reject) => {
    const req = idb.open(DB, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new ModelFileError(`${where}: cannot open IndexedDB (${req.error?.message ?? 'unknown error'})`, where));
  });
}

function request<T>(db: IDBDatabase, mode: IDBTransactionMode, where: string, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = run(tx.objectStore(STORE));
    let result: T;
    req.onsuccess = () => {
      result = req.result;
    };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(new ModelFileError(`${where}: IndexedDB failed (${tx.error?.message ?? req.error?.message ?? 'unknown error'})`, where));
    tx.onabort = tx.onerror;
  });
}

export async function idbWrite(name: string, bytes: Uint8Array): Promise<void> {
  const where = `indexeddb://${name}`;
  const db = await openDb(where);
  try {
    await request(db, 'readwrite', where, (s) => s.put(bytes.slice(), name));
  } finally {
    db.close();
  }
}

export async function idbRead(name: string): Promise<Uint8Array> {
  const where = `indexeddb://${name}`;
  const db = await openDb(where);
  try {
    const v = await request<unknown>(db, 'readonly', where, (s) => s.get(name));
    if (v === undefined) throw new ModelFileError(`${where}: no model is saved under this name`, where);
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    throw new ModelFileError(`${where}: the stored value is not a model file`, where);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------- downloads

/** Offers `bytes` as a download named `name` (`.lenet5` added when it has no extension). */
export function download(name: string, bytes: Uint8Array): void {
  const doc = (globalThis as { document?: Document }).document;
  if (doc === undefined) {
    throw new InvalidArgumentError(`downloads://${name}: downloads need a page (document); in Node save to a file path, in a ` +
      'worker post net.save() to the page');
  }
  const file = /\.[a-z0-9]+$/i.test(name) ? name : `${name}.lenet5`;
  const url = URL.createObjectURL(new Blob([bytes.slice()], { type: 'application/octet-stream' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = file;
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: revoking at once can cancel the download before the browser reads the blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// ---------------------------------------------------------------- the two entry points

/** The largest model file read from disk (2 GiB - 1, the most a typed array is sure to hold). */
const MAX_MODEL_FILE_BYTES = 2 ** 31 - 1;

const code = (err: unknown): string => (err as { code?: string }).code ?? (err as Error).message;

/** The bytes of a model file from `source`, and a name for errors (see LeNet5.loadFrom). */
export async function readModel(source: ModelSource): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: 'model file' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: 'model file' };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return { bytes: new Uint8Array(await source.arrayBuffer()), name: (source as { name?: string }).name ?? 'blob' };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new InvalidArgumentError(`loadFrom: expected a path, a URL, 'indexeddb://name', bytes or a Blob, got ${
      source === null ? 'null' : typeof source}`);
  }
  const at = await place(source, 'source');
  switch (at.kind) {
    case 'file': {
      // Only a regular file of a model file's possible size is read: not a device (/dev/zero), pipe or folder.
      const { stat } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
      const info = await stat(at.path).catch(() => null);
      if (info !== null && !info.isFile()) {
        throw new ModelFileError(`${at.path}: is not a regular file; pass the path of a model file`, at.path);
      }
      if (info !== null && info.size > MAX_MODEL_FILE_BYTES) {
        throw new ModelFileError(`${at.path}: ${info.size} bytes is larger than any model file (at most ${MAX_MODEL_FILE_BYTES})`, at.path);
      }
      let read: Uint8Array | null;
      try {
        read = await readIfExists(at.path);
      } catch (err) {
        throw new ModelFileError(`${at.path}: cannot read the model file (${code(err)})`, at.path, { cause: err });
      }
      if (read === null) throw new ModelFileError(`${at.path}: cannot read the model file (ENOENT)`, at.path);
      return { bytes: read, name: at.path };
    }
    case 'url':
      return { bytes: await fetchBytes(at.url), name: at.url };
    case 'indexeddb':
      return { bytes: await idbRead(at.name), name: `indexeddb://${at.name}` };
    case 'downloads':
      throw new InvalidArgumentError(`downloads://${at.name}: downloads are for saving; load the file the user picks (a File from ` +
        '<input type="file">) or its bytes');
  }
}

/** Stores the bytes of a model file at `destination` (see LeNet5.saveTo). */
export async function writeModel(destination: ModelDestination, bytes: Uint8Array): Promise<void> {
  if (typeof destination === 'function') {
    await destination(bytes);
    return;
  }
  if (typeof destination !== 'string' && !(destination instanceof URL)) {
    throw new InvalidArgumentError(`saveTo: expected a path, 'indexeddb://name', 'downloads://name' or a function, got ${
      destination === null ? 'null' : typeof destination}`);
  }
  const at = await place(destination, 'destination');
  switch (at.kind) {
    case 'file':
      try {
        await writeFileAtomic(at.path, bytes);
      } catch (err) {
        throw new CheckpointError(`${at.path}: cannot write the file (${code(err)}); check that the folder exists and is writable`,
          at.path, { cause: err });
      }
      return;
    case 'indexeddb':
      return idbWrite(at.name, bytes);
    case 'downloads':
      return download(at.name, bytes);
    case 'url':
      throw new InvalidArgumentError(`${at.url}: saving to a URL is not supported${isNode() ? '' : ' (in browsers a string without ' +
        'a scheme is a URL)'}; upload the bytes yourself: saveTo((bytes) => fetch(url, { method: 'POST', body: bytes }))`);
  }
}
