import { Arena, PlainMemory } from '../memory.js';
import type { Backend } from './backend.js';
import { jsKernels } from './js-kernels.js';
import { bindKernels, type TensorPassing } from './kernel-table.js';

/** How the js backend passes tensors: typed-array views of the regions, null as null. */
const JS_PASSING: TensorPassing<Float32Array | Int32Array | Uint8Array | null> = {
  f32: (r) => r.f32,
  i32: (r) => r.i32,
  u8: (r) => r.u8,
  none: null,
};

/**
 * The pure-JS kernels (js-kernels.ts: fast convolutions and dense layers over the twins) bound to an arena. The arena lives in a WebAssembly.Memory when the engine has one
 * (same layout rules as the wasm backend), else in a plain ArrayBuffer.
 */
export function createJsBackend(maxBytes?: number): Backend {
  const memory = typeof WebAssembly === 'object' ? new WebAssembly.Memory({ initial: 1 }) : new PlainMemory(1);
  const arena = new Arena(memory, 0, maxBytes);
  return { name: 'js', arena, ...bindKernels(JS_PASSING, (name) => jsKernels[name]) };
}
