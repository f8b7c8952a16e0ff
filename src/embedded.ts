/**
 * Decoding the generated modules that carry the package's binaries (scripts/embed-assets.mjs): the wasm
 * builds as hex, pretrained models and the digits sheet as base64. Each is imported on demand, so only what
 * an app uses is loaded.
 */
export interface EmbeddedFile {
  ENCODING: string;
  DATA: string;
}

/** The bytes of an embedded file. */
export function embeddedBytes(m: EmbeddedFile): Uint8Array<ArrayBuffer> {
  return m.ENCODING === 'hex' ? hexToBytes(m.DATA) : base64ToBytes(m.DATA);
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(new ArrayBuffer(hex.length >>> 1));
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) {
    bytes[i] = (nibble(hex.charCodeAt(j)) << 4) | nibble(hex.charCodeAt(j + 1));
  }
  return bytes;
}

// '0'-'9' are 48-57, 'a'-'f' are 97-102.
function nibble(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}
