/**
 * The shared-memory (threads) kernels outside Node (`#threads-wasm` resolves here; Node embeds them in
 * wasm-threads.generated.ts): not embedded, so a bundle that never trains on threads does not carry a
 * second copy of the kernels. `threadsModule()` fetches them on first use from the package's own
 * build/ folder, named by literal `new URL(..., import.meta.url)` expressions, which bundlers such as vite
 * follow and copy; elsewhere (esbuild, a CDN) `init({ threadsWasm })` says where they are.
 */
export const WASM_THREADS_BASE64: string | null = null;
export const WASM_THREADS_RELAXED_BASE64: string | null = null;

/** Where the shared-memory build sits next to this module, or null where import.meta.url is gone (iife bundles). */
export function threadsWasmUrl(relaxed: boolean): URL | null {
  // Evaluated lazily: esbuild's iife output replaces import.meta with {}, and a top-level `new URL` would throw.
  if (typeof import.meta.url !== 'string') return null;
  return relaxed
    ? new URL('../../build/lenet5.threads-relaxed.wasm', import.meta.url)
    : new URL('../../build/lenet5.threads.wasm', import.meta.url);
}
