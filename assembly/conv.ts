// Convolution, stride 1, zero padding `pad` on every side: out (N, OC, OH, OW) from inp (N, C, H, W) and
// weight (OC, C, KH, KW), OH = H + 2*pad - KH + 1 (paper §II.B: C1, C3, C5). `mask` (OC, C) is the
// connection table of C3 (Table I) as DATA: forward and input gradient run the dense product over a copy
// of the weights whose unconnected blocks are zero (made once per call), and masked-out weight-gradient
// rows are simply not stored; no loop knows which maps are connected.
//
// Method: im2col + the register-blocked SGEMM of gemm.ts, one sample at a time so the column matrix
// stays in cache. With K = C*KH*KW and P = OH*OW:
//   forward          out_n (OC, P)  = W (OC, K) x col_n (K, P) + bias [then max(., 0): a fused ReLU]
//                    (inference with OW a multiple of 4, LeNet C1: a direct convolution, no column matrix;
//                    unmasked with OC a multiple of 8, LeNet's dense C3: an implicit GEMM, 4 output pixels
//                    x 8 maps a tile, read straight from the input planes, no column matrix either)
//   backward input   dcol (K, P)    = W^T (K, OC) x dout_n (OC, P), then col2im into dinp_n (a scatter-add,
//                                     or for input rows of 13..16 floats, LeNet C3, a gather per input row)
//   backward weights dW (OC, K)    += dout_n (OC, P) x col_n^T (P, K)  (dot products along P; with a mask,
//                                     one GEMM per input map c, whose rows oc are stored only where connected)
// When P == 1 (LeNet C5: a 5x5 kernel over 5x5 maps) the layer is a dense layer over the whole batch and
// runs as one GEMM with the batch as the long dimension (the weight gradient then reads a transposed
// column matrix, colT (N, C*KKp)).
//
// Scratch `col` (convScratchLength floats, src/backend/kernels.ts), in order:
//   pack    4*max(Kp, PACK_MIN) floats: the interleaved weights of the direct path
//   cols    the column matrices of the whole batch, N x (K, Pp) (the forward leaves them for the weight
//           gradient; the implicit GEMM of inference puts its (K, OC) W^T panels there instead), then
//           with pad > 0 one zero-bordered input sample (C, H+2pad, W+2pad); or when
//           P == 1 (N, K) / (N, Kp) / (N, C*KKp)
//   masked  with a mask, (OC, K): the weights with unconnected blocks zeroed
// where Xp is X rounded up to a multiple of 4 (rows padded so the SGEMM reads whole vectors).
import { reluForward } from './activation';
import { avgPoolForward } from './pool';
import { madd, sgemmNN, sgemmNT } from './gemm';

/** Least size of the pack area, in rows of 4 floats (src/backend/kernels.ts mirrors it). */
const PACK_MIN = 128;

@inline function up4(x: i32): i32 {
  return (x + 3) & ~3;
}

/** Byte offset of the column matrix inside the scratch (after the packed panel). */
@inline function colsOffset(K: i32): usize {
  return <usize>(4 * max(up4(K), PACK_MIN)) << 2;
}

@inline function zero(p: usize, n: i32): void {
  const z = f32x4.splat(0);
  if (n >= 4) {
    // Whole vectors, the last one overlapping the previous: no scalar tail on short rows.
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), z);
    if (i < n) v128.store(p + (<usize>(n - 4) << 2), z);
    return;
  }
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), 0);
}

/** Copies n floats, dst and src not overlapping (the last vector may rewrite lanes already copied). */
@inline function copy(dst: usize, src: usize, n: i32): void {
  if (n >= 4) {
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
    if (i < n) {
      const o = <usize>(n - 4) << 2;
      v128.store(dst + o, v128.load(src + o));
    }
    return;
  }
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline function addTo(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** col (K, OH*OW), row stride ldcol floats: col[(c, kh, kw), (oh, ow)] = x[c, oh+kh-pad, ow+kw-pad] or 0. */
function im2col(col: usize, ldcol: i32, x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32,
  OH: i32, OW: i32, tmp: usize = 0): void {
  if (pad > 0 && OW >= 4 && tmp != 0) {
    // Padded ("same") convolution: copy the sample into a zero-bordered (C, H+2pad, W+2pad) buffer once,
    // then take the valid path below (the per-row bounds work was most of the cost of modern conv1).
    padInput(tmp, x, C, H, W, pad);
    x = tmp;
    H += 2 * pad;
    W += 2 * pad;
    pad = 0;
  }
  let row = col;
  const rowB = <usize>ldcol << 2;
  if (pad == 0 && OW >= 4) {
    // Valid convolution (LeNet C3, classic C1): every output row reads OW in-range inputs. Whole vectors,
    // the last one overlapping, and no bounds work per row: this loop runs C*KH*KW*OH times per sample.
    const OW4 = OW & ~3, last = <usize>(OW - 4) << 2, srcRowB = <usize>W << 2, dstRowB = <usize>OW << 2;
    for (let c = 0; c < C; c++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          let src = x + (<usize>((c * H + kh) * W + kw) << 2);
          let dst = row;
          if (OW > 8 && OW <= 12) {
            // Three vectors a row, straight-line (LeNet C3: 10 columns; the general loop's per-row
            // bookkeeping cost as much as the copies).
            for (let oh = 0; oh < OH; oh++) {
              v128.store(dst, v128.load(src));
              v128.store(dst, v128.load(src, 16), 16);
              v128.store(dst + last, v128.load(src + last));
              src += srcRowB;
              dst += dstRowB;
            }
          } else {
            for (let oh = 0; oh < OH; oh++) {
              let i = 0;
              for (; i < OW4; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
              if (i < OW) v128.store(dst + last, v128.load(src + last));
              src += srcRowB;
              dst += dstRowB;
            }
          }
          row += rowB;
        }
      }
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        // Output columns ow whose input column ow + kw - pad falls inside the image.
        const lo = min(OW, max(0, pad - kw)), hi = max(lo, min(OW, W + pad - kw));
        for (let oh = 0; oh < OH; oh++) {
          const dst = row + (<usize>(oh * OW) << 2);
          const ih = oh + kh - pad;
          if (ih < 0 || ih >= H) {
            zero(dst, OW);
            continue;
          }
          zero(dst, lo);
          copy(dst + (<usize>lo << 2), x + (<usize>((c * H + ih) * W + lo + kw - pad) << 2), hi - lo);
          zero(dst + (<usize>hi << 2), OW - hi);
        }
        row += rowB;
      }
    }
  }
}

/** x (C, H, W) = sum of col (K, OH*OW) scattered back to the inputs each column entry was read from. */
function col2im(x: usize, col: usize, ldcol: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32,
  OH: i32, OW: i32): void {
  zero(x, C * H * W);
  let row = col;
  const rowB = <usize>ldcol << 2;
  if (pad == 0 && OW >= 4) {
    // Valid convolution: whole vectors, then the tail one float at a time. (An overlapping last vector would
    // load what the previous vector store just wrote, partially: a store-forwarding stall on every row.)
    const OW4 = OW & ~3, dstRowB = <usize>W << 2, srcRowB = <usize>OW << 2;
    for (let c = 0; c < C; c++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          let dst = x + (<usize>((c * H + kh) * W + kw) << 2);
          let src = row;
          for (let oh = 0; oh < OH; oh++) {
            let i = 0;
            for (; i < OW4; i += 4) {
              const o = <usize>i << 2;
              v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
            }
            for (; i < OW; i++) {
              const o = <usize>i << 2;
              store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
            }
            dst += dstRowB;
            src += srcRowB;
          }
          row += rowB;
        }
      }
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const lo = min(OW, max(0, pad - kw)), hi = max(lo, min(OW, W + pad - kw));
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh + kh - pad;
          if (ih < 0 || ih >= H) continue;
          addTo(x + (<usize>((c * H + ih) * W + lo + kw - pad) << 2), row + (<usize>(oh * OW + lo) << 2), hi - lo);
        }
        row += rowB;
      }
    }
  }
}

/**
 * col2im of a valid convolution whose input rows hold 13..16 floats (LeNet C3: 14), as a gather: each input
 * row is summed in four registers from every column entry that read it, then stored once. The scatter in
 * col2im adds 25 shifted rows into each input row one after another; consecutive kw rows overlap the
 * previous store at a one-float offset, which defeats store forwarding (26% of C3's input gradient).
 * Contributions arrive in the same (kh, kw) order as there, from +0: bit-identical. Lanes of a shifted row
 * that fall outside its OW entries read neighbouring entries and are cleared by per-kw lane masks (built
 * in `masks`, KW x 4 vectors). Never reads outside the column matrix.
 */
function col2imGather(x: usize, col: usize, ldcol: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32,
  OW: i32, masks: usize): void {
  for (let kw = 0; kw < KW; kw++) {
    for (let v = 0; v < 4; v++) {
      const jb = v < 3 ? 4 * v : W - 4;
      const j = i32x4.add(i32x4.splat(jb), i32x4(0, 1, 2, 3));
      const on = v128.and(i32x4.ge_s(j, i32x4.splat(kw)), i32x4.lt_s(j, i32x4.splat(kw + OW)));
      v128.store(masks + (<usize>(kw * 4 + v) << 4), on);
    }
  }
  const ldB = <usize>ldcol << 2, lastB = <usize>(W - 4) << 2;
  for (let c = 0; c < C; c++) {
    for (let ih = 0; ih < H; ih++) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      const kh1 = min(KH - 1, ih);
      for (let kh = max(0, ih - OH + 1); kh <= kh1; kh++) {
        // Row k = (c, kh, kw) at output row oh = ih - kh, shifted left by kw so entry ow lands on lane kw + ow.
        let src = col + <usize>((c * KH + kh) * KW) * ldB + (<usize>((ih - kh) * OW) << 2);
        let m = masks;
        for (let kw = 0; kw < KW; kw++) {
          a0 = f32x4.add(a0, v128.and(v128.load(src), v128.load(m)));
          a1 = f32x4.add(a1, v128.and(v128.load(src, 16), v128.load(m, 16)));
          a2 = f32x4.add(a2, v128.and(v128.load(src, 32), v128.load(m, 32)));
          a3 = f32x4.add(a3, v128.and(v128.load(src + lastB), v128.load(m, 48)));
          src += ldB - 4;
          m += 64;
        }
      }
      const dst = x + (<usize>((c * H + ih) * W) << 2);
      v128.store(dst, a0);
      v128.store(dst, a1, 16);
      v128.store(dst, a2, 32);
      v128.store(dst + lastB, a3);
    }
  }
}

/** colT (OH*OW, C*KKp), row stride ldt floats: colT[(oh, ow), c*KKp + kh*KW + kw] = x[c, ...] or 0. */
function im2colT(colT: usize, ldt: i32, KKp: i32, x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32,
  OH: i32, OW: i32): void {
  let dst = colT;
  const rowB = <usize>ldt << 2;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      for (let c = 0; c < C; c++) {
        let d = dst + (<usize>(c * KKp) << 2);
        const plane = x + (<usize>(c * H * W) << 2);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh + kh - pad;
          if (ih < 0 || ih >= H) {
            zero(d, KW);
          } else {
            const src = plane + (<usize>(ih * W) << 2);
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow + kw - pad;
              store<f32>(d + (<usize>kw << 2), iw >= 0 && iw < W ? load<f32>(src + (<usize>iw << 2)) : 0);
            }
          }
          d += <usize>KW << 2;
        }
      }
      dst += rowB;
    }
  }
}

/**
 * Byte offset of the masked copy of the weights (OC x K floats): the end of the scratch, after the pack
 * panel, the column matrices and the bordered sample (convScratchLength counts it when given OC).
 */
function maskedWeightsAt(col: usize, N: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, pad: i32): usize {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  const P = OH * OW, K = C * KH * KW;
  const padded = pad > 0 ? C * (H + 2 * pad) * (W + 2 * pad) : 0;
  const rest = max(N * K * up4(P) + padded, P == 1 ? N * C * up4(KH * KW) : 0);
  return col + colsOffset(K) + (<usize>rest << 2);
}

/** masked (OC, C*KK) = weight with every unconnected (oc, c) block zeroed (NaN there included). */
function maskWeights(masked: usize, weight: usize, mask: usize, OC: i32, C: i32, KK: i32): void {
  for (let oc = 0; oc < OC; oc++) {
    for (let c = 0; c < C; c++) {
      const at = <usize>((oc * C + c) * KK) << 2;
      if (load<f32>(mask + (<usize>(oc * C + c) << 2)) != 0) copy(masked + at, weight + at, KK);
      else zero(masked + at, KK);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Direct convolution (inference, unmasked, few weights per map: LeNet C1). im2col + GEMM spent ~30% of
// C1's forward writing and re-reading the 25 x 784 column matrix of every sample; here each k = (c, kh, kw)
// step reads its B vectors straight from the input row (unaligned loads at a k-dependent offset) and the
// weights of DR output maps from a small interleaved pack. Same products, summed in the same k order from
// the bias as the GEMM path: the results are bit-identical.

/**
 * Output maps per direct tile. 3 maps x 3 vectors = 9 accumulators + 3 inputs + 1 weight leave V8 room;
 * 6 x 2 (15 live vectors) spilled and ran 20% slower than im2col + GEMM, 4 x 2 wasted LeNet's 6 maps.
 */
const DR = 3;

/** True when the direct path applies (see convForward). */
@inline function directOk(keep: i32, K: i32, OW: i32): bool {
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

// ---------------------------------------------------------------------------------------------------
// Implicit GEMM (inference, output maps a multiple of 8: LeNet C3 of both presets). The im2col path wrote
// and re-read a 150 x 100 column matrix (60 KB, past L1) per C3 sample. Here the product runs the other way
// round, out^T (P, OC) = col^T (P, K) x W^T (K, OC), vectorised along the output maps: a tile is 4 output
// pixels x 8 maps (8 accumulators), and each k = (c, kh, kw) step splats 4 input pixels read straight from
// the sample (in L1) against two vectors of a W^T panel packed once per call (K x 8 floats a panel). The 4
// pixels are consecutive in (oh, ow) order and may cross an output row. The tile's 4 x 8 results are
// transposed in registers and stored as 4-pixel runs of 8 maps, so the output keeps its (OC, OH, OW) layout.
// Same products, summed in the same k order from the bias as the GEMM path: the results are bit-identical.

/** Output maps per implicit tile (two vectors). */
const IM = 8;

/** True when the implicit path applies (see convForward); its panel then fits the column area. */
@inline function implicitOk(keep: i32, OC: i32, P: i32, K: i32): bool {
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

/** Copies sample x (C, H, W) into tmp (C, H+2pad, W+2pad) with a zero border. */
function padInput(tmp: usize, x: usize, C: i32, H: i32, W: i32, pad: i32): void {
  const Hp = H + 2 * pad, Wp = W + 2 * pad;
  zero(tmp, C * Hp * Wp);
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      copy(tmp + (<usize>((c * Hp + h + pad) * Wp + pad) << 2), x + (<usize>((c * H + h) * W) << 2), W);
    }
  }
}

/** The fused ReLU and average pooling of sample n's maps, just computed and still in cache. */
@inline function finishSample(out: usize, n: i32, outB: usize, OC: i32, OH: i32, OW: i32, relu: i32, pooled: usize): void {
  const o = out + <usize>n * outB;
  if (relu != 0) reluForward(o, o, OC * OH * OW);
  if (pooled != 0) avgPoolForward(pooled + <usize>(n * OC * (OH >> 1) * (OW >> 1)) * 4, o, 1, OC, OH, OW);
}

/**
 * out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C, KH, KW)) + bias (OC); mask (OC, C) or 0.
 * keep != 0 (training): every sample's column matrix stays in `col` for convBackwardWeights(reuse = 1);
 * keep == 0 (inference): one matrix is rebuilt per sample, which stays in cache.
 * relu != 0: out = max(out, 0), applied to each sample's maps right after they are computed, while they are
 * still in cache (a separate ReLU pass over the batch streams them from memory again); the direct and
 * implicit paths of inference apply it to each tile in registers, before the store.
 * pooled != 0: also pooled (N, OC, OH>>1, OW>>1) = the 2x2 averages of out (an AvgPool2D layer fused in),
 * each sample's while its maps are still in cache.
 */
export function convForward(out: usize, inp: usize, weight: usize, bias: usize, mask: usize, col: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, keep: i32, relu: i32, pooled: usize): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) return;
  if (mask != 0) {
    // Table I: the dense convolution over a copy of the weights whose unconnected blocks are zero (made once
    // per call). Same products and sums as packing 4-row panels of masked weights per chunk of samples,
    // which made C3 3-5% slower than a dense C3.
    const masked = maskedWeightsAt(col, N, C, H, W, KH, KW, pad);
    maskWeights(masked, weight, mask, OC, C, KH * KW);
    convForward(out, inp, masked, bias, 0, col, N, C, H, W, OC, KH, KW, pad, keep, relu, pooled);
    return;
  }
  const P = OH * OW, Pp = up4(P), K = C * KH * KW;
  const pack = col, cols = col + colsOffset(K);
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * P) << 2;
  if (P == 1 && pad == 0) {
    // The kernel covers the whole unpadded input (LeNet C5): each sample's column IS its input, (N, K).
    sgemmNT(out, OC, inp, K, weight, K, bias, 0, 0, N, OC, K, false);
    if (relu != 0) reluForward(out, out, N * OC);
    return;
  }
  if (P == 1) {
    // One output per map: the column of sample n is its row of an (N, K) matrix; out (N, OC) = that x W^T.
    for (let n = 0; n < N; n++) {
      im2col(cols + <usize>(n * K) * 4, 1, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW);
    }
    sgemmNT(out, OC, cols, K, weight, K, bias, 0, 0, N, OC, K, false);
    if (relu != 0) reluForward(out, out, N * OC);
    return;
  }
  if (implicitOk(keep, OC, P, K)) {
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
    return;
  }
  if (directOk(keep, K, OW)) {
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
    return;
  }
  // With keep, sample n's columns stay at cols + n*K*Pp after the call: convBackwardWeights may reuse them.
  const colB = <usize>(K * Pp) << 2;
  const tmp = cols + <usize>N * colB;
  for (let n = 0; n < N; n++) {
    const colN = keep != 0 ? cols + <usize>n * colB : cols;
    im2col(colN, Pp, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW, tmp);
    sgemmNN(out + <usize>n * outB, P, weight, K, 1, colN, Pp, bias, 0, 0, OC, P, K, false, true);
    finishSample(out, n, outB, OC, OH, OW, relu, pooled);
  }
}

/** dinp (N, C, H, W) = gradient of the forward w.r.t. inp, OVERWRITTEN; dout (N, OC, OH, OW). */
export function convBackwardInput(dinp: usize, dout: usize, weight: usize, mask: usize, col: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) {
    zero(dinp, N * C * H * W);
    return;
  }
  if (mask != 0) {
    // As the forward: the dense pass over the masked copy of the weights.
    const masked = maskedWeightsAt(col, N, C, H, W, KH, KW, pad);
    maskWeights(masked, weight, mask, OC, C, KH * KW);
    convBackwardInput(dinp, dout, masked, 0, col, N, C, H, W, OC, KH, KW, pad);
    return;
  }
  const P = OH * OW, Pp = up4(P), K = C * KH * KW, Kp = up4(K);
  const cols = col + colsOffset(K);
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * P) << 2;
  if (P == 1 && pad == 0) {
    // Columns are the inputs themselves: dinp (N, K) = dout (N, OC) x W (OC, K), no scatter.
    sgemmNN(dinp, K, dout, OC, 1, weight, K, 0, 0, 0, N, K, OC, false, false);
    return;
  }
  if (P == 1) {
    // dcolT (N, K) = dout (N, OC) x W (OC, K); row n is sample n's column.
    sgemmNN(cols, Kp, dout, OC, 1, weight, K, 0, 0, 0, N, K, OC, false, false);
    for (let n = 0; n < N; n++) {
      col2im(dinp + <usize>n * inB, cols + (<usize>(n * Kp) << 2), 1, C, H, W, KH, KW, pad, OH, OW);
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    // A = W^T read in place: rows k are adjacent floats (am = 1), the reduction over oc strides K.
    sgemmNN(cols, Pp, weight, 1, K, dout + <usize>n * outB, P, 0, 0, 0, K, P, OC, false, false);
    if (pad == 0 && W > 12 && W <= 16) col2imGather(dinp + <usize>n * inB, cols, Pp, C, H, W, KH, KW, OH, OW, col);
    else col2im(dinp + <usize>n * inB, cols, Pp, C, H, W, KH, KW, pad, OH, OW);
  }
}

/**
 * dweight (OC, C, KH, KW) += gradient (masked entries untouched); dbias (OC) += dout summed per map.
 * `reuse` != 0: `col` still holds the columns convForward built from this same `inp` (no convBackwardInput
 * or other call on `col` in between), so they are read instead of rebuilt.
 */
export function convBackwardWeights(dweight: usize, dbias: usize, dout: usize, inp: usize, mask: usize, col: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32, reuse: i32): void {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  if (OH <= 0 || OW <= 0) return;
  const P = OH * OW, K = C * KH * KW, KK = KH * KW, KKp = up4(KK), ldt = C * KKp;
  const cols = col + colsOffset(K);
  const inB = <usize>(C * H * W) << 2, outB = <usize>(OC * P) << 2;

  // dbias[oc] += sum over n, p of dout[n, oc, p]
  for (let oc = 0; oc < OC; oc++) {
    let v = f32x4.splat(0);
    let s: f32 = 0;
    for (let n = 0; n < N; n++) {
      const row = dout + <usize>n * outB + (<usize>(oc * P) << 2);
      let p = 0;
      for (; p + 4 <= P; p += 4) v = f32x4.add(v, v128.load(row + (<usize>p << 2)));
      for (; p < P; p++) s += load<f32>(row + (<usize>p << 2));
    }
    const q = dbias + (<usize>oc << 2);
    store<f32>(q, load<f32>(q) + s + f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) +
      f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  }

  // Per input map c the mask is one flag per output row: rows with flag 0 are left untouched.
  const rowMask = mask;
  if (P == 1 && mask == 0 && pad == 0) {
    // Columns are the inputs themselves: dW (OC, K) += dout^T (OC, N) x inp (N, K), as a dense layer.
    sgemmNN(dweight, K, dout, 1, OC, inp, K, 0, 0, 0, OC, K, N, true, false);
    return;
  }
  if (P == 1) {
    // The batch is the reduction: colT (N, C*KKp), A[oc, n] = dout[n, oc].
    for (let n = 0; n < N; n++) {
      im2colT(cols + (<usize>(n * ldt) << 2), ldt, KKp, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW);
    }
    for (let c = 0; c < C; c++) {
      sgemmNN(dweight + (<usize>(c * KK) << 2), K, dout, 1, OC, cols + (<usize>(c * KKp) << 2), ldt, 0,
        rowMask != 0 ? rowMask + (<usize>c << 2) : 0, C, OC, KK, N, true, true);
    }
    return;
  }
  // dW[oc, k] += dot(dout_n[oc, :], col_n[k, :]): both contiguous along the output positions.
  const Pp = up4(P);
  const colB = <usize>(K * Pp) << 2;
  const tmp = cols + <usize>N * colB;
  for (let n = 0; n < N; n++) {
    const doutN = dout + <usize>n * outB;
    const colN = reuse != 0 ? cols + <usize>n * colB : cols;
    if (reuse == 0) im2col(colN, Pp, inp + <usize>n * inB, C, H, W, KH, KW, pad, OH, OW, tmp);
    if (mask == 0) {
      sgemmNT(dweight, K, doutN, P, colN, Pp, 0, 0, 0, OC, K, P, true);
      continue;
    }
    for (let c = 0; c < C; c++) {
      sgemmNT(dweight + (<usize>(c * KK) << 2), K, doutN, P, colN + (<usize>(c * KK * Pp) << 2), Pp, 0,
        mask + (<usize>c << 2), C, OC, KK, P, true);
    }
  }
}
