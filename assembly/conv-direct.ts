// Direct convolution, forward only (inference: no column matrix is kept for a weight gradient). For layers
// with few weights per output map and rows a multiple of 4 wide (LeNet C1: 1 input map, 5x5 kernel, 28
// columns). im2col + GEMM spent ~30% of C1's forward writing and re-reading the 25 x 784 column matrix of
// every sample; here each k = (c, kh, kw) step reads its B vectors straight from the input row (unaligned
// loads at a k-dependent offset) and the weights of DR output maps from a small interleaved pack. Same
// products, summed in the same k order from the bias as the im2col path: the results are bit-identical.
//
// Tiles: DR maps x 12 columns of a row (9 accumulators), then the row's rest of 8 columns (6), or a rest of
// 4 columns in tiles of 3 rows (9 again); the fused ReLU is applied to each tile in registers.
//
// Contract: NCHW float32, pointers are byte offsets; arguments go outputs, then inputs and parameters, then
// the scratch, then the dimensions. conv.ts has already handled the mask (a masked copy of the weights) and
// the empty outputs, and calls this path only when directOk holds.
import { finishSample, PACK_MIN, padInput } from './conv-common';
import { madd, up4 } from './simd';

/**
 * Output maps per direct tile. 3 maps x 3 vectors = 9 accumulators + 3 inputs + 1 weight leave V8 room;
 * 6 x 2 (15 live vectors) spilled and ran 20% slower than im2col + GEMM, 4 x 2 wasted LeNet's 6 maps.
 */
const DR = 3;

/**
 * True when the direct path applies: inference (keep == 0: nothing kept for a weight gradient), output
 * rows a multiple of 4 wide (whole vectors, no tail), and DR rows of packed weights fitting the pack area.
 */
@inline export function directOk(keep: i32, K: i32, OW: i32): bool {
  return keep == 0 && OW % 4 == 0 && DR * K <= 4 * max(up4(K), PACK_MIN);
}

/** pack[k*DR + r] = weight[oc0 + r, k], rows past OC zero. */
function packDirect(pack: usize, weight: usize, oc0: i32, OC: i32, K: i32): void {
  for (let r = 0; r < DR; r++) {
    const oc = oc0 + r;
    for (let k = 0; k < K; k++) {
      store<f32>(pack + (<usize>(k * DR + r) << 2), oc < OC ? load<f32>(weight + (<usize>(oc * K + k) << 2)) : 0);
    }
  }
}

@inline function rowInitD(bias: usize, r: i32, rows: i32): v128 {
  return bias != 0 && r < rows ? v128.load32_splat(bias + (<usize>r << 2)) : f32x4.splat(0);
}

/**
 * DR maps x V vectors of 4 outputs (V = 1..3): V consecutive vectors of one output row, or with `stacked`
 * the same 4 columns of V consecutive rows. `x` is the input at (c = 0, row oh, column ow0) of a
 * (C, Hx, Wx) plane stack (planeB, rowB bytes), `pk` the packed weights, `o` the output at (oc0, oh, ow0),
 * `ob` bytes between maps, `os` between output rows. Only the first `rows` maps are stored; relu != 0:
 * max(., 0) before the store (a fused ReLU). V and stacked are compile-time constants at every call, so the
 * unused accumulators and offsets fold away.
 */
@inline function directTile(V: i32, stacked: bool, o: usize, ob: usize, os: usize, x: usize, planeB: usize,
  rowB: usize, pk: usize, bias: usize, rows: i32, relu: i32, C: i32, KH: i32, KW: i32): void {
  const i0 = rowInitD(bias, 0, rows), i1 = rowInitD(bias, 1, rows), i2 = rowInitD(bias, 2, rows);
  let x00 = i0, x01 = i0, x02 = i0;
  let x10 = i1, x11 = i1, x12 = i1;
  let x20 = i2, x21 = i2, x22 = i2;
  const rowB2 = rowB << 1;
  let w = pk;
  for (let c = 0; c < C; c++) {
    let row = x + <usize>c * planeB;
    for (let kh = 0; kh < KH; kh++) {
      let p = row;
      for (let kw = 0; kw < KW; kw++) {
        const b0 = v128.load(p);
        const b1 = V > 1 ? (stacked ? v128.load(p + rowB) : v128.load(p, 16)) : b0;
        const b2 = V > 2 ? (stacked ? v128.load(p + rowB2) : v128.load(p, 32)) : b0;
        let s = v128.load32_splat(w);
        x00 = madd(s, b0, x00);
        if (V > 1) x01 = madd(s, b1, x01);
        if (V > 2) x02 = madd(s, b2, x02);
        s = v128.load32_splat(w, 4);
        x10 = madd(s, b0, x10);
        if (V > 1) x11 = madd(s, b1, x11);
        if (V > 2) x12 = madd(s, b2, x12);
        s = v128.load32_splat(w, 8);
        x20 = madd(s, b0, x20);
        if (V > 1) x21 = madd(s, b1, x21);
        if (V > 2) x22 = madd(s, b2, x22);
        w += DR << 2;
        p += 4;
      }
      row += rowB;
    }
  }
  if (relu != 0) {
    const z = f32x4.splat(0);
    x00 = f32x4.pmax(x00, z); x01 = f32x4.pmax(x01, z); x02 = f32x4.pmax(x02, z);
    x10 = f32x4.pmax(x10, z); x11 = f32x4.pmax(x11, z); x12 = f32x4.pmax(x12, z);
    x20 = f32x4.pmax(x20, z); x21 = f32x4.pmax(x21, z); x22 = f32x4.pmax(x22, z);
  }
  storeD(V, stacked, o, os, x00, x01, x02);
  if (rows < 2) return;
  storeD(V, stacked, o + ob, os, x10, x11, x12);
  if (rows < 3) return;
  storeD(V, stacked, o + 2 * ob, os, x20, x21, x22);
}

/** Stores a map's V vectors: along the row, or with `stacked` one per output row (os bytes apart). */
@inline function storeD(V: i32, stacked: bool, o: usize, os: usize, a: v128, b: v128, c: v128): void {
  v128.store(o, a);
  if (V > 1) {
    if (stacked) v128.store(o + os, b);
    else v128.store(o, b, 16);
  }
  if (V > 2) {
    if (stacked) v128.store(o + 2 * os, c);
    else v128.store(o, c, 32);
  }
}

function direct12(o: usize, ob: usize, x: usize, planeB: usize, rowB: usize, pk: usize, bias: usize, rows: i32,
  relu: i32, C: i32, KH: i32, KW: i32): void {
  directTile(3, false, o, ob, 0, x, planeB, rowB, pk, bias, rows, relu, C, KH, KW);
}

function direct8(o: usize, ob: usize, x: usize, planeB: usize, rowB: usize, pk: usize, bias: usize, rows: i32,
  relu: i32, C: i32, KH: i32, KW: i32): void {
  directTile(2, false, o, ob, 0, x, planeB, rowB, pk, bias, rows, relu, C, KH, KW);
}

function direct4(o: usize, ob: usize, x: usize, planeB: usize, rowB: usize, pk: usize, bias: usize, rows: i32,
  relu: i32, C: i32, KH: i32, KW: i32): void {
  directTile(1, false, o, ob, 0, x, planeB, rowB, pk, bias, rows, relu, C, KH, KW);
}

/** 4 columns of 3 output rows (os bytes apart): the last 4 columns of rows 12k + 4 wide, 9 accumulators. */
function direct4x3(o: usize, ob: usize, os: usize, x: usize, planeB: usize, rowB: usize, pk: usize, bias: usize,
  rows: i32, relu: i32, C: i32, KH: i32, KW: i32): void {
  directTile(3, true, o, ob, os, x, planeB, rowB, pk, bias, rows, relu, C, KH, KW);
}

/**
 * One sample, direct: out (OC, OH, OW) from x (C, Hx, Wx) already zero-bordered (a valid convolution over
 * it), OW a multiple of 4. `pack` holds DR * K floats; with OC <= DR it is packed by the caller, once.
 * relu != 0: max(., 0) on each tile before it is stored.
 */
function convDirect(out: usize, x: usize, weight: usize, bias: usize, pack: usize, C: i32, Hx: i32, Wx: i32,
  OC: i32, KH: i32, KW: i32, OH: i32, OW: i32, relu: i32): void {
  const K = C * KH * KW;
  const rowB = <usize>Wx << 2, planeB = <usize>(Hx * Wx) << 2, ob = <usize>(OH * OW) << 2;
  for (let oc0 = 0; oc0 < OC; oc0 += DR) {
    if (OC > DR) packDirect(pack, weight, oc0, OC, K);
    const rows = min(DR, OC - oc0);
    const bi = bias != 0 ? bias + (<usize>oc0 << 2) : 0;
    const whole = OW - OW % 12;
    for (let oh = 0; oh < OH; oh++) {
      const xr = x + <usize>oh * rowB;
      const orow = out + <usize>oc0 * ob + (<usize>(oh * OW) << 2);
      let ow = 0;
      for (; ow < whole; ow += 12) {
        direct12(orow + (<usize>ow << 2), ob, xr + (<usize>ow << 2), planeB, rowB, pack, bi, rows, relu, C, KH, KW);
      }
      if (OW - whole == 8) {
        direct8(orow + (<usize>ow << 2), ob, xr + (<usize>ow << 2), planeB, rowB, pack, bi, rows, relu, C, KH, KW);
      }
    }
    if (OW - whole == 4) {
      // The last 4 columns in tiles of 3 rows: one row's 4 columns alone keep 3 accumulators, too few add
      // chains to hide their latency (they took a quarter of LeNet C1's time for a seventh of its outputs).
      const o4 = out + <usize>oc0 * ob + (<usize>whole << 2), x4 = x + (<usize>whole << 2), os = <usize>OW << 2;
      let oh = 0;
      for (; oh + 3 <= OH; oh += 3) {
        direct4x3(o4 + <usize>oh * os, ob, os, x4 + <usize>oh * rowB, planeB, rowB, pack, bi, rows, relu, C, KH, KW);
      }
      for (; oh < OH; oh++) {
        direct4(o4 + <usize>oh * os, ob, x4 + <usize>oh * rowB, planeB, rowB, pack, bi, rows, relu, C, KH, KW);
      }
    }
  }
}

/**
 * out (N, OC, OH, OW) = conv(inp, weight) + bias, sample by sample; relu / pooled as convForward. `pack`:
 * the pack area at the start of the scratch; `cols`: the column area, where a padded sample is bordered.
 */
@inline export function directForward(out: usize, pooled: usize, inp: usize, weight: usize, bias: usize, pack: usize,
  cols: usize, N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, relu: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const K = C * KH * KW;
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * OH * OW) << 2;
  if (OC <= DR) packDirect(pack, weight, 0, OC, K);
  const Hx = H + 2 * pad, Wx = W + 2 * pad;
  for (let n = 0; n < N; n++) {
    let x = inp + <usize>n * inB;
    if (pad > 0) {
      padInput(cols, x, C, H, W, pad);
      x = cols;
    }
    convDirect(out + <usize>n * outB, x, weight, bias, pack, C, Hx, Wx, OC, KH, KW, OH, OW, relu);
    finishSample(out, n, outB, OC, OH, OW, 0, pooled);
  }
}
