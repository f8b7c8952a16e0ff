import type { Arena, Region } from '../memory.js';
import type { Kernels } from './kernels.js';

/**
 * Which kernels a model runs on: `'wasm'` (WebAssembly SIMD, the default where the engine validates SIMD) or `'js'`
 * (the pure-TypeScript twins, the fallback).
 */
export type BackendName = 'wasm' | 'js';

/**
 * A kernel set bound to one arena. Tensors are arena regions; the wasm backend passes their byte
 * offsets to the module, the js backend passes typed-array views to the pure-TS twins.
 */
export interface Backend extends Kernels<Region, Region> {
  /** Which kernels this backend runs: `'wasm'` or `'js'`. */
  readonly name: BackendName;
  /** The arena (one block of linear memory) every tensor of the model lives in. */
  readonly arena: Arena;
}
