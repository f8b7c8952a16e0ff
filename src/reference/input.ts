/** Twin of assembly/input.ts: image bytes to the model's float inputs through a 256-entry table. */
import type { Arr } from '../backend/kernels.js';

/** out (N, H+2pad, W+2pad) = lut[bytes (N, H, W)], border = lut[0]. */
export function bytesToInput(out: Arr, bytes: Uint8Array, lut: Arr, N: number, H: number, W: number, pad: number): void {
  const Wp = W + 2 * pad, Hp = H + 2 * pad;
  for (let n = 0; n < N; n++) {
    const o = n * Hp * Wp;
    if (pad > 0) out.fill(lut[0]!, o, o + Hp * Wp);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) out[o + (y + pad) * Wp + pad + x] = lut[bytes[(n * H + y) * W + x]!]!;
    }
  }
}
