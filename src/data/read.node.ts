/**
 * Reading a file whose contents we are about to parse (a model, an image, an IDX file), with bounds: only a
 * regular file (not /dev/zero, a FIFO, a socket or a folder, which would read forever or block), only up
 * to a size limit checked from `fstat` before any byte is read, and a magic check on the first bytes before
 * the whole file is read. Errors come from the caller's `fail`, so each reader keeps its error class, and
 * name the path.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DataFormatError, DataNotFoundError, Lenet5Error } from '../errors.js';
import { DECLARED_HEAD_BYTES, isGzip } from './gzip.js';
import { gunzipNode } from './gzip.node.js';
import { idxDeclaredBytes } from './idx.js';

/** The IDX parser's default limit on the elements of one file (parseIdx's maxBytes). */
const IDX_MAX_BYTES = 1 << 30;

/** Node's Buffer cannot hold more than this, and no input of the library needs more. */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

export interface BoundedReadOptions {
  /** What the file should be, for messages: "model file", "image", "IDX file". */
  what: string;
  /** Refuse files larger than this many bytes (checked before reading). Default MAX_FILE_BYTES. */
  maxBytes?: number;
  /** How many leading bytes `checkHead` gets (default 16). */
  headBytes?: number;
  /** Checks the first bytes (and the size) before the rest is read; throws to refuse the file. */
  checkHead?: (head: Uint8Array, size: number) => void;
  /** Builds the error for a file that cannot be opened or read (missing, no permission, I/O error). */
  cannotRead: (message: string, cause: unknown) => Lenet5Error;
  /** Builds the error for a file that is not a regular file or is too large. */
  refuse: (message: string) => Lenet5Error;
  /** Resolve to null instead of failing when the file does not exist. */
  missingOk?: boolean;
}

/** What kind of file system entry `st` is, for the "not a regular file" message. */
function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** "a model file", "an image", "an IDX file". */
function withArticle(what: string): string {
  return `${/^([aeiou]|IDX)/i.test(what) ? 'an' : 'a'} ${what}`;
}

/** Reads a whole regular file of at most `maxBytes`, its first bytes checked first; see the module comment. */
export async function readBoundedFile(path: string, o: BoundedReadOptions & { missingOk: true }): Promise<Uint8Array | null>;
export async function readBoundedFile(path: string, o: BoundedReadOptions): Promise<Uint8Array>;
export async function readBoundedFile(path: string, o: BoundedReadOptions): Promise<Uint8Array | null> {
  const maxBytes = o.maxBytes ?? MAX_FILE_BYTES;
  const code = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  let fh: FileHandle;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer. No effect on regular files.
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (o.missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw o.refuse(`${path}: is a folder, not ${withArticle(o.what)}`);
    throw o.cannotRead(`${path}: cannot read the ${o.what} (${code(err)})`, err);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      throw o.refuse(`${path}: is ${kindOf(st)}, not a regular file; refusing to read it as ${withArticle(o.what)}`);
    }
    const size = st.size;
    if (size > maxBytes) {
      throw o.refuse(`${path}: ${size} bytes, over the ${maxBytes}-byte limit for ${withArticle(o.what)}; refusing to read it ` +
        '(not the expected file, or corrupt)');
    }
    const out = new Uint8Array(size);
    let got = 0;
    const fill = async (upTo: number): Promise<void> => {
      while (got < upTo) {
        const { bytesRead } = await fh.read(out, got, upTo - got, got);
        if (bytesRead === 0) break; // shrank since fstat: parse what is there (the parsers report truncation)
        got += bytesRead;
      }
    };
    await fill(Math.min(size, o.headBytes ?? 16));
    o.checkHead?.(out.subarray(0, got), size);
    await fill(size);
    return got === size ? out : out.subarray(0, got);
  } catch (err) {
    if (err instanceof Lenet5Error) throw err;
    throw o.cannotRead(`${path}: cannot read the ${o.what} (${code(err)})`, err);
  } finally {
    await fh.close().catch(() => {});
  }
}

/**
 * Reads an IDX file, raw or gzipped, for the Node loaders: a regular file of at most the IDX size limit
 * (1 GiB of elements) plus a header, whose first bytes are gzip's magic or an IDX header; a raw file's
 * size must be the one its header declares, checked before the rest is read. Errors are DataFormatErrors
 * (DataNotFoundError when it cannot be opened), naming the path.
 */
export async function readIdxFile(path: string, opts: { missingOk: true }): Promise<Uint8Array | null>;
export async function readIdxFile(path: string, opts?: { missingOk?: false }): Promise<Uint8Array>;
export async function readIdxFile(path: string, opts: { missingOk?: boolean } = {}): Promise<Uint8Array | null> {
  const options: BoundedReadOptions = {
    what: 'IDX file',
    maxBytes: IDX_MAX_BYTES + DECLARED_HEAD_BYTES,
    headBytes: DECLARED_HEAD_BYTES,
    checkHead: (head, size) => {
      if (isGzip(head)) return;
      const declared = idxDeclaredBytes(head, { name: path });
      if (declared !== null && declared !== size) {
        throw new DataFormatError(`${path}: the IDX header declares ${declared} bytes (header and elements) but the file holds ${size}: ` +
          (size < declared ? 'the file is truncated' : 'the file has trailing bytes'), path);
      }
    },
    cannotRead: (message, cause) => new DataNotFoundError(message, path, { cause }),
    refuse: (message) => new DataFormatError(message, path),
  };
  return opts.missingOk ? readBoundedFile(path, { ...options, missingOk: true }) : readBoundedFile(path, options);
}

/** Inflates gzipped IDX bytes (left as they are when not gzipped), capped at the size their header declares. */
export function inflateIdx(bytes: Uint8Array, name: string): Uint8Array {
  return isGzip(bytes) ? gunzipNode(bytes, name, IDX_MAX_BYTES + DECLARED_HEAD_BYTES, (head) => idxDeclaredBytes(head, { name })) : bytes;
}
