// Entry of the bench-only build (`npm run asbuild:bench`: build/lenet5.bench.wasm and, with relaxed SIMD,
// build/lenet5.bench-relaxed.wasm; not in the package). It holds the SIMD ceiling the benchmarks report
// against (src/bench/suite.ts measureSimdCeiling): the SGEMM micro-kernel's inner loop (4 rows x 8
// columns, 8 f32x4 accumulators, one splat per row and two B vectors per k, as gemm.ts k4x8) over operands
// that stay in L1, so its time is arithmetic throughput alone. It uses the same madd as the kernels:
// mul+add in the baseline build, a fused multiply-add in the relaxed-SIMD build. A separate build keeps a
// benchmark kernel out of the production module.
//
// Pointers are byte offsets; the caller lays its buffers from heapBase().
import { madd } from './simd';

export { heapBase } from './heap';

/** c (4, 8) = sum over `reps` passes of a (4, K) x b (K, 8), a column-major (k-th column at a + 16k). */
export function simdCeiling(c: usize, a: usize, b: usize, K: i32, reps: i32): void {
  let x00 = f32x4.splat(0), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00, x30 = x00, x31 = x00;
  for (let r = 0; r < reps; r++) {
    let pa = a, pb = b;
    for (let k = 0; k < K; k++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa, 4);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa, 8);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa, 12);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
      pa += 16;
      pb += 32;
    }
  }
  v128.store(c, x00); v128.store(c, x01, 16); v128.store(c, x10, 32); v128.store(c, x11, 48);
  v128.store(c, x20, 64); v128.store(c, x21, 80); v128.store(c, x30, 96); v128.store(c, x31, 112);
}
