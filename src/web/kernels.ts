/**
 * The relaxed-SIMD (FMA) kernels for the page and its worker. Browser bundles embed only the baseline
 * SIMD build; the demo serves `lenet5.relaxed.wasm` next to the page and hands its bytes to
 * `init({ relaxedWasm })` where the engine validates relaxed SIMD. Bytes rather than a URL: the
 * library's streaming path reads a clone of the response and leaves the original unread, which the
 * browser then reports as an aborted request.
 */
import { hasRelaxedSimd, hasWasmSimd } from '../index.js';

export const RELAXED_WASM_FILE = 'lenet5.relaxed.wasm';

/**
 * Files of data-parallel training, served next to the page by scripts/demo.mjs: the shared-memory kernels
 * (fetched only when a threaded fit starts, in the build matching the worker's: relaxed or baseline) and
 * the bundled `lenet5/worker` entry. The demo bundles with esbuild, which does not follow the library's
 * own `new URL(..., import.meta.url)`, so the page says where they are (init's `threadsWasm`, fit's `workerUrl`).
 */
export const threadsWasmFile = (relaxed: boolean): string => (relaxed ? 'lenet5.threads-relaxed.wasm' : 'lenet5.threads.wasm');
export const LENET5_WORKER_FILE = 'lenet5-worker.js';

/** The relaxed build's bytes, or null when the engine cannot run it or the page does not serve it. */
export async function relaxedKernels(url: string): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!hasWasmSimd() || !hasRelaxedSimd()) return null;
  try {
    const res = await fetch(url);
    if (!res.ok) return null;
    return new Uint8Array(await res.arrayBuffer());
  } catch {
    return null;
  }
}
