/**
 * The shared-memory (threads) kernels are not embedded in browser builds (`#threads-wasm` resolves here
 * outside Node): data-parallel training there runs on one thread with a notice.
 */
export const WASM_THREADS_BASE64: string | null = null;
export const WASM_THREADS_RELAXED_BASE64: string | null = null;
