/**
 * gzip handling shared by Node and browsers: detection by magic bytes (never by file name) and a
 * decompressor over the standard `DecompressionStream('gzip')`, which Chromium and Node >= 18 both have.
 * Node code can use the faster `gunzipNode` (node:zlib) from `gzip.node.ts` instead.
 */
import { DataFormatError, Lenet5Error } from '../errors.js';

/** Largest output we inflate by default: MNIST's biggest file is 47 MB; refuse decompression bombs. */
export const DEFAULT_MAX_INFLATED_BYTES = 1 << 30;

/** True when `bytes` start with the gzip magic (1f 8b) and the deflate method byte (08). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/**
 * The size the inflated data declares in its own first bytes (an IDX header), or null while those bytes
 * are not all there yet; throws to refuse the data.
 */
export type DeclaredSize = (head: Uint8Array) => number | null;

/** Inflated bytes handed to a `DeclaredSize` at most (an IDX header of rank 255 is 1024 bytes). */
export const DECLARED_HEAD_BYTES = 1024;

/**
 * Inflates a gzip member with `DecompressionStream`. Corrupt or truncated input rejects with a
 * DataFormatError naming `name`; output beyond `maxBytes`, or beyond what `declared` reads from the first
 * inflated bytes, is refused as soon as it is reached rather than buffered.
 */
export async function gunzipWeb(
  bytes: Uint8Array,
  name = 'input',
  maxBytes = DEFAULT_MAX_INFLATED_BYTES,
  declared?: DeclaredSize,
): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    throw new DataFormatError(
      `${name}: this JavaScript engine has no DecompressionStream, so gzip data cannot be read here; ` +
        'serve the uncompressed files instead',
      name,
    );
  }
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  // Write and close without awaiting: the reader below drains the stream, and awaiting the write first
  // would deadlock on inputs whose output exceeds the stream's internal buffer. Errors surface in read().
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let cap = maxBytes;
  let capFromHeader = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      chunks.push(value);
      if (declared !== undefined && !capFromHeader) {
        const head = concat(chunks, total).subarray(0, DECLARED_HEAD_BYTES);
        let size: number | null;
        try {
          size = declared(head);
        } catch (err) {
          await reader.cancel().catch(() => {});
          throw err;
        }
        if (size !== null) {
          capFromHeader = true;
          cap = Math.min(cap, size);
        } else if (total >= DECLARED_HEAD_BYTES) {
          capFromHeader = true; // it never will: keep the plain limit
        }
      }
      if (total > cap) {
        await reader.cancel().catch(() => {});
        throw new DataFormatError(
          capFromHeader && cap < maxBytes
            ? `${name}: gzip data inflates to more than the ${cap} bytes its header declares; refusing (corrupt file or not a dataset)`
            : `${name}: gzip data inflates to more than ${maxBytes} bytes; refusing (corrupt file or not a dataset)`,
          name,
        );
      }
    }
  } catch (err) {
    if (err instanceof Lenet5Error) throw err;
    throw new DataFormatError(
      `${name}: corrupt or truncated gzip data (${(err as Error).message}); delete the file and fetch it again`,
      name,
      { cause: err },
    );
  }
  return concat(chunks, total);
}

/** Joins chunks into one array (returns the only chunk as is). */
export function concat(chunks: Uint8Array[], total = chunks.reduce((s, c) => s + c.length, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
