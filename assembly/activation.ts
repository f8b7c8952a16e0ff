// Activations: elementwise ReLU, the paper's squashing function f(a) = A tanh(S a) with A = 1.7159,
// S = 2/3 (Appendix A), and the logistic sigmoid; row-wise softmax. Elementwise kernels may run in
// place (out == inp, dinp == dout). Every backward reads the forward OUTPUT, not the input.
//
// exp (Cephes expf) and the squashing function (through expm1, see squash4) are SIMD polynomial
// approximations (~1e-7 and 2.7e-7 relative error) evaluated four lanes at a time; the scalar tails run
// the same code on a splat so every element gets the same function whatever its position.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

import { hmax, hsum, madd } from './simd';

const A: f32 = 1.7159;
const S: f32 = 2.0 / 3.0;

/**
 * e^x per lane for x <= 88 (callers here pass x <= 0). Range reduction x = n ln2 + r with |r| <= ln2/2
 * (ln2 split in two so n ln2 is exact), a degree-6 polynomial for e^r, 2^n built in the exponent bits.
 * Below ln(2^-126) the result is 0 (the true value is subnormal or smaller).
 *
 * The clamp is pmin/pmax, one instruction each, where NaN-propagating min/max take several in V8 on x64;
 * and n = round(x log2 e) comes from adding 1.5 * 2^23, which rounds to nearest-even exactly as
 * f32x4.nearest does and leaves n in the low mantissa bits, so 2^n is that sum's bits shifted into the
 * exponent (no nearest, no trunc_sat conversion, which V8 expands to a long sequence). Bit-identical to
 * the nearest/trunc_sat form; the scaled tanh of the time went from 3.3 to 2.7 ns per element, sigmoid from 2.6 to 1.9.
 */
@inline function exp4(x: v128): v128 {
  const lo = f32x4.splat(-87.33654);
  const under = f32x4.lt(x, lo);
  let v = f32x4.pmin(f32x4.pmax(x, lo), f32x4.splat(88.0));
  const magic = f32x4.splat(12582912.0);
  const t = f32x4.add(f32x4.mul(v, f32x4.splat(1.44269504088896341)), magic);
  const fx = f32x4.sub(t, magic);
  v = f32x4.sub(v, f32x4.mul(fx, f32x4.splat(0.693359375)));
  v = f32x4.sub(v, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  // Estrin's scheme: the three pairs are independent, so the chain is half Horner's length.
  const z = f32x4.mul(v, v);
  const z2 = f32x4.mul(z, z);
  const p01 = f32x4.add(f32x4.mul(f32x4.splat(1.9875691500e-4), v), f32x4.splat(1.3981999507e-3));
  const p23 = f32x4.add(f32x4.mul(f32x4.splat(8.3334519073e-3), v), f32x4.splat(4.1665795894e-2));
  const p45 = f32x4.add(f32x4.mul(f32x4.splat(1.6666665459e-1), v), f32x4.splat(5.0000001201e-1));
  let y = f32x4.add(f32x4.add(f32x4.mul(p23, z), p45), f32x4.mul(p01, z2));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), v), f32x4.splat(1.0));
  const pow2n = i32x4.add(i32x4.shl(t, 23), i32x4.splat(127 << 23));
  return v128.andnot(f32x4.mul(y, pow2n), under);
}

/**
 * The squashing function f(a) = A tanh(S a) per lane, through expm1 so that one formula holds from 0 to
 * saturation: with u = -2 S |a|, em1 = e^u - 1 and tanh(S |a|) = -em1 / (2 + em1). em1 comes from the
 * range reduction u = n ln2 + r (|r| <= ln2/2, n from the 1.5 * 2^23 rounding trick as in exp4) as
 * 2^n q + (2^n - 1) with q = e^r - 1 = r + r^2 p(r), p of degree 4 (Chebyshev fit of (e^r - 1 - r) / r^2,
 * 2.5e-8 relative on q); for n = 0 that is q itself, so small |a| keep full relative accuracy without a
 * second polynomial and a select. |a| is clamped at 13.5 (S |a| = 9, where tanh is 1 in float32), so no
 * underflow test either; the sign of a is put back on the result, which makes f exactly odd.
 *
 * Checked over every float32 a in [0, 14) against 1.7159 tanh(2a/3) in float64 (bench/squash-check.ts), on
 * both builds: at most 2.7e-7 relative where the result is a normal float (3.8e-7 absolute), never
 * decreasing from one float to the next, never past A, f(-a) = -f(a) bit for bit. The formula it replaced
 * (Cephes tanhf: an odd polynomial below 0.625, (1 - e) / (1 + e) with e = exp(-2|x|) above, a select)
 * had 2.3e-7 and took 1.7 ns an element where this takes 1.0 (C1's 150,528 outputs at batch 32): V8 keeps
 * the vector constants of a loop in registers or spill slots, and the old one needed 24 of them and about
 * 55 operations a vector, this one 17 and about 33.
 */
@inline function squash4(a: v128): v128 {
  const ax = f32x4.pmin(f32x4.abs(a), f32x4.splat(13.5));
  const u = f32x4.mul(ax, f32x4.splat(-2.0 * S));
  const magic = f32x4.splat(12582912.0);
  // madd: the relaxed-SIMD build fuses each into one FMA (checked over every float32 like the baseline);
  // the baseline build computes exactly the mul-then-add it always did.
  const t = madd(u, f32x4.splat(1.44269504088896341), magic);
  const fx = f32x4.sub(t, magic);
  let r = madd(fx, f32x4.splat(-0.693359375), u);
  r = madd(fx, f32x4.splat(2.12194440e-4), r);
  // Estrin's scheme for p, as in exp4.
  const r2 = f32x4.mul(r, r);
  const p01 = madd(f32x4.splat(0.16666576266288757), r, f32x4.splat(0.5));
  const p23 = madd(f32x4.splat(0.008363181725144386), r, f32x4.splat(0.04166646674275398));
  const p = madd(f32x4.mul(r2, r2), f32x4.splat(0.0013933652080595493), madd(p23, r2, p01));
  const q = madd(r2, p, r);
  const pow2n = i32x4.add(i32x4.shl(t, 23), i32x4.splat(127 << 23));
  // -em1 = (1 - 2^n) - 2^n q, which is +0 (not -0) at a = 0, so f(0) = +0 and f(-0) = -0.
  const m = f32x4.sub(f32x4.sub(f32x4.splat(1.0), pow2n), f32x4.mul(pow2n, q));
  const y = f32x4.div(f32x4.mul(m, f32x4.splat(A)), f32x4.sub(f32x4.splat(2.0), m));
  return v128.or(y, v128.and(a, i32x4.splat(0x80000000)));
}

/** Logistic 1 / (1 + e^-x) per lane, via e = e^-|x| so the exponent never overflows. */
@inline function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0)));
}

/**
 * out (n) = max(inp, 0). pmax (x < 0 ? 0 : x) is one x86 maxps; f32x4.max's IEEE NaN and signed-zero
 * rules cost V8 several instructions a vector. A NaN still comes out NaN (the divergence guards see it);
 * only -0 stays -0, which equals 0 everywhere downstream.
 */
export function reluForward(out: usize, inp: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.pmax(v128.load(inp + o), zero));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, max(load<f32>(inp + o), 0));
  }
}

/** dinp (n) = dout where out > 0, else 0. */
export function reluBackward(dinp: usize, dout: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dinp + o, v128.and(v128.load(dout + o), f32x4.gt(v128.load(out + o), zero)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dinp + o, load<f32>(out + o) > 0 ? load<f32>(dout + o) : 0);
  }
}

/** out (n) = 1.7159 tanh(2 inp / 3). */
export function tanhForward(out: usize, inp: usize, n: i32): void {
  let i = 0;
  // Four independent vectors per pass: squash4 is one long dependency chain, and one vector at a time left
  // the core waiting on it (measured on the previous formula: 1 vector a pass 394 us, 2 300, 4 267 on C1;
  // on this one 4 a pass beat 2 by 18%).
  for (; i + 16 <= n; i += 16) {
    const o = (<usize>i) << 2;
    const y0 = squash4(v128.load(inp + o));
    const y1 = squash4(v128.load(inp + o, 16));
    const y2 = squash4(v128.load(inp + o, 32));
    const y3 = squash4(v128.load(inp + o, 48));
    v128.store(out + o, y0);
    v128.store(out + o, y1, 16);
    v128.store(out + o, y2, 32);
    v128.store(out + o, y3, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, squash4(v128.load(inp + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, f32x4.extract_lane(squash4(f32x4.splat(load<f32>(inp + o))), 0));
  }
}

/** dinp (n) = (S / A) (A^2 - out^2) dout, the derivative written in terms of the output. */
export function tanhBackward(dinp: usize, dout: usize, out: usize, n: i32): void {
  const k: f32 = S / A;
  const a2: f32 = A * A;
  const kv = f32x4.splat(k), a2v = f32x4.splat(a2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const y = v128.load(out + o);
    v128.store(dinp + o, f32x4.mul(f32x4.mul(kv, f32x4.sub(a2v, f32x4.mul(y, y))), v128.load(dout + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const y = load<f32>(out + o);
    store<f32>(dinp + o, k * (a2 - y * y) * load<f32>(dout + o));
  }
}

/** out (n) = 1 / (1 + e^-inp). */
export function sigmoidForward(out: usize, inp: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = (<usize>i) << 2;
    const y0 = sigmoid4(v128.load(inp + o));
    const y1 = sigmoid4(v128.load(inp + o, 16));
    const y2 = sigmoid4(v128.load(inp + o, 32));
    const y3 = sigmoid4(v128.load(inp + o, 48));
    v128.store(out + o, y0);
    v128.store(out + o, y1, 16);
    v128.store(out + o, y2, 32);
    v128.store(out + o, y3, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, sigmoid4(v128.load(inp + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(inp + o))), 0));
  }
}

/** dinp (n) = out (1 - out) dout. */
export function sigmoidBackward(dinp: usize, dout: usize, out: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const y = v128.load(out + o);
    v128.store(dinp + o, f32x4.mul(f32x4.mul(y, f32x4.sub(one, y)), v128.load(dout + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const y = load<f32>(out + o);
    store<f32>(dinp + o, y * (1 - y) * load<f32>(dout + o));
  }
}

/** out (N, C) = softmax of each row of inp (N, C); the row max is subtracted first so exp cannot overflow. */
export function softmaxForward(out: usize, inp: usize, N: i32, C: i32): void {
  for (let r = 0; r < N; r++) {
    const x = inp + ((<usize>(r * C)) << 2);
    const y = out + ((<usize>(r * C)) << 2);
    let mv = f32x4.splat(-Infinity);
    let c = 0;
    for (; c + 4 <= C; c += 4) mv = f32x4.max(mv, v128.load(x + ((<usize>c) << 2)));
    let m = hmax(mv);
    for (; c < C; c++) m = max(m, load<f32>(x + ((<usize>c) << 2)));
    const ms = f32x4.splat(m);
    let sv = f32x4.splat(0);
    let sum: f32 = 0;
    c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      const e = exp4(f32x4.sub(v128.load(x + o), ms));
      v128.store(y + o, e);
      sv = f32x4.add(sv, e);
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(x + o) - m)), 0);
      store<f32>(y + o, e);
      sum += e;
    }
    const inv: f32 = 1.0 / (hsum(sv) + sum);
    const iv = f32x4.splat(inv);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      v128.store(y + o, f32x4.mul(v128.load(y + o), iv));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      store<f32>(y + o, load<f32>(y + o) * inv);
    }
  }
}

/** dinp (N, C) = out * (dout - sum_c dout * out), row by row. */
export function softmaxBackward(dinp: usize, dout: usize, out: usize, N: i32, C: i32): void {
  for (let r = 0; r < N; r++) {
    const row = (<usize>(r * C)) << 2;
    const g = dout + row, y = out + row, d = dinp + row;
    let dv = f32x4.splat(0);
    let dot: f32 = 0;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      dv = f32x4.add(dv, f32x4.mul(v128.load(g + o), v128.load(y + o)));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      dot += load<f32>(g + o) * load<f32>(y + o);
    }
    dot += hsum(dv);
    const dots = f32x4.splat(dot);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      v128.store(d + o, f32x4.mul(v128.load(y + o), f32x4.sub(v128.load(g + o), dots)));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      store<f32>(d + o, load<f32>(y + o) * (load<f32>(g + o) - dot));
    }
  }
}
