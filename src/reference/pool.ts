/**
 * Pooling twins (2x2 windows, stride 2): average pooling, LeNet subsampling (paper §II-B: the 2x2 block
 * sum times a trainable per-map coefficient plus a per-map bias) and max pooling with an int32 argmax.
 * inp (N, C, H, W) -> out (N, C, H>>1, W>>1); an odd last row/column is dropped and gets gradient 0.
 * dinp is overwritten; dcoeff and dbias accumulate.
 */
import type { Arr } from '../backend/kernels.js';

/** out (N, C, H>>1, W>>1) = mean of each 2x2 block of inp (N, C, H, W). */
export function avgPoolForward(out: Arr, inp: Arr, N: number, C: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < N * C; p++) {
    const src = p * H * W, dst = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const i = src + 2 * oh * W + 2 * ow;
        out[dst + oh * OW + ow] = 0.25 * (inp[i]! + inp[i + 1]! + inp[i + W]! + inp[i + W + 1]!);
      }
    }
  }
}

/** dinp (N, C, H, W) = dout / 4 on each cell of its block; 0 on an odd last row/column. */
export function avgPoolBackward(dinp: Arr, dout: Arr, N: number, C: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  dinp.fill(0, 0, N * C * H * W);
  for (let p = 0; p < N * C; p++) {
    const src = p * OH * OW, dst = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const g = 0.25 * dout[src + oh * OW + ow]!;
        const i = dst + 2 * oh * W + 2 * ow;
        dinp[i] = g;
        dinp[i + 1] = g;
        dinp[i + W] = g;
        dinp[i + W + 1] = g;
      }
    }
  }
}

/** out (N, C, H>>1, W>>1) = coeff[c] * (sum of the 2x2 block) + bias[c]. */
export function subsampleForward(out: Arr, inp: Arr, coeff: Arr, bias: Arr, N: number, C: number, H: number,
  W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < N * C; p++) {
    const c = p % C;
    const src = p * H * W, dst = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const i = src + 2 * oh * W + 2 * ow;
        out[dst + oh * OW + ow] = coeff[c]! * (inp[i]! + inp[i + 1]! + inp[i + W]! + inp[i + W + 1]!) + bias[c]!;
      }
    }
  }
}

/** dinp = coeff[c] * dout on each cell of its block (overwritten); dcoeff[c] += dout * block sum; dbias[c] += dout. */
export function subsampleBackward(dinp: Arr, dcoeff: Arr, dbias: Arr, dout: Arr, inp: Arr, coeff: Arr,
  N: number, C: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  dinp.fill(0, 0, N * C * H * W);
  for (let p = 0; p < N * C; p++) {
    const c = p % C;
    const src = p * OH * OW, dst = p * H * W;
    let dk = 0, db = 0;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const g = dout[src + oh * OW + ow]!;
        const i = dst + 2 * oh * W + 2 * ow;
        db += g;
        dk += g * (inp[i]! + inp[i + 1]! + inp[i + W]! + inp[i + W + 1]!);
        const gi = coeff[c]! * g;
        dinp[i] = gi;
        dinp[i + 1] = gi;
        dinp[i + W] = gi;
        dinp[i + W + 1] = gi;
      }
    }
    dcoeff[c] = dcoeff[c]! + dk;
    dbias[c] = dbias[c]! + db;
  }
}

/**
 * out (N, C, H>>1, W>>1) = max of each 2x2 block; argmax = the winner's flat index h*W + w inside its
 * (n, c) input plane. The window is scanned in row-major order with a strict >, so the first maximum wins.
 */
export function maxPoolForward(out: Arr, argmax: Int32Array, inp: Arr, N: number, C: number, H: number,
  W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < N * C; p++) {
    const src = p * H * W, dst = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity, at = -1;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const k = (2 * oh + dy) * W + 2 * ow + dx;
            const v = inp[src + k]!;
            if (at < 0 || v > best) {
              best = v;
              at = k;
            }
          }
        }
        out[dst + oh * OW + ow] = best;
        argmax[dst + oh * OW + ow] = at;
      }
    }
  }
}

/** dinp (N, C, H, W) = dout routed to each window's argmax, 0 elsewhere (overwritten). */
export function maxPoolBackward(dinp: Arr, dout: Arr, argmax: Int32Array, N: number, C: number, H: number,
  W: number): void {
  const OH = H >> 1, OW = W >> 1;
  dinp.fill(0, 0, N * C * H * W);
  for (let p = 0; p < N * C; p++) {
    const src = p * OH * OW, dst = p * H * W;
    for (let o = 0; o < OH * OW; o++) {
      dinp[dst + argmax[src + o]!] = dinp[dst + argmax[src + o]!]! + dout[src + o]!;
    }
  }
}
