// Pooling over 2x2 windows with stride 2: average pooling, LeNet subsampling (paper §II-B: S2/S4 sum
// each 2x2 block, multiply by one trainable coefficient per map and add one trainable bias), and max
// pooling with an exact i32 argmax. inp (N, C, H, W) -> out (N, C, H>>1, W>>1); an odd last row or
// column takes no part in the forward, and its input gradient is 0.
//
// Contract (src/backend/kernels.ts): dinp is overwritten; dcoeff and dbias accumulate.
// SIMD layout: four outputs per step read eight input columns from each of the two window rows; the
// even/odd columns are separated with shuffles, so a window's four values are lanes of four vectors.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

import { hsum } from './simd';

/** Sums of the 2x2 windows whose top-left corners are columns 0, 2, 4, 6 of rows r0, r1 (bytes). */
@inline function blockSum4(r0: usize, r1: usize): v128 {
  const s = f32x4.add(v128.load(r0), v128.load(r1));
  const t = f32x4.add(v128.load(r0, 16), v128.load(r1, 16));
  return f32x4.add(v128.shuffle<f32>(s, t, 0, 2, 4, 6), v128.shuffle<f32>(s, t, 1, 3, 5, 7));
}

/** The same sum for one window, in the same order as blockSum4. */
@inline function blockSum1(r0: usize, r1: usize): f32 {
  return (load<f32>(r0) + load<f32>(r1)) + (load<f32>(r0, 4) + load<f32>(r1, 4));
}

/** Writes g to all four cells of each of four windows (top-left columns 0, 2, 4, 6 of rows r0, r1). */
@inline function spread4(r0: usize, r1: usize, g: v128): void {
  const lo = v128.shuffle<f32>(g, g, 0, 0, 1, 1);
  const hi = v128.shuffle<f32>(g, g, 2, 2, 3, 3);
  v128.store(r0, lo);
  v128.store(r0, hi, 16);
  v128.store(r1, lo);
  v128.store(r1, hi, 16);
}

@inline function spread1(r0: usize, r1: usize, g: f32): void {
  store<f32>(r0, g);
  store<f32>(r0, g, 4);
  store<f32>(r1, g);
  store<f32>(r1, g, 4);
}

/** Zeroes what the windows do not cover in one (H, W) gradient plane: the odd last column and row. */
@inline function zeroOddEdges(plane: usize, H: i32, W: i32): void {
  if (W & 1) {
    const rows = H & ~1;
    for (let h = 0; h < rows; h++) store<f32>(plane + ((<usize>(h * W + W - 1)) << 2), 0);
  }
  if (H & 1) memory.fill(plane + ((<usize>((H - 1) * W)) << 2), 0, (<usize>W) << 2);
}

/** out (N, C, H>>1, W>>1) = mean of each 2x2 block of inp (N, C, H, W). */
export function avgPoolForward(out: usize, inp: usize, N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const quarter = f32x4.splat(0.25);
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const src = inp + ((<usize>(p * H * W)) << 2);
    const dst = out + ((<usize>(p * OH * OW)) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = src + ((<usize>(2 * oh * W)) << 2);
      const r1 = r0 + ((<usize>W) << 2);
      const o = dst + ((<usize>(oh * OW)) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const off = (<usize>ow) << 3;
        v128.store(o + ((<usize>ow) << 2), f32x4.mul(blockSum4(r0 + off, r1 + off), quarter));
      }
      for (; ow < OW; ow++) {
        const off = (<usize>ow) << 3;
        store<f32>(o + ((<usize>ow) << 2), blockSum1(r0 + off, r1 + off) * 0.25);
      }
    }
  }
}

/** dinp (N, C, H, W) = dout / 4 spread over each block (overwritten; odd edges 0). dout (N, C, H>>1, W>>1). */
export function avgPoolBackward(dinp: usize, dout: usize, N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const quarter = f32x4.splat(0.25);
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const dst = dinp + ((<usize>(p * H * W)) << 2);
    const src = dout + ((<usize>(p * OH * OW)) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = dst + ((<usize>(2 * oh * W)) << 2);
      const r1 = r0 + ((<usize>W) << 2);
      const g = src + ((<usize>(oh * OW)) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const off = (<usize>ow) << 3;
        spread4(r0 + off, r1 + off, f32x4.mul(v128.load(g + ((<usize>ow) << 2)), quarter));
      }
      for (; ow < OW; ow++) {
        const off = (<usize>ow) << 3;
        spread1(r0 + off, r1 + off, load<f32>(g + ((<usize>ow) << 2)) * 0.25);
      }
    }
    zeroOddEdges(dst, H, W);
  }
}

/** LeNet subsampling: out (N, C, H>>1, W>>1) = coeff[c] * (sum of the 2x2 block) + bias[c]; coeff, bias (C). */
export function subsampleForward(out: usize, inp: usize, coeff: usize, bias: usize, N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const c = p % C;
    const k = load<f32>(coeff + ((<usize>c) << 2));
    const b = load<f32>(bias + ((<usize>c) << 2));
    const kv = f32x4.splat(k), bv = f32x4.splat(b);
    const src = inp + ((<usize>(p * H * W)) << 2);
    const dst = out + ((<usize>(p * OH * OW)) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = src + ((<usize>(2 * oh * W)) << 2);
      const r1 = r0 + ((<usize>W) << 2);
      const o = dst + ((<usize>(oh * OW)) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const off = (<usize>ow) << 3;
        v128.store(o + ((<usize>ow) << 2), f32x4.add(f32x4.mul(blockSum4(r0 + off, r1 + off), kv), bv));
      }
      for (; ow < OW; ow++) {
        const off = (<usize>ow) << 3;
        store<f32>(o + ((<usize>ow) << 2), blockSum1(r0 + off, r1 + off) * k + b);
      }
    }
  }
}

/**
 * dinp (N, C, H, W) = coeff[c] * dout spread over each block (overwritten; odd edges 0);
 * dcoeff[c] += sum of dout * block sum; dbias[c] += sum of dout. dout (N, C, H>>1, W>>1).
 */
export function subsampleBackward(dinp: usize, dcoeff: usize, dbias: usize, dout: usize, inp: usize, coeff: usize,
  N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const c = p % C;
    const k = load<f32>(coeff + ((<usize>c) << 2));
    const kv = f32x4.splat(k);
    const base = (<usize>(p * H * W)) << 2;
    const src = inp + base;
    const dst = dinp + base;
    const g = dout + ((<usize>(p * OH * OW)) << 2);
    let accK = f32x4.splat(0), accB = f32x4.splat(0);
    let sumK: f32 = 0, sumB: f32 = 0;
    for (let oh = 0; oh < OH; oh++) {
      const rowOff = (<usize>(2 * oh * W)) << 2;
      const x0 = src + rowOff, x1 = x0 + ((<usize>W) << 2);
      const d0 = dst + rowOff, d1 = d0 + ((<usize>W) << 2);
      const grow = g + ((<usize>(oh * OW)) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const off = (<usize>ow) << 3;
        const gv = v128.load(grow + ((<usize>ow) << 2));
        accB = f32x4.add(accB, gv);
        accK = f32x4.add(accK, f32x4.mul(gv, blockSum4(x0 + off, x1 + off)));
        spread4(d0 + off, d1 + off, f32x4.mul(gv, kv));
      }
      for (; ow < OW; ow++) {
        const off = (<usize>ow) << 3;
        const gs = load<f32>(grow + ((<usize>ow) << 2));
        sumB += gs;
        sumK += gs * blockSum1(x0 + off, x1 + off);
        spread1(d0 + off, d1 + off, gs * k);
      }
    }
    zeroOddEdges(dst, H, W);
    const pk = dcoeff + ((<usize>c) << 2), pb = dbias + ((<usize>c) << 2);
    store<f32>(pk, load<f32>(pk) + (hsum(accK) + sumK));
    store<f32>(pb, load<f32>(pb) + (hsum(accB) + sumB));
  }
}

/**
 * out (N, C, H>>1, W>>1) = max of each 2x2 block; argmax (same shape, i32) = the winner's flat index h*W + w
 * in its (n, c) input plane. Ties: the first maximum in row-major window order wins (strict >).
 */
export function maxPoolForward(out: usize, argmax: usize, inp: usize, N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const planes = N * C;
  const steps = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1), down = i32x4.splat(W), downOne = i32x4.splat(W + 1);
  for (let p = 0; p < planes; p++) {
    const src = inp + ((<usize>(p * H * W)) << 2);
    const outOff = (<usize>(p * OH * OW)) << 2;
    for (let oh = 0; oh < OH; oh++) {
      const top = 2 * oh * W;
      const r0 = src + ((<usize>top) << 2);
      const r1 = r0 + ((<usize>W) << 2);
      const o = out + outOff + ((<usize>(oh * OW)) << 2);
      const a = argmax + outOff + ((<usize>(oh * OW)) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const off = (<usize>ow) << 3;
        const a0 = v128.load(r0 + off), b0 = v128.load(r0 + off, 16);
        const a1 = v128.load(r1 + off), b1 = v128.load(r1 + off, 16);
        const tl = v128.shuffle<f32>(a0, b0, 0, 2, 4, 6), tr = v128.shuffle<f32>(a0, b0, 1, 3, 5, 7);
        const bl = v128.shuffle<f32>(a1, b1, 0, 2, 4, 6), br = v128.shuffle<f32>(a1, b1, 1, 3, 5, 7);
        const idx = i32x4.add(i32x4.splat(top + 2 * ow), steps);
        let best = tl, bi = idx;
        let m = f32x4.gt(tr, best);
        best = v128.bitselect(tr, best, m);
        bi = v128.bitselect(i32x4.add(idx, one), bi, m);
        m = f32x4.gt(bl, best);
        best = v128.bitselect(bl, best, m);
        bi = v128.bitselect(i32x4.add(idx, down), bi, m);
        m = f32x4.gt(br, best);
        best = v128.bitselect(br, best, m);
        bi = v128.bitselect(i32x4.add(idx, downOne), bi, m);
        v128.store(o + ((<usize>ow) << 2), best);
        v128.store(a + ((<usize>ow) << 2), bi);
      }
      for (; ow < OW; ow++) {
        const off = (<usize>ow) << 3;
        const i0 = top + 2 * ow;
        let best = load<f32>(r0 + off);
        let bi = i0;
        let v = load<f32>(r0 + off, 4);
        if (v > best) { best = v; bi = i0 + 1; }
        v = load<f32>(r1 + off);
        if (v > best) { best = v; bi = i0 + W; }
        v = load<f32>(r1 + off, 4);
        if (v > best) { best = v; bi = i0 + W + 1; }
        store<f32>(o + ((<usize>ow) << 2), best);
        store<i32>(a + ((<usize>ow) << 2), bi);
      }
    }
  }
}

/** dinp (N, C, H, W) = dout at each window's argmax, 0 elsewhere (overwritten). dout, argmax (N, C, H>>1, W>>1). */
export function maxPoolBackward(dinp: usize, dout: usize, argmax: usize, N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const planes = N * C;
  const steps = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1), down = i32x4.splat(W), downOne = i32x4.splat(W + 1);
  for (let p = 0; p < planes; p++) {
    const dst = dinp + ((<usize>(p * H * W)) << 2);
    const outOff = (<usize>(p * OH * OW)) << 2;
    for (let oh = 0; oh < OH; oh++) {
      const top = 2 * oh * W;
      const r0 = dst + ((<usize>top) << 2);
      const r1 = r0 + ((<usize>W) << 2);
      const g = dout + outOff + ((<usize>(oh * OW)) << 2);
      const a = argmax + outOff + ((<usize>(oh * OW)) << 2);
      let ow = 0;
      // Each of a window's four cells takes dout where argmax names it and 0 elsewhere: a masked
      // select per cell instead of a scatter, so the window is written (overwritten) in full.
      for (; ow + 4 <= OW; ow += 4) {
        const off = (<usize>ow) << 3;
        const gv = v128.load(g + ((<usize>ow) << 2));
        const av = v128.load(a + ((<usize>ow) << 2));
        const idx = i32x4.add(i32x4.splat(top + 2 * ow), steps);
        const tl = v128.and(gv, i32x4.eq(av, idx));
        const tr = v128.and(gv, i32x4.eq(av, i32x4.add(idx, one)));
        const bl = v128.and(gv, i32x4.eq(av, i32x4.add(idx, down)));
        const br = v128.and(gv, i32x4.eq(av, i32x4.add(idx, downOne)));
        v128.store(r0 + off, v128.shuffle<f32>(tl, tr, 0, 4, 1, 5));
        v128.store(r0 + off, v128.shuffle<f32>(tl, tr, 2, 6, 3, 7), 16);
        v128.store(r1 + off, v128.shuffle<f32>(bl, br, 0, 4, 1, 5));
        v128.store(r1 + off, v128.shuffle<f32>(bl, br, 2, 6, 3, 7), 16);
      }
      for (; ow < OW; ow++) {
        const off = (<usize>ow) << 3;
        const gs = load<f32>(g + ((<usize>ow) << 2));
        const w = load<i32>(a + ((<usize>ow) << 2));
        const i0 = top + 2 * ow;
        store<f32>(r0 + off, w == i0 ? gs : 0);
        store<f32>(r0 + off, w == i0 + 1 ? gs : 0, 4);
        store<f32>(r1 + off, w == i0 + W ? gs : 0);
        store<f32>(r1 + off, w == i0 + W + 1 ? gs : 0, 4);
      }
    }
    zeroOddEdges(dst, H, W);
  }
}
