// Implicit GEMM, forward only (inference, unmasked, output maps a multiple of 8: LeNet C3 of both presets,
// 6 -> 16 maps over 14x14 or 10x10). The im2col path wrote and re-read a 150 x 100 column matrix (60 KB,
// past L1) per C3 sample. Here the product runs the other way round, out^T (P, OC) = col^T (P, K) x
// W^T (K, OC), vectorised along the output maps: a tile is 4 output pixels x 8 maps (8 accumulators), and
// each k = (c, kh, kw) step splats 4 input pixels read straight from the sample (in L1) against two vectors
// of a W^T panel packed once per call (K x 8 floats a panel). The 4 pixels are consecutive in (oh, ow) order
// and may cross an output row. The tile's 4 x 8 results are transposed in registers and stored as 4-pixel
// runs of 8 maps, so the output keeps its (OC, OH, OW) layout. Same products, summed in the same k order
// from the bias as the im2col path: the results are bit-identical.
//
// Contract: NCHW float32, pointers are byte offsets; arguments go outputs, then inputs and parameters, then
// the scratch, then the dimensions. conv.ts has already handled the mask (a masked copy of the weights) and
// the empty outputs, and calls this path only when implicitOk holds.
import { finishSample, padInput } from './conv-common';
import { madd, up4 } from './simd';

/** Output maps per implicit tile (two vectors). */
const IM = 8;

/**
 * True when the implicit path applies: inference (keep == 0), whole groups of IM output maps, more than one
 * output pixel, and OC <= up4(P), so the (K, OC) panels fit where a (K, up4(P)) column matrix would go.
 */
@inline export function implicitOk(keep: i32, OC: i32, P: i32, K: i32): bool {
  return keep == 0 && OC % IM == 0 && P > 1 && OC <= up4(P);
}

/** Floats of the implicit path's W^T panels (rounded up to whole vectors). */
@inline function implicitPackLength(OC: i32, K: i32): i32 {
  return up4(OC * K);
}

/** pack[(g*K + k)*IM + j] = weight[g*IM + j, k]: W^T in panels of IM maps, one per map group g. */
function packImplicit(pack: usize, weight: usize, OC: i32, K: i32): void {
  for (let oc = 0; oc < OC; oc++) {
    const panel = pack + (<usize>((oc / IM) * K * IM + oc % IM) << 2);
    const row = weight + (<usize>(oc * K) << 2);
    for (let k = 0; k < K; k++) store<f32>(panel + (<usize>(k * IM) << 2), load<f32>(row + (<usize>k << 2)));
  }
}

/** In-register 4x4 transpose of (a, b, c, d), lane j of the result r_j: stores r_j at o + j*ob (np lanes). */
@inline function storeTransposed(o: usize, ob: usize, a: v128, b: v128, c: v128, d: v128, np: i32): void {
  const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(c, d, 0, 4, 1, 5), t3 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  storeLanes(o, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), np);
  storeLanes(o + ob, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), np);
  storeLanes(o + 2 * ob, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), np);
  storeLanes(o + 3 * ob, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), np);
}

/** Stores the first np (1..4) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, np: i32): void {
  if (np == 4) {
    v128.store(p, v);
    return;
  }
  v128.store32_lane(p, v, 0);
  if (np > 1) v128.store32_lane(p, v, 1, 4);
  if (np > 2) v128.store32_lane(p, v, 2, 8);
}

/**
 * 4 output pixels x IM maps. `x` is the input at (c = 0) of pixel 0's window, d1..d3 the byte offsets of
 * pixels 1..3's windows from it (`inRow`: 4, 8, 12, folded into the loads), `pk` the map group's panel,
 * `bias` its IM biases or 0, `o` the output at (map 0 of the group, pixel 0), `ob` bytes between maps.
 * Only the first np pixels are stored (the others repeat pixel np-1's window).
 */
@inline function implicitTile(inRow: bool, o: usize, ob: usize, x: usize, d1: usize, d2: usize, d3: usize,
  np: i32, pk: usize, bias: usize, relu: i32, C: i32, KH: i32, KW: i32, planeB: usize, rowB: usize): void {
  const b0 = bias != 0 ? v128.load(bias) : f32x4.splat(0);
  const b1 = bias != 0 ? v128.load(bias, 16) : f32x4.splat(0);
  let x00 = b0, x01 = b1, x10 = b0, x11 = b1, x20 = b0, x21 = b1, x30 = b0, x31 = b1;
  let w = pk;
  for (let c = 0; c < C; c++) {
    let row = x + <usize>c * planeB;
    for (let kh = 0; kh < KH; kh++) {
      let p = row;
      for (let kw = 0; kw < KW; kw++) {
        const w0 = v128.load(w), w1 = v128.load(w, 16);
        let s = v128.load32_splat(p);
        x00 = madd(s, w0, x00);
        x01 = madd(s, w1, x01);
        s = inRow ? v128.load32_splat(p, 4) : v128.load32_splat(p + d1);
        x10 = madd(s, w0, x10);
        x11 = madd(s, w1, x11);
        s = inRow ? v128.load32_splat(p, 8) : v128.load32_splat(p + d2);
        x20 = madd(s, w0, x20);
        x21 = madd(s, w1, x21);
        s = inRow ? v128.load32_splat(p, 12) : v128.load32_splat(p + d3);
        x30 = madd(s, w0, x30);
        x31 = madd(s, w1, x31);
        w += IM << 2;
        p += 4;
      }
      row += rowB;
    }
  }
  if (relu != 0) {
    const z = f32x4.splat(0);
    x00 = f32x4.pmax(x00, z); x01 = f32x4.pmax(x01, z);
    x10 = f32x4.pmax(x10, z); x11 = f32x4.pmax(x11, z);
    x20 = f32x4.pmax(x20, z); x21 = f32x4.pmax(x21, z);
    x30 = f32x4.pmax(x30, z); x31 = f32x4.pmax(x31, z);
  }
  storeTransposed(o, ob, x00, x10, x20, x30, np);
  storeTransposed(o + 4 * ob, ob, x01, x11, x21, x31, np);
}

function implicitInRow(o: usize, ob: usize, x: usize, pk: usize, bias: usize, relu: i32, C: i32, KH: i32, KW: i32,
  planeB: usize, rowB: usize): void {
  implicitTile(true, o, ob, x, 4, 8, 12, 4, pk, bias, relu, C, KH, KW, planeB, rowB);
}

function implicitAny(o: usize, ob: usize, x: usize, d1: usize, d2: usize, d3: usize, np: i32, pk: usize,
  bias: usize, relu: i32, C: i32, KH: i32, KW: i32, planeB: usize, rowB: usize): void {
  implicitTile(false, o, ob, x, d1, d2, d3, np, pk, bias, relu, C, KH, KW, planeB, rowB);
}

/** Byte offset, in a (Hx, Wx) input plane, of the window of output pixel p (valid convolution). */
@inline function windowAt(p: i32, OW: i32, rowB: usize): usize {
  return <usize>(p / OW) * rowB + (<usize>(p % OW) << 2);
}

/**
 * One sample, implicit GEMM: out (OC, OH, OW) from x (C, Hx, Wx) already zero-bordered (a valid convolution
 * over it), OC a multiple of IM, `pack` the W^T panels. relu != 0: max(., 0) on the tile before it is stored.
 */
function convImplicit(out: usize, x: usize, bias: usize, pack: usize, C: i32, Hx: i32, Wx: i32,
  OC: i32, KH: i32, KW: i32, OH: i32, OW: i32, relu: i32): void {
  const K = C * KH * KW, P = OH * OW;
  const rowB = <usize>Wx << 2, planeB = <usize>(Hx * Wx) << 2, ob = <usize>P << 2;
  for (let g = 0; g < OC; g += IM) {
    const pk = pack + (<usize>(g * K) << 2);
    const bi = bias != 0 ? bias + (<usize>g << 2) : 0;
    const og = out + <usize>g * ob;
    for (let p = 0; p < P; p += 4) {
      const np = min(4, P - p);
      const w0 = windowAt(p, OW, rowB);
      const o = og + (<usize>p << 2);
      if (np == 4 && p % OW + 4 <= OW) {
        implicitInRow(o, ob, x + w0, pk, bi, relu, C, KH, KW, planeB, rowB);
      } else {
        const d1 = windowAt(p + min(1, np - 1), OW, rowB) - w0;
        const d2 = windowAt(p + min(2, np - 1), OW, rowB) - w0;
        const d3 = windowAt(p + min(3, np - 1), OW, rowB) - w0;
        implicitAny(o, ob, x + w0, d1, d2, d3, np, pk, bi, relu, C, KH, KW, planeB, rowB);
      }
    }
  }
}

/**
 * out (N, OC, OH, OW) = conv(inp, weight) + bias, sample by sample; relu / pooled as convForward. `cols`:
 * the column area of the scratch, which holds the W^T panels and then, with pad > 0, the bordered sample.
 */
@inline export function implicitForward(out: usize, pooled: usize, inp: usize, weight: usize, bias: usize, cols: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, relu: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const K = C * KH * KW;
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * OH * OW) << 2;
  // The W^T panels at the start of the column area (a column matrix is K x Pp >= K x OC floats), then,
  // with pad > 0, the zero-bordered sample.
  packImplicit(cols, weight, OC, K);
  const tmp = cols + (<usize>implicitPackLength(OC, K) << 2);
  const Hx = H + 2 * pad, Wx = W + 2 * pad;
  for (let n = 0; n < N; n++) {
    let x = inp + <usize>n * inB;
    if (pad > 0) {
      padInput(tmp, x, C, H, W, pad);
      x = tmp;
    }
    convImplicit(out + <usize>n * outB, x, bias, cols, C, Hx, Wx, OC, KH, KW, OH, OW, relu);
    finishSample(out, n, outB, OC, OH, OW, 0, pooled);
  }
}
