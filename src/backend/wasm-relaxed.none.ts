/**
 * The relaxed-SIMD kernels are not embedded in browser builds (`#relaxed-wasm` resolves here outside
 * Node), so a bundle carries one copy of the kernels; pass `init({ relaxedWasm })` to use them there.
 */
export const WASM_RELAXED_BASE64: string | null = null;
