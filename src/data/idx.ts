/**
 * The IDX format (LeCun's MNIST files): magic `00 00 <type> <rank>`, then `rank` big-endian uint32 dims,
 * then the elements, big-endian, row-major. The parser checks everything it can before it allocates, and
 * names the file and the problem in every error: a truncated or padded file is an error, never a
 * silently partial dataset.
 */
import { DataFormatError, InvalidArgumentError } from '../errors.js';
import { gunzipWeb, isGzip } from './gzip.js';

/** The element type of an IDX file (its type code in the header: 0x08 uint8 to 0x0e float64). */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array holding an IDX file's elements, matching its IdxType. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: element type, dims (outermost first) and the elements in native byte order. */
export interface IdxArray {
  /** Element type. */
  type: IdxType;
  /** Size of each dimension, outermost first (e.g. `[60000, 28, 28]`). */
  dims: number[];
  /** The elements, row-major, in native byte order. */
  data: IdxData;
}

const TYPE_CODES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

const CODE_OF: Record<IdxType, number> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};

/** Options of the IDX parsers: a name for messages and a size limit. */
export interface ParseIdxOptions {
  /** File name or URL used in error messages. */
  name?: string;
  /** Refuse payloads larger than this many bytes (default 1 GiB), before allocating anything. */
  maxBytes?: number;
}

/**
 * The whole size in bytes (header + payload) that the IDX header at the start of `head` declares, or null
 * when `head` is too short to hold the header yet. Throws the DataFormatError `parseIdx` would for a bad
 * magic, type or rank, and for dims over `maxBytes`. The gzip readers cap inflation at this size.
 */
export function idxDeclaredBytes(head: Uint8Array, options: ParseIdxOptions = {}): number | null {
  if (head.length < 4) return null;
  if (head[0] !== 0 || head[1] !== 0 || !TYPE_CODES[head[2]!] || head[3] === 0) {
    parseIdx(head, options); // throws the message for this header
  }
  const header = 4 + 4 * head[3]!;
  if (head.length < header) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  const dims: number[] = [];
  for (let i = 0; i < head[3]!; i++) {
    dims.push(view.getUint32(4 + 4 * i, false));
    count *= dims[i]!;
  }
  const need = count * TYPE_CODES[head[2]!]!.size;
  const maxBytes = options.maxBytes ?? 1 << 30;
  if (need > maxBytes) {
    const name = options.name ?? 'IDX data';
    throw new DataFormatError(
      `${name}: dims [${dims.join(', ')}] describe ${need} bytes of ${TYPE_CODES[head[2]!]!.type}, over the ${maxBytes}-byte limit; refusing`,
      name,
    );
  }
  return header + need;
}

/** Parses one IDX file (uncompressed; see `gzip.ts` for detection and inflation). */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  const name = options.name ?? 'IDX data';
  const maxBytes = options.maxBytes ?? 1 << 30;
  const fail = (what: string): never => {
    throw new DataFormatError(`${name}: ${what}`, name);
  };
  if (bytes.length < 4) {
    fail(`only ${bytes.length} bytes, too short for an IDX header (4-byte magic + dims); the file is truncated or empty`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) fail('is gzip-compressed; inflate it first (loaders do this automatically)');
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`not an IDX file: magic starts with ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 00 00`);
  }
  const code = bytes[2]!;
  const spec = TYPE_CODES[code];
  if (!spec) fail(`unknown IDX element type ${hex(code)} (known: 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64)`);
  const { type, size } = spec!;
  const rank = bytes[3]!;
  if (rank === 0) fail('IDX rank is 0; expected at least one dimension');
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    fail(`truncated header: rank ${rank} needs ${header} header bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d; // a float product cannot wrap, so absurd dims stay absurd and are refused below
  }
  const need = count * size;
  const have = bytes.length - header;
  if (need > maxBytes) {
    fail(`dims [${dims.join(', ')}] describe ${need} bytes of ${type}, over the ${maxBytes}-byte limit; refusing`);
  }
  if (need !== have) {
    const why = have < need ? 'the file is truncated' : 'the file has trailing bytes';
    fail(`dims [${dims.join(', ')}] of ${type} need ${need} payload bytes but there are ${have}: ${why}`);
  }
  const data = readElements(bytes, header, count, type);
  return { type, dims, data };
}

function readElements(bytes: Uint8Array, off: number, n: number, type: IdxType): IdxData {
  if (type === 'uint8') return bytes.slice(off, off + n);
  if (type === 'int8') return new Int8Array(bytes.slice(off, off + n).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + off, bytes.byteLength - off);
  switch (type) {
    case 'int16': {
      const a = new Int16Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt16(2 * i, false);
      return a;
    }
    case 'int32': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt32(4 * i, false);
      return a;
    }
    case 'float32': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat32(4 * i, false);
      return a;
    }
    default: {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat64(8 * i, false);
      return a;
    }
  }
}

function typeOfData(data: IdxData): IdxType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** Serialises to IDX (big-endian). The element type follows the typed array's type. */
export function writeIdx(dims: readonly number[], data: IdxData): Uint8Array {
  const type = typeOfData(data);
  const size = TYPE_CODES[CODE_OF[type]]!.size;
  if (dims.length < 1 || dims.length > 255) throw new InvalidArgumentError(`writeIdx: rank ${dims.length} outside 1..255`);
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new InvalidArgumentError(`writeIdx: bad dim ${d}`);
    count *= d;
  }
  if (count !== data.length) {
    throw new InvalidArgumentError(`writeIdx: dims [${dims.join(', ')}] hold ${count} elements, data has ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = CODE_OF[type];
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  if (type === 'uint8' || type === 'int8') {
    out.set(new Uint8Array(data.buffer, data.byteOffset, count), header);
    return out;
  }
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    if (type === 'int16') view.setInt16(header + 2 * i, v, false);
    else if (type === 'int32') view.setInt32(header + 4 * i, v, false);
    else if (type === 'float32') view.setFloat32(header + 4 * i, v, false);
    else view.setFloat64(header + 8 * i, v, false);
  }
  return out;
}

/** An images file as MNIST uses it: uint8, rank 3 (count, rows, cols). */
export interface IdxImages {
  /** Number of images. */
  count: number;
  /** Rows per image. */
  height: number;
  /** Columns per image. */
  width: number;
  /** The pixels, `count x height x width` bytes, row-major. */
  pixels: Uint8Array;
}

/** Parses an IDX images file and checks it is uint8 with rank 3. */
export function parseIdxImages(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxImages {
  const name = options.name ?? 'IDX images';
  const arr = parseIdx(bytes, { ...options, name });
  if (arr.type !== 'uint8' || arr.dims.length !== 3) {
    throw new DataFormatError(
      `${name}: expected an images file (uint8, rank 3: count x rows x cols), got ${arr.type} with dims [${arr.dims.join(', ')}]`,
      name,
    );
  }
  const [count, height, width] = arr.dims as [number, number, number];
  if (count > 0 && (height === 0 || width === 0)) {
    throw new DataFormatError(`${name}: images of size ${height}x${width} hold no pixels`, name);
  }
  return { count, height, width, pixels: arr.data as Uint8Array };
}

/** Parses an IDX labels file: uint8, rank 1, every value below `numClasses` (default 10). */
export function parseIdxLabels(bytes: Uint8Array, options: ParseIdxOptions & { numClasses?: number } = {}): Uint8Array {
  const name = options.name ?? 'IDX labels';
  const numClasses = options.numClasses ?? 10;
  const arr = parseIdx(bytes, { ...options, name });
  if (arr.type !== 'uint8' || arr.dims.length !== 1) {
    throw new DataFormatError(
      `${name}: expected a labels file (uint8, rank 1), got ${arr.type} with dims [${arr.dims.join(', ')}]`,
      name,
    );
  }
  const labels = arr.data as Uint8Array;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= numClasses) {
      throw new DataFormatError(
        `${name}: label ${labels[i]} at index ${i} is outside 0..${numClasses - 1}; the file is corrupt or not a labels file`,
        name,
      );
    }
  }
  return labels;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/**
 * Parses IDX bytes that may be gzip-compressed (detected by magic bytes, whatever the name), inflating
 * with DecompressionStream; works in browsers and Node. Node's loaders use zlib instead (faster).
 */
export async function readIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): Promise<IdxArray> {
  // Inflation stops past the size the header declares (a bomb with a small header costs no more than that).
  const raw = isGzip(bytes)
    ? await gunzipWeb(bytes, options.name ?? 'IDX data', (options.maxBytes ?? 1 << 30) + 1024, (head) => idxDeclaredBytes(head, options))
    : bytes;
  return parseIdx(raw, options);
}
