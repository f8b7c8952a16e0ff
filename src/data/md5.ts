/**
 * MD5 in plain TypeScript, incremental, for verifying downloads where `node:crypto` is absent (browsers:
 * WebCrypto has no MD5, and the published MNIST checksums are MD5). Checks integrity, not authenticity.
 */

const S = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15,
  21,
]);
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

export class Md5 {
  private readonly h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
  private readonly block = new Uint8Array(64);
  private readonly words = new Int32Array(16);
  private fill = 0;
  private bytes = 0;

  update(data: Uint8Array): this {
    let i = 0;
    const n = data.length;
    this.bytes += n;
    if (this.fill > 0) {
      const take = Math.min(64 - this.fill, n);
      this.block.set(data.subarray(0, take), this.fill);
      this.fill += take;
      i = take;
      if (this.fill < 64) return this;
      this.compress(this.block, 0);
      this.fill = 0;
    }
    for (; i + 64 <= n; i += 64) this.compress(data, i);
    if (i < n) {
      this.block.set(data.subarray(i), 0);
      this.fill = n - i;
    }
    return this;
  }

  /** The digest as 32 lowercase hex digits; the object must not be updated afterwards. */
  hex(): string {
    const bitsLo = (this.bytes * 8) >>> 0;
    const bitsHi = Math.floor(this.bytes / 2 ** 29) >>> 0;
    const pad = new Uint8Array(((this.fill < 56 ? 56 : 120) - this.fill) + 8);
    pad[0] = 0x80;
    const end = pad.length - 8;
    for (let k = 0; k < 4; k++) {
      pad[end + k] = (bitsLo >>> (8 * k)) & 0xff;
      pad[end + 4 + k] = (bitsHi >>> (8 * k)) & 0xff;
    }
    const total = this.bytes;
    this.update(pad);
    this.bytes = total;
    let out = '';
    for (let k = 0; k < 4; k++) {
      const v = this.h[k]!;
      for (let b = 0; b < 4; b++) out += ((v >>> (8 * b)) & 0xff).toString(16).padStart(2, '0');
    }
    return out;
  }

  private compress(src: Uint8Array, off: number): void {
    const w = this.words;
    for (let j = 0; j < 16; j++) {
      const p = off + 4 * j;
      w[j] = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24);
    }
    let a = this.h[0]!;
    let b = this.h[1]!;
    let c = this.h[2]!;
    let d = this.h[3]!;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const t = d;
      d = c;
      c = b;
      const x = (a + f + K[i]! + w[g]!) | 0;
      const s = S[i]!;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
      a = t;
    }
    this.h[0] = (this.h[0]! + a) | 0;
    this.h[1] = (this.h[1]! + b) | 0;
    this.h[2] = (this.h[2]! + c) | 0;
    this.h[3] = (this.h[3]! + d) | 0;
  }
}

/** MD5 of `data` as 32 lowercase hex digits. */
export function md5Hex(data: Uint8Array): string {
  return new Md5().update(data).hex();
}
