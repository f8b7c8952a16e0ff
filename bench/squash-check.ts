/**
 * Every float32 a in [0, 14) through the wasm tanhForward (the squashing function 1.7159 tanh(2a/3)), in
 * chunks of 2^20 consecutive floats: the largest relative (normal results) and absolute error against Math.tanh in float64,
 * whether the output ever steps down from one float to the next, ever exceeds A, and f(-a) = -f(a) bit for
 * bit. The claims in assembly/activation.ts (squash4) come from this run, on each build:
 *   node scripts/run-ts.mjs bench/squash-check.ts                     (baseline SIMD build)
 *   node --experimental-wasm-relaxed-simd scripts/run-ts.mjs bench/squash-check.ts --relaxed   (FMA build)
 * About 30 s a build on one core.
 */
import { createBackend, init } from '../src/backend/load.js';

const relaxed = process.argv.includes('--relaxed');
const r = await init({ backend: 'wasm', relaxedSimd: relaxed });
if (r.relaxedSimd !== relaxed) throw new Error(`asked for the ${relaxed ? 'FMA' : 'baseline'} build, init() chose the other`);
const b = createBackend('wasm');
const n = 1 << 20;
const x = b.arena.alloc(n, 'a'), y = b.arena.alloc(n, 'f(a)'), yn = b.arena.alloc(n, 'f(-a)');
const A = Math.fround(1.7159);
const end = new Uint32Array(Float32Array.of(14).buffer)[0]!;
let maxRel = 0, maxAbs = 0, worst = 0, down = 0, above = 0, notOdd = 0, prev = -Infinity;
const t0 = performance.now();
for (let s = 0; s < end; s += n) {
  const m = Math.min(n, end - s);
  const bits = x.i32; // the bit patterns of consecutive floats (int32 view of the same bytes)
  for (let i = 0; i < m; i++) bits[i] = s + i;
  b.tanhForward(y, x, m);
  const xs = x.f32, ys = y.f32;
  for (let i = 0; i < m; i++) {
    const want = 1.7159 * Math.tanh((2 * xs[i]!) / 3);
    const d = Math.abs(ys[i]! - want);
    if (d > maxAbs) maxAbs = d;
    // Relative error where the result is a normal float32; below 2^-126 only absolute precision exists.
    if (want >= 2 ** -126 && d / want > maxRel) { maxRel = d / want; worst = xs[i]!; }
    if (ys[i]! < prev) down++;
    if (ys[i]! > A) above++;
    prev = ys[i]!;
  }
  for (let i = 0; i < m; i++) bits[i] = (s + i) | 0x80000000; // -a
  b.tanhForward(yn, x, m);
  for (let i = 0; i < m; i++) if (!Object.is(yn.f32[i], -ys[i]!)) notOdd++;
}
console.log(JSON.stringify({
  build: relaxed ? 'relaxed SIMD (FMA)' : 'baseline SIMD', floats: end, maxRelativeError: maxRel, atA: worst,
  maxAbsoluteError: maxAbs, stepsDown: down, aboveA: above, notOdd, seconds: +((performance.now() - t0) / 1000).toFixed(1),
}));
