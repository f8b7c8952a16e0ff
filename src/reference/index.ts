/**
 * The pure-TS twins of every wasm kernel: same names, same argument order, over Float32Array (parity,
 * the `js` backend's kernels that backend/js-kernels.ts does not replace) or Float64Array (finite-difference
 * gradient checks). Plain loops over flat arrays, written to be obviously right: the test oracle.
 */
import type { Arr, Kernels } from '../backend/kernels.js';

export * from './conv.js';
export * from './pool.js';
export * from './dense.js';
export * from './rbf.js';
export * from './activation.js';
export * from './loss.js';
export * from './optim.js';
export * from './hessian.js';
export * from './dropout.js';
export * from './input.js';

// Compile-time check that the twins cover the whole kernel set with matching signatures.
type CoversKernels = typeof import('./index.js') extends Kernels<Arr, Int32Array, Uint8Array> ? true : never;
export const twinsCoverKernels: CoversKernels = true;
