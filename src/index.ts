/**
 * lenet5: LeNet-5 in Node and browsers. The browser/default entry; `index.node.ts` adds Node-only I/O.
 */
export { init, createBackend, hasWasmSimd, isInitialized } from './backend/load.js';
export type { InitOptions, InitResult, WasmSource } from './backend/load.js';
export type { Backend, BackendName } from './backend/backend.js';
export { KERNEL_NAMES, convScratchLength } from './backend/kernels.js';
export type { Kernels, KernelName } from './backend/kernels.js';
export { Arena, Region } from './memory.js';
export { VERSION } from './version.js';
export * from './data/index.js';
