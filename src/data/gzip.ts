/**
 * gzip handling shared by Node and browsers: detection by magic bytes (never by file name) and a
 * decompressor over the standard `DecompressionStream('gzip')`, which Chromium and Node >= 18 both have.
 * Node code can use the faster `gunzipNode` (node:zlib) from `gzip.node.ts` instead.
 */
import { DataFormatError } from '../errors.js';

/** Largest output we inflate by default: MNIST's biggest file is 47 MB; refuse decompression bombs. */
export const DEFAULT_MAX_INFLATED_BYTES = 1 << 30;

/** True when `bytes` start with the gzip magic (1f 8b) and the deflate method byte (08). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/**
 * Inflates a gzip member with `DecompressionStream`. Corrupt or truncated input rejects with a
 * DataFormatError naming `name`; output beyond `maxBytes` is refused rather than buffered.
 */
export async function gunzipWeb(
  bytes: Uint8Array,
  name = 'input',
  maxBytes = DEFAULT_MAX_INFLATED_BYTES,
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
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new DataFormatError(
          `${name}: gzip data inflates to more than ${maxBytes} bytes; refusing (corrupt file or not a dataset)`,
          name,
        );
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
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
