// Small f32x4 helpers shared by the kernel files: the multiply-add of every inner loop, horizontal sums and
// maxima, and whole-vector fill/copy/accumulate over a run of floats. Everything here is @inline, so it
// costs no call, and none of it is a kernel: index.ts does not re-export this file (nothing here becomes
// a module export).
//
// Pointers are byte offsets into the module's memory; lengths are in floats.
//
// Why there are two horizontal sums: float addition is not associative, and each kernel's results are
// pinned bit for bit (by the tests against the pure-TS twins, and by the pretrained weights, which
// `npm run pretrain` reproduces exactly). The elementwise kernels (softmax, RBF, subsampling) have always
// summed the lanes in order, ((l0 + l1) + l2) + l3: `hsum`. The SGEMM dot-product tiles reduce pairs
// first, (l0 + l2) + (l1 + l3), which is what a shuffle-and-add tree gives and what `hsum4` does for four
// vectors at once: `hsumPairs` is that order for one vector. Swapping one for the other would change the
// last bit of some results.

/**
 * acc + a * b per lane. The relaxed-SIMD build (`--enable relaxed-simd`) fuses it into one FMA (one
 * rounding instead of two, half the instructions); the baseline build multiplies then adds.
 */
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Sum of the four lanes, added in lane order: ((l0 + l1) + l2) + l3. */
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Sum of the four lanes, pairs first: (l0 + l2) + (l1 + l3), the order of each lane of `hsum4`. */
@inline export function hsumPairs(a: v128): f32 {
  const s = f32x4.add(a, i32x4.shuffle(a, a, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** [sum(a), sum(b), sum(c), sum(d)], each sum (l0 + l2) + (l1 + l3): four reductions in five shuffle-adds. */
@inline export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(ab, cd, 0, 1, 4, 5), i32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/** Largest of the four lanes. */
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** x rounded up to a multiple of 4: floats in whole vectors (rows padded so loops read whole vectors). */
@inline export function up4(x: i32): i32 {
  return (x + 3) & ~3;
}

/** p[0..n) = 0. */
@inline export function zero(p: usize, n: i32): void {
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
@inline export function copy(dst: usize, src: usize, n: i32): void {
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

/** dst[0..n) += src[0..n): whole vectors, then the tail one float at a time. */
@inline export function addTo(dst: usize, src: usize, n: i32): void {
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
