import type { Arena, Region } from '../memory.js';
import type { Kernels } from './kernels.js';

export type BackendName = 'wasm' | 'js';

/**
 * A kernel set bound to one arena. Tensors are arena regions; the wasm backend passes their byte
 * offsets to the module, the js backend passes typed-array views to the pure-TS twins.
 */
export interface Backend extends Kernels<Region, Region> {
  readonly name: BackendName;
  readonly arena: Arena;
}
