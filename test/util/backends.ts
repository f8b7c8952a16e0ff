import { init, createBackend } from '../../src/backend/load.js';
import type { Backend } from '../../src/backend/backend.js';
import type { Region } from '../../src/memory.js';

let ready: Promise<unknown> | null = null;

/** A fresh wasm backend (own memory); compiles the embedded module once per test file. */
export async function wasmBackend(): Promise<Backend> {
  ready ??= init({ backend: 'wasm' }).then((r) => {
    // test/relaxed.test.ts reruns the kernel tests under --experimental-wasm-relaxed-simd and sets this:
    // the run must then really be on the relaxed (FMA) build, not silently on the baseline.
    if (process.env['LENET5_EXPECT_RELAXED'] === '1' && !r.relaxedSimd) {
      throw new Error('LENET5_EXPECT_RELAXED=1 but init() did not pick the relaxed-SIMD build');
    }
    return r;
  });
  await ready;
  return createBackend('wasm');
}

/** A fresh js backend (the pure-TS twins over an arena). */
export function jsBackend(): Backend {
  return createBackend('js');
}

/** Allocates a float32 region holding `values` (or `values` zeros when given a length). */
export function upload(b: Backend, values: ArrayLike<number> | number, label = 'tensor'): Region {
  const n = typeof values === 'number' ? values : values.length;
  const r = b.arena.alloc(n, label);
  if (typeof values !== 'number') r.f32.set(values);
  return r;
}

/** Allocates an int32 region holding `values`. */
export function uploadInt(b: Backend, values: ArrayLike<number>, label = 'ints'): Region {
  const r = b.arena.alloc(values.length, label, 'i32');
  r.i32.set(values);
  return r;
}

/** Float32 copy of a Float64 array (what the wasm kernel sees), and back to Float64 for the oracle. */
export function f32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}
export function f64(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a);
}
