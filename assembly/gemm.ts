// Register-blocked SIMD SGEMM shared by the convolution files (conv-*.ts) and dense.ts (not exported from
// the module: index.ts does not re-export this file).
//
// sgemmNN: C (M, Nc) = [C +] [rowBias +] A (M, K) x B (K, Nc). A is read one scalar at a time and
//   broadcast (f32x4 splat), so it may have any strides (am between rows, ak along k): a weight matrix,
//   its transpose, a packed panel. B and C rows are contiguous and vectorised along Nc. The micro-kernels
//   keep 8 f32x4 accumulators in locals (4 rows x 8 cols, 2 x 16 or 1 x 32), enough independent add
//   chains to hide latency without spilling the 16 SIMD registers of x64.
// sgemmNT: C (M, Nc) = [C +] colBias + A (M, K) x B (Nc, K)^T, both operands contiguous along k (dense
//   forward with no transposed copy of the weights; conv weight gradients against the im2col matrix);
//   2 x 4 dot-product tiles reduced horizontally at the end.
//
// All pointers are byte offsets; leading dimensions and strides are in floats. Nothing is allocated.
// Argument order: the output and its stride first, then the operands and their strides, the bias and row
// mask, then the sizes and flags.

import { hsum4, hsumPairs, madd } from './simd';

// ---------------------------------------------------------------------------------------------------
// NN micro-kernels. `c` is the tile's top-left, `a` the first A element of its rows, `b` the first B
// column of the tile. ldc, am, ak, ldb in BYTES here. `bias` points at the first row's bias (or 0).
// `rm` points at the first row's store flag (float, 0 = leave the row untouched), `rms` its row stride.

@inline function rowInit(bias: usize, r: usize): v128 {
  return bias != 0 ? v128.load32_splat(bias + (r << 2)) : f32x4.splat(0);
}

@inline function accInit(p: usize, accumulate: bool, init: v128): v128 {
  return accumulate ? f32x4.add(v128.load(p), init) : init;
}

@inline function rowOn(rm: usize, rms: usize, r: usize): bool {
  return rm == 0 || load<f32>(rm + r * rms) != 0;
}

/** Stores the first `nr` (1..4) lanes of v at p. */
@inline function storePartial(p: usize, v: v128, nr: i32): void {
  if (nr >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (nr > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (nr > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Loads the first `nr` (1..4) lanes at p, zeros elsewhere (reads nothing past them). */
@inline function loadPartial(p: usize, nr: i32): v128 {
  if (nr >= 4) return v128.load(p);
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, nr > 1 ? load<f32>(p, 4) : 0);
  v = f32x4.replace_lane(v, 2, nr > 2 ? load<f32>(p, 8) : 0);
  return f32x4.replace_lane(v, 3, 0);
}

function k4x8(c: usize, ldc: usize, a: usize, am: usize, ak: usize, b: usize, ldb: usize, K: i32,
  bias: usize, accumulate: bool, rm: usize, rms: usize): void {
  const i0 = rowInit(bias, 0), i1 = rowInit(bias, 1), i2 = rowInit(bias, 2), i3 = rowInit(bias, 3);
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let x00 = accInit(c, accumulate, i0), x01 = accInit(c + 16, accumulate, i0);
  let x10 = accInit(c1, accumulate, i1), x11 = accInit(c1 + 16, accumulate, i1);
  let x20 = accInit(c2, accumulate, i2), x21 = accInit(c2 + 16, accumulate, i2);
  let x30 = accInit(c3, accumulate, i3), x31 = accInit(c3 + 16, accumulate, i3);
  const am2 = am << 1, am3 = am2 + am;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    x00 = madd(s, b0, x00);
    x01 = madd(s, b1, x01);
    s = v128.load32_splat(a + am);
    x10 = madd(s, b0, x10);
    x11 = madd(s, b1, x11);
    s = v128.load32_splat(a + am2);
    x20 = madd(s, b0, x20);
    x21 = madd(s, b1, x21);
    s = v128.load32_splat(a + am3);
    x30 = madd(s, b0, x30);
    x31 = madd(s, b1, x31);
    a += ak;
    b += ldb;
  }
  if (rowOn(rm, rms, 0)) { v128.store(c, x00); v128.store(c, x01, 16); }
  if (rowOn(rm, rms, 1)) { v128.store(c1, x10); v128.store(c1, x11, 16); }
  if (rowOn(rm, rms, 2)) { v128.store(c2, x20); v128.store(c2, x21, 16); }
  if (rowOn(rm, rms, 3)) { v128.store(c3, x30); v128.store(c3, x31, 16); }
}

/** 4 rows x one vector of `nr` (1..4) columns; `full` = B may be read as whole vectors. */
function k4x4(c: usize, ldc: usize, a: usize, am: usize, ak: usize, b: usize, ldb: usize, K: i32,
  bias: usize, accumulate: bool, rm: usize, rms: usize, nr: i32, full: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let x0 = rowInit(bias, 0), x1 = rowInit(bias, 1), x2 = rowInit(bias, 2), x3 = rowInit(bias, 3);
  if (accumulate) {
    x0 = f32x4.add(x0, loadPartial(c, nr));
    x1 = f32x4.add(x1, loadPartial(c1, nr));
    x2 = f32x4.add(x2, loadPartial(c2, nr));
    x3 = f32x4.add(x3, loadPartial(c3, nr));
  }
  const am2 = am << 1, am3 = am2 + am;
  for (let k = 0; k < K; k++) {
    const b0 = full ? v128.load(b) : loadPartial(b, nr);
    x0 = madd(v128.load32_splat(a), b0, x0);
    x1 = madd(v128.load32_splat(a + am), b0, x1);
    x2 = madd(v128.load32_splat(a + am2), b0, x2);
    x3 = madd(v128.load32_splat(a + am3), b0, x3);
    a += ak;
    b += ldb;
  }
  if (rowOn(rm, rms, 0)) storePartial(c, x0, nr);
  if (rowOn(rm, rms, 1)) storePartial(c1, x1, nr);
  if (rowOn(rm, rms, 2)) storePartial(c2, x2, nr);
  if (rowOn(rm, rms, 3)) storePartial(c3, x3, nr);
}

function k2x16(c: usize, ldc: usize, a: usize, am: usize, ak: usize, b: usize, ldb: usize, K: i32,
  bias: usize, accumulate: bool, rm: usize, rms: usize): void {
  const i0 = rowInit(bias, 0), i1 = rowInit(bias, 1);
  const c1 = c + ldc;
  let x00 = accInit(c, accumulate, i0), x01 = accInit(c + 16, accumulate, i0);
  let x02 = accInit(c + 32, accumulate, i0), x03 = accInit(c + 48, accumulate, i0);
  let x10 = accInit(c1, accumulate, i1), x11 = accInit(c1 + 16, accumulate, i1);
  let x12 = accInit(c1 + 32, accumulate, i1), x13 = accInit(c1 + 48, accumulate, i1);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    let s = v128.load32_splat(a);
    x00 = madd(s, b0, x00);
    x01 = madd(s, b1, x01);
    x02 = madd(s, b2, x02);
    x03 = madd(s, b3, x03);
    s = v128.load32_splat(a + am);
    x10 = madd(s, b0, x10);
    x11 = madd(s, b1, x11);
    x12 = madd(s, b2, x12);
    x13 = madd(s, b3, x13);
    a += ak;
    b += ldb;
  }
  if (rowOn(rm, rms, 0)) {
    v128.store(c, x00); v128.store(c, x01, 16); v128.store(c, x02, 32); v128.store(c, x03, 48);
  }
  if (rowOn(rm, rms, 1)) {
    v128.store(c1, x10); v128.store(c1, x11, 16); v128.store(c1, x12, 32); v128.store(c1, x13, 48);
  }
}

function k1x32(c: usize, a: usize, ak: usize, b: usize, ldb: usize, K: i32,
  bias: usize, accumulate: bool): void {
  const i0 = rowInit(bias, 0);
  let x0 = accInit(c, accumulate, i0), x1 = accInit(c + 16, accumulate, i0);
  let x2 = accInit(c + 32, accumulate, i0), x3 = accInit(c + 48, accumulate, i0);
  let x4 = accInit(c + 64, accumulate, i0), x5 = accInit(c + 80, accumulate, i0);
  let x6 = accInit(c + 96, accumulate, i0), x7 = accInit(c + 112, accumulate, i0);
  for (let k = 0; k < K; k++) {
    const s = v128.load32_splat(a);
    x0 = madd(s, v128.load(b), x0);
    x1 = madd(s, v128.load(b, 16), x1);
    x2 = madd(s, v128.load(b, 32), x2);
    x3 = madd(s, v128.load(b, 48), x3);
    x4 = madd(s, v128.load(b, 64), x4);
    x5 = madd(s, v128.load(b, 80), x5);
    x6 = madd(s, v128.load(b, 96), x6);
    x7 = madd(s, v128.load(b, 112), x7);
    a += ak;
    b += ldb;
  }
  v128.store(c, x0); v128.store(c, x1, 16); v128.store(c, x2, 32); v128.store(c, x3, 48);
  v128.store(c, x4, 64); v128.store(c, x5, 80); v128.store(c, x6, 96); v128.store(c, x7, 112);
}

/** 1 row x one vector of `nr` (1..4) columns. */
function k1x4(c: usize, a: usize, ak: usize, b: usize, ldb: usize, K: i32,
  bias: usize, accumulate: bool, nr: i32, full: bool): void {
  let x0 = rowInit(bias, 0), x1 = f32x4.splat(0);
  if (accumulate) x0 = f32x4.add(x0, loadPartial(c, nr));
  // Two chains over even and odd k halve the add latency on this single accumulator.
  let k = 0;
  for (; k + 1 < K; k += 2) {
    const b0 = full ? v128.load(b) : loadPartial(b, nr);
    const b1 = full ? v128.load(b + ldb) : loadPartial(b + ldb, nr);
    x0 = madd(v128.load32_splat(a), b0, x0);
    x1 = madd(v128.load32_splat(a + ak), b1, x1);
    a += ak << 1;
    b += ldb << 1;
  }
  if (k < K) {
    const b0 = full ? v128.load(b) : loadPartial(b, nr);
    x0 = madd(v128.load32_splat(a), b0, x0);
  }
  storePartial(c, f32x4.add(x0, x1), nr);
}

/**
 * C (M, Nc) = [C +] [bias +] A x B over float32 matrices (see the file comment).
 * @param c, ldc  output and its row stride (floats)
 * @param a, am, ak  A and its strides between rows and along k (floats)
 * @param b, ldb  B (K, Nc) and its row stride (floats)
 * @param bias  per-row bias (M floats) or 0
 * @param rowMask, rowMaskStride  per-row store flags (float, 0 = row left untouched) or 0
 * @param accumulate  add to C instead of overwriting it
 * @param bPadded  B rows may be read up to Nc rounded up to 4 (scratch with padded rows): the last
 *   partial vector then runs at vector speed instead of lane by lane
 */
export function sgemmNN(c: usize, ldc: i32, a: usize, am: i32, ak: i32, b: usize, ldb: i32,
  bias: usize, rowMask: usize, rowMaskStride: i32, M: i32, Nc: i32, K: i32, accumulate: bool, bPadded: bool): void {
  const ldcB = <usize>ldc << 2, amB = <usize>am << 2, akB = <usize>ak << 2, ldbB = <usize>ldb << 2;
  const rmsB = <usize>rowMaskStride << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const ci = c + <usize>i * ldcB, ai = a + <usize>i * amB;
    const bi = bias != 0 ? bias + (<usize>i << 2) : 0;
    const rmi = rowMask != 0 ? rowMask + <usize>i * rmsB : 0;
    let j = 0;
    for (; j + 8 <= Nc; j += 8) {
      k4x8(ci + (<usize>j << 2), ldcB, ai, amB, akB, b + (<usize>j << 2), ldbB, K, bi, accumulate, rmi, rmsB);
    }
    for (; j < Nc; j += 4) {
      const nr = min(4, Nc - j);
      k4x4(ci + (<usize>j << 2), ldcB, ai, amB, akB, b + (<usize>j << 2), ldbB, K, bi, accumulate, rmi, rmsB,
        nr, bPadded || nr == 4);
    }
  }
  for (; i + 2 <= M; i += 2) {
    const ci = c + <usize>i * ldcB, ai = a + <usize>i * amB;
    const bi = bias != 0 ? bias + (<usize>i << 2) : 0;
    const rmi = rowMask != 0 ? rowMask + <usize>i * rmsB : 0;
    let j = 0;
    for (; j + 16 <= Nc; j += 16) {
      k2x16(ci + (<usize>j << 2), ldcB, ai, amB, akB, b + (<usize>j << 2), ldbB, K, bi, accumulate, rmi, rmsB);
    }
    for (let r = 0; r < 2; r++) {
      if (!rowOn(rmi, rmsB, r)) continue;
      rowTail(ci + <usize>r * ldcB, ai + <usize>r * amB, akB, b, ldbB, K, bi != 0 ? bi + (<usize>r << 2) : 0,
        accumulate, j, Nc, bPadded);
    }
  }
  for (; i < M; i++) {
    const rmi = rowMask != 0 ? rowMask + <usize>i * rmsB : 0;
    if (!rowOn(rmi, rmsB, 0)) continue;
    const ci = c + <usize>i * ldcB, ai = a + <usize>i * amB;
    const bi = bias != 0 ? bias + (<usize>i << 2) : 0;
    let j = 0;
    for (; j + 32 <= Nc; j += 32) {
      k1x32(ci + (<usize>j << 2), ai, akB, b + (<usize>j << 2), ldbB, K, bi, accumulate);
    }
    rowTail(ci, ai, akB, b, ldbB, K, bi, accumulate, j, Nc, bPadded);
  }
}

/** Columns j0..Nc of one row, one vector at a time. */
function rowTail(c: usize, a: usize, akB: usize, b: usize, ldbB: usize, K: i32, bias: usize, accumulate: bool,
  j0: i32, Nc: i32, bPadded: bool): void {
  for (let j = j0; j < Nc; j += 4) {
    const nr = min(4, Nc - j);
    k1x4(c + (<usize>j << 2), a, akB, b + (<usize>j << 2), ldbB, K, bias, accumulate, nr, bPadded || nr == 4);
  }
}

// ---------------------------------------------------------------------------------------------------
// NT: dot-product tiles.

/** Scalar dot product of n floats (the k tail). */
@inline function dotTail(a: usize, b: usize, n: i32): f32 {
  let s: f32 = 0;
  for (let k = 0; k < n; k++) s += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return s;
}

/** Rows a0, a1 of A against rows b0..b3 of B: C[0..1][0..3] = [C +] [bias[0..3] +] dots. */
function nt2x4(c: usize, ldcB: usize, a: usize, ldaB: usize, b: usize, ldbB: usize, K: i32, bias: usize,
  accumulate: bool, on0: bool, on1: bool): void {
  const a1 = a + ldaB;
  const b1 = b + ldbB, b2 = b1 + ldbB, b3 = b2 + ldbB;
  let x00 = f32x4.splat(0), x01 = x00, x02 = x00, x03 = x00, x10 = x00, x11 = x00, x12 = x00, x13 = x00;
  const K4 = K & ~3;
  for (let k = 0; k < K4; k += 4) {
    const o = <usize>k << 2;
    const u0 = v128.load(a + o), u1 = v128.load(a1 + o);
    let w = v128.load(b + o);
    x00 = madd(u0, w, x00);
    x10 = madd(u1, w, x10);
    w = v128.load(b1 + o);
    x01 = madd(u0, w, x01);
    x11 = madd(u1, w, x11);
    w = v128.load(b2 + o);
    x02 = madd(u0, w, x02);
    x12 = madd(u1, w, x12);
    w = v128.load(b3 + o);
    x03 = madd(u0, w, x03);
    x13 = madd(u1, w, x13);
  }
  let r0 = hsum4(x00, x01, x02, x03), r1 = hsum4(x10, x11, x12, x13);
  if (bias != 0) {
    const bv = v128.load(bias);
    r0 = f32x4.add(r0, bv);
    r1 = f32x4.add(r1, bv);
  }
  if (K4 < K) {
    const o = <usize>K4 << 2, n = K - K4;
    r0 = f32x4.add(r0, f32x4(dotTail(a + o, b + o, n), dotTail(a + o, b1 + o, n), dotTail(a + o, b2 + o, n),
      dotTail(a + o, b3 + o, n)));
    r1 = f32x4.add(r1, f32x4(dotTail(a1 + o, b + o, n), dotTail(a1 + o, b1 + o, n), dotTail(a1 + o, b2 + o, n),
      dotTail(a1 + o, b3 + o, n)));
  }
  if (on0) v128.store(c, accumulate ? f32x4.add(v128.load(c), r0) : r0);
  if (on1) v128.store(c + ldcB, accumulate ? f32x4.add(v128.load(c + ldcB), r1) : r1);
}

/** One row of A against rows b0..b3 of B. */
function nt1x4(c: usize, a: usize, b: usize, ldbB: usize, K: i32, bias: usize, accumulate: bool): void {
  const b1 = b + ldbB, b2 = b1 + ldbB, b3 = b2 + ldbB;
  let x0 = f32x4.splat(0), x1 = x0, x2 = x0, x3 = x0;
  const K4 = K & ~3;
  for (let k = 0; k < K4; k += 4) {
    const o = <usize>k << 2;
    const u = v128.load(a + o);
    x0 = madd(u, v128.load(b + o), x0);
    x1 = madd(u, v128.load(b1 + o), x1);
    x2 = madd(u, v128.load(b2 + o), x2);
    x3 = madd(u, v128.load(b3 + o), x3);
  }
  let r = hsum4(x0, x1, x2, x3);
  if (bias != 0) r = f32x4.add(r, v128.load(bias));
  if (K4 < K) {
    const o = <usize>K4 << 2, n = K - K4;
    r = f32x4.add(r, f32x4(dotTail(a + o, b + o, n), dotTail(a + o, b1 + o, n), dotTail(a + o, b2 + o, n),
      dotTail(a + o, b3 + o, n)));
  }
  v128.store(c, accumulate ? f32x4.add(v128.load(c), r) : r);
}

/** One row of A against one row of B: a single output. */
function nt1x1(a: usize, b: usize, K: i32): f32 {
  let x0 = f32x4.splat(0), x1 = x0;
  const K8 = K & ~7, K4 = K & ~3;
  let k = 0;
  for (; k < K8; k += 8) {
    const o = <usize>k << 2;
    x0 = madd(v128.load(a + o), v128.load(b + o), x0);
    x1 = madd(v128.load(a + o, 16), v128.load(b + o, 16), x1);
  }
  if (k < K4) {
    const o = <usize>k << 2;
    x0 = madd(v128.load(a + o), v128.load(b + o), x0);
  }
  return hsumPairs(f32x4.add(x0, x1)) + dotTail(a + (<usize>K4 << 2), b + (<usize>K4 << 2), K - K4);
}

/**
 * C (M, Nc) = [C +] [colBias +] A (M, K) x B (Nc, K)^T. Rows of A and B contiguous along k.
 * @param c, ldc  output and its row stride (floats); a, lda; b, ldb likewise
 * @param bias  per-column bias (Nc floats) or 0
 * @param rowMask, rowMaskStride  per-row store flags (float, 0 = row left untouched) or 0
 */
export function sgemmNT(c: usize, ldc: i32, a: usize, lda: i32, b: usize, ldb: i32, bias: usize,
  rowMask: usize, rowMaskStride: i32, M: i32, Nc: i32, K: i32, accumulate: bool): void {
  const ldcB = <usize>ldc << 2, ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, rmsB = <usize>rowMaskStride << 2;
  const N4 = Nc & ~3;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const ci = c + <usize>i * ldcB, ai = a + <usize>i * ldaB;
    const rmi = rowMask != 0 ? rowMask + <usize>i * rmsB : 0;
    const on0 = rowOn(rmi, rmsB, 0), on1 = rowOn(rmi, rmsB, 1);
    if (!on0 && !on1) continue;
    for (let j = 0; j < N4; j += 4) {
      nt2x4(ci + (<usize>j << 2), ldcB, ai, ldaB, b + <usize>j * ldbB, ldbB, K, bias != 0 ? bias + (<usize>j << 2) : 0,
        accumulate, on0, on1);
    }
  }
  for (; i < M; i++) {
    if (!rowOn(rowMask, rmsB, i)) continue;
    const ci = c + <usize>i * ldcB, ai = a + <usize>i * ldaB;
    for (let j = 0; j < N4; j += 4) {
      nt1x4(ci + (<usize>j << 2), ai, b + <usize>j * ldbB, ldbB, K, bias != 0 ? bias + (<usize>j << 2) : 0, accumulate);
    }
  }
  for (let j = N4; j < Nc; j++) {
    const bj = b + <usize>j * ldbB;
    const bb: f32 = bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0;
    for (let r = 0; r < M; r++) {
      if (!rowOn(rowMask, rmsB, r)) continue;
      const p = c + <usize>r * ldcB + (<usize>j << 2);
      const v = bb + nt1x1(a + <usize>r * ldaB, bj, K);
      store<f32>(p, accumulate ? load<f32>(p) + v : v);
    }
  }
}
