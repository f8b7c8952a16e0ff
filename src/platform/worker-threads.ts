/**
 * Whether worker threads can run here, and what the library's threads are called. Small and imported by
 * the core (fit and predictor decide before loading the threads code); starting threads is
 * start-thread.ts, part of the threads chunk.
 */
import { isNode } from './node-builtin.js';

/** Why this context cannot start worker threads, or null. */
export function threadsMissing(): string | null {
  return isNode() || typeof Worker === 'function' ? null : 'this context cannot start Web Workers';
}

export type WaitAsync = (a: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
export const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

let blocking: boolean | null = null;

/**
 * Whether this thread may block in Atomics.wait: a wait on a value that does not match returns at once
 * where blocking is allowed and throws (TypeError) on a browser's window thread.
 */
export function canBlock(): boolean {
  if (blocking === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

/** Why `threads` above 1 cannot run here (fit then trains on one thread and says why), or null when they can. */
export function threadsUnavailable(): string | null {
  if (!isNode() && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    return 'worker threads need a cross-origin isolated page (COOP: same-origin, COEP: require-corp) for shared memory';
  }
  if (typeof SharedArrayBuffer !== 'function') return 'this engine has no SharedArrayBuffer';
  const missing = threadsMissing();
  if (missing !== null) return missing;
  if (!canBlock() && typeof waitAsync !== 'function') {
    return 'this thread may not block on Atomics.wait and the engine has no Atomics.waitAsync; call fit from a Web Worker';
  }
  return null;
}
