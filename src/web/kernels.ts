/**
 * The relaxed-SIMD (FMA) kernels for the page and its worker. Browser bundles embed only the baseline
 * SIMD build; the demo serves `lenet5.relaxed.wasm` next to the page and hands its bytes to
 * `init({ relaxedWasm })` where the engine validates relaxed SIMD. Bytes rather than a URL: the
 * library's streaming path reads a clone of the response and leaves the original unread, which the
 * browser then reports as an aborted request.
 */
import { hasRelaxedSimd, hasWasmSimd } from '../index.js';

export const RELAXED_WASM_FILE = 'lenet5.relaxed.wasm';

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
