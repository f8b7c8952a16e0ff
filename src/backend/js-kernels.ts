/**
 * The kernels of the `js` backend: fast pure JavaScript where it pays (the convolutions and the dense
 * layers, ~99% of a LeNet-5 step), the plain twins of src/reference/ for everything else. The twins stay
 * the test oracle; these are tested against them on the same seeded random shapes as the wasm kernels
 * (test/kernels/conv.test.ts, dense.test.ts; test/backend/parity-coverage.test.ts checks every kernel
 * replaced here has such a case).
 *
 * How: the convolutions are im2col + GEMM (per sample, the column matrix (C*KH*KW, OH*OW) in a scratch
 * array, then out (OC, P) = W (OC, K) x col (K, P)); a convolution whose output is one pixel and has no
 * padding (C5) reads its input as the column matrix and runs as one GEMM over the batch, as a dense layer
 * does. The GEMMs keep a 4x4 block of the result in local variables (16 independent sums over k), which
 * is what lets V8's optimizing compiler keep them in registers; edges fall back to 1x4 rows and single
 * dot products. Sums run in float64 (JavaScript numbers) and are stored as float32.
 *
 * Scratch: module-level Float32Arrays grown on demand (never shrunk), so a call allocates nothing once
 * warm. A connection table (mask) becomes a zeroed copy of the masked weights; the weight gradient of a
 * masked layer is summed apart and added only where the table connects, so masked entries stay untouched.
 */
import * as ref from '../reference/index.js';
import type { Arr, Kernels } from './kernels.js';

// ---- Scratch ---------------------------------------------------------------------------------------------

let colS: Float32Array = new Float32Array(0);
let dcolS: Float32Array = new Float32Array(0);
let wS: Float32Array = new Float32Array(0);
let wtS: Float32Array = new Float32Array(0);
let dwS: Float32Array = new Float32Array(0);
let tS: Float32Array = new Float32Array(0);

const grown = (a: Float32Array, n: number): Float32Array => (a.length >= n ? a : new Float32Array(Math.max(n, 2 * a.length)));

// ---- GEMM ------------------------------------------------------------------------------------------------

/**
 * C[co + i*ldc + j] += sum_k A[ao + i*lda + k] * B[bo + k*ldb + j] for i < M, j < NC, k < K: A row-major
 * (M, K), B row-major (K, NC).
 */
export function gemmNN(C: Arr, co: number, ldc: number, A: Arr, ao: number, lda: number, B: Arr, bo: number, ldb: number,
  M: number, NC: number, K: number): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = ao + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const c0 = co + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    let j = 0;
    for (; j + 4 <= NC; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let b = bo + j;
      for (let k = 0; k < K; k++, b += ldb) {
        const y0 = B[b]!, y1 = B[b + 1]!, y2 = B[b + 2]!, y3 = B[b + 3]!;
        const x0 = A[a0 + k]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        const x1 = A[a1 + k]!;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        const x2 = A[a2 + k]!;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        const x3 = A[a3 + k]!;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
      C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
      C[c2 + j] += s20; C[c2 + j + 1] += s21; C[c2 + j + 2] += s22; C[c2 + j + 3] += s23;
      C[c3 + j] += s30; C[c3 + j + 1] += s31; C[c3 + j + 2] += s32; C[c3 + j + 3] += s33;
    }
    for (; j < NC; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let b = bo + j;
      for (let k = 0; k < K; k++, b += ldb) {
        const y = B[b]!;
        s0 += A[a0 + k]! * y; s1 += A[a1 + k]! * y; s2 += A[a2 + k]! * y; s3 += A[a3 + k]! * y;
      }
      C[c0 + j] += s0; C[c1 + j] += s1; C[c2 + j] += s2; C[c3 + j] += s3;
    }
  }
  for (; i < M; i++) {
    const a0 = ao + i * lda, c0 = co + i * ldc;
    let j = 0;
    for (; j + 4 <= NC; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let b = bo + j;
      for (let k = 0; k < K; k++, b += ldb) {
        const x = A[a0 + k]!;
        s0 += x * B[b]!; s1 += x * B[b + 1]!; s2 += x * B[b + 2]!; s3 += x * B[b + 3]!;
      }
      C[c0 + j] += s0; C[c0 + j + 1] += s1; C[c0 + j + 2] += s2; C[c0 + j + 3] += s3;
    }
    for (; j < NC; j++) {
      let s = 0;
      let b = bo + j;
      for (let k = 0; k < K; k++, b += ldb) s += A[a0 + k]! * B[b]!;
      C[c0 + j] += s;
    }
  }
}

/**
 * C[co + i*ldc + j] += sum_k A[ao + i*lda + k] * B[bo + j*ldb + k] for i < M, j < NC, k < K: A row-major
 * (M, K), B row-major (NC, K) (so every sum is a dot product of two contiguous rows).
 */
export function gemmNT(C: Arr, co: number, ldc: number, A: Arr, ao: number, lda: number, B: Arr, bo: number, ldb: number,
  M: number, NC: number, K: number): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = ao + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const c0 = co + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    let j = 0;
    for (; j + 4 <= NC; j += 4) {
      const b0 = bo + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < K; k++) {
        const y0 = B[b0 + k]!, y1 = B[b1 + k]!, y2 = B[b2 + k]!, y3 = B[b3 + k]!;
        const x0 = A[a0 + k]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        const x1 = A[a1 + k]!;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        const x2 = A[a2 + k]!;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        const x3 = A[a3 + k]!;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
      C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
      C[c2 + j] += s20; C[c2 + j + 1] += s21; C[c2 + j + 2] += s22; C[c2 + j + 3] += s23;
      C[c3 + j] += s30; C[c3 + j + 1] += s31; C[c3 + j + 2] += s32; C[c3 + j + 3] += s33;
    }
    for (; j < NC; j++) {
      const b0 = bo + j * ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const y = B[b0 + k]!;
        s0 += A[a0 + k]! * y; s1 += A[a1 + k]! * y; s2 += A[a2 + k]! * y; s3 += A[a3 + k]! * y;
      }
      C[c0 + j] += s0; C[c1 + j] += s1; C[c2 + j] += s2; C[c3 + j] += s3;
    }
  }
  for (; i < M; i++) {
    const a0 = ao + i * lda, c0 = co + i * ldc;
    let j = 0;
    for (; j + 4 <= NC; j += 4) {
      const b0 = bo + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = A[a0 + k]!;
        s0 += x * B[b0 + k]!; s1 += x * B[b1 + k]!; s2 += x * B[b2 + k]!; s3 += x * B[b3 + k]!;
      }
      C[c0 + j] += s0; C[c0 + j + 1] += s1; C[c0 + j + 2] += s2; C[c0 + j + 3] += s3;
    }
    for (; j < NC; j++) {
      const b0 = bo + j * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k]! * B[b0 + k]!;
      C[c0 + j] += s;
    }
  }
}

/** dst (cols, rows) = the transpose of src (rows, cols) starting at `so`. */
function transpose(dst: Float32Array, src: Arr, so: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const s = so + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s + c]!;
  }
}

// ---- Convolution -----------------------------------------------------------------------------------------

/**
 * col (C*KH*KW, OH*OW) = the patches of sample `io` of inp (C, H, W): row (c, kh, kw), column (oh, ow)
 * holds inp[c, oh + kh - pad, ow + kw - pad], 0 outside the image.
 */
function im2col(col: Float32Array, inp: Arr, io: number, C: number, H: number, W: number, KH: number, KW: number,
  pad: number, OH: number, OW: number): void {
  let r = 0;
  for (let c = 0; c < C; c++) {
    const plane = io + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r += OH * OW) {
        // Columns ow in [lo, hi) read inside the row; the others are padding.
        const lo = Math.min(OW, Math.max(0, pad - kw));
        const hi = Math.max(lo, Math.min(OW, W + pad - kw));
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh + kh - pad;
          const o = r + oh * OW;
          if (ih < 0 || ih >= H) {
            col.fill(0, o, o + OW);
            continue;
          }
          const s = plane + ih * W + kw - pad;
          for (let ow = 0; ow < lo; ow++) col[o + ow] = 0;
          for (let ow = lo; ow < hi; ow++) col[o + ow] = inp[s + ow]!;
          for (let ow = hi; ow < OW; ow++) col[o + ow] = 0;
        }
      }
    }
  }
}

/** The reverse of im2col: dinp (C, H, W) of sample `io` = the sum of each column entry at its pixel (overwritten). */
function col2im(dinp: Arr, io: number, dcol: Float32Array, C: number, H: number, W: number, KH: number, KW: number,
  pad: number, OH: number, OW: number): void {
  dinp.fill(0, io, io + C * H * W);
  let r = 0;
  for (let c = 0; c < C; c++) {
    const plane = io + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r += OH * OW) {
        const lo = Math.min(OW, Math.max(0, pad - kw));
        const hi = Math.max(lo, Math.min(OW, W + pad - kw));
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh + kh - pad;
          if (ih < 0 || ih >= H) continue;
          const o = r + oh * OW;
          const d = plane + ih * W + kw - pad;
          for (let ow = lo; ow < hi; ow++) dinp[d + ow] += dcol[o + ow]!;
        }
      }
    }
  }
}

/** The weights the GEMM reads: `weight` itself, or (with a connection table) a copy with the cut ones zeroed. */
function maskedWeights(weight: Arr, mask: Arr | null, OC: number, C: number, KK: number): Arr {
  if (mask === null) return weight;
  const K = C * KK;
  wS = grown(wS, OC * K);
  for (let oc = 0; oc < OC; oc++) {
    for (let c = 0; c < C; c++) {
      const at = (oc * C + c) * KK;
      if (mask[oc * C + c] === 0) wS.fill(0, at, at + KK);
      else for (let k = 0; k < KK; k++) wS[at + k] = weight[at + k]!;
    }
  }
  return wS;
}

/** Same contract as the twin (reference/conv.ts); `col`, `keep` are the wasm kernel's and change nothing here. */
export function convForward(out: Arr, inp: Arr, weight: Arr, bias: Arr, mask: Arr | null, col: Arr,
  N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number, keep = 0, relu = 0,
  pooled: Arr | null = null): void {
  void col;
  void keep;
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) return;
  const P = OH * OW;
  const K = C * KH * KW;
  const Wm = maskedWeights(weight, mask, OC, C, KH * KW);
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) out.fill(bias[oc]!, (n * OC + oc) * P, (n * OC + oc + 1) * P);
  }
  if (P === 1 && pad === 0) {
    // The input of a sample is its column matrix: out (N, OC) += inp (N, K) x Wm (OC, K)^T.
    gemmNT(out, 0, OC, inp, 0, K, Wm, 0, K, N, OC, K);
  } else {
    colS = grown(colS, K * P);
    for (let n = 0; n < N; n++) {
      im2col(colS, inp, n * C * H * W, C, H, W, KH, KW, pad, OH, OW);
      gemmNN(out, n * OC * P, P, Wm, 0, K, colS, 0, P, OC, P, K);
    }
  }
  if (relu !== 0) {
    const len = N * OC * P;
    for (let i = 0; i < len; i++) if (out[i]! < 0) out[i] = 0;
  }
  if (pooled !== null) ref.avgPoolForward(pooled, out, N, OC, OH, OW);
}

/** Same contract as the twin: dinp overwritten with the gradient through (masked) weights. */
export function convBackwardInput(dinp: Arr, dout: Arr, weight: Arr, mask: Arr | null, col: Arr,
  N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void {
  void col;
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  const K = C * KH * KW;
  if (OH <= 0 || OW <= 0) {
    dinp.fill(0, 0, N * C * H * W);
    return;
  }
  const P = OH * OW;
  const Wm = maskedWeights(weight, mask, OC, C, KH * KW);
  if (P === 1 && pad === 0) {
    // dinp (N, K) = dout (N, OC) x Wm (OC, K).
    dinp.fill(0, 0, N * K);
    gemmNN(dinp, 0, K, dout, 0, OC, Wm, 0, K, N, K, OC);
    return;
  }
  wtS = grown(wtS, K * OC);
  transpose(wtS, Wm, 0, OC, K);
  dcolS = grown(dcolS, K * P);
  for (let n = 0; n < N; n++) {
    // dcol (K, P) = Wm^T (K, OC) x dout (OC, P), then scattered back onto the pixels.
    dcolS.fill(0, 0, K * P);
    gemmNN(dcolS, 0, P, wtS, 0, OC, dout, n * OC * P, P, K, P, OC);
    col2im(dinp, n * C * H * W, dcolS, C, H, W, KH, KW, pad, OH, OW);
  }
}

/** Same contract as the twin: dweight += dout x patches (masked entries untouched), dbias += dout per map. */
export function convBackwardWeights(dweight: Arr, dbias: Arr, dout: Arr, inp: Arr, mask: Arr | null, col: Arr,
  N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number, reuse = 0): void {
  void col;
  void reuse;
  const OH = H + 2 * pad - KH + 1;
  const OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) return;
  const P = OH * OW;
  const K = C * KH * KW;
  for (let oc = 0; oc < OC; oc++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * OC + oc) * P;
      for (let p = 0; p < P; p++) s += dout[o + p]!;
    }
    dbias[oc] += s;
  }
  let target: Arr = dweight;
  if (mask !== null) {
    dwS = grown(dwS, OC * K);
    dwS.fill(0, 0, OC * K);
    target = dwS;
  }
  if (P === 1 && pad === 0) {
    // dW (OC, K) += dout^T (OC, N) x inp (N, K).
    tS = grown(tS, OC * N);
    transpose(tS, dout, 0, N, OC);
    gemmNN(target, 0, K, tS, 0, N, inp, 0, K, OC, K, N);
  } else {
    colS = grown(colS, K * P);
    for (let n = 0; n < N; n++) {
      im2col(colS, inp, n * C * H * W, C, H, W, KH, KW, pad, OH, OW);
      // dW (OC, K) += dout (OC, P) x col (K, P)^T.
      gemmNT(target, 0, K, dout, n * OC * P, P, colS, 0, P, OC, K, P);
    }
  }
  if (mask !== null) {
    const KK = KH * KW;
    for (let oc = 0; oc < OC; oc++) {
      for (let c = 0; c < C; c++) {
        if (mask[oc * C + c] === 0) continue;
        const at = (oc * C + c) * KK;
        for (let k = 0; k < KK; k++) dweight[at + k] += dwS[at + k]!;
      }
    }
  }
}

// ---- Dense -----------------------------------------------------------------------------------------------

/** Same contract as the twin: out (N, OUT) = bias + inp (N, IN) x weight (OUT, IN)^T. */
export function denseForward(out: Arr, inp: Arr, weight: Arr, bias: Arr, N: number, IN: number, OUT: number): void {
  for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) out[n * OUT + o] = bias[o]!;
  gemmNT(out, 0, OUT, inp, 0, IN, weight, 0, IN, N, OUT, IN);
}

/** Same contract as the twin: dinp = dout x weight (overwritten; skipped when null), dweight += dout^T x inp, dbias += column sums. */
export function denseBackward(dinp: Arr | null, dweight: Arr, dbias: Arr, dout: Arr, inp: Arr, weight: Arr,
  N: number, IN: number, OUT: number): void {
  if (dinp !== null) {
    dinp.fill(0, 0, N * IN);
    gemmNN(dinp, 0, IN, dout, 0, OUT, weight, 0, IN, N, IN, OUT);
  }
  tS = grown(tS, OUT * N);
  transpose(tS, dout, 0, N, OUT);
  gemmNN(dweight, 0, IN, tS, 0, N, inp, 0, IN, OUT, IN, N);
  for (let o = 0; o < OUT; o++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += tS[o * N + n]!;
    dbias[o] += s;
  }
}

// ---- The set ---------------------------------------------------------------------------------------------

/** The kernels replaced here; every other kernel of the js backend is its twin. */
export const FAST_JS_KERNELS = {
  convForward, convBackwardInput, convBackwardWeights, denseForward, denseBackward,
} as const;

/** The js backend's kernel set: FAST_JS_KERNELS over the twins. */
export const jsKernels: Kernels<Arr, Int32Array, Uint8Array> = { ...ref, ...FAST_JS_KERNELS };
