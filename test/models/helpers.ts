/**
 * Test helpers for whole models: a Float64 backend (the twins over a Float64 shadow of the arena, for
 * finite-difference gradient checks of whole networks). Real datasets: test/util/data.ts.
 */
import type { Backend } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/js-backend.js';
import { bindKernels } from '../../src/backend/kernel-table.js';
import type { Region } from '../../src/memory.js';
import * as ref from '../../src/reference/index.js';

/**
 * The pure-TS twins in Float64: every float region is a Float64Array over a shadow buffer at twice the
 * byte offset (int32 and byte regions stay in the arena). Exposes `view(r)` so the model reads and writes the
 * same Float64 storage the kernels use.
 */
export function f64Backend(): Backend & { view(r: Region): Float64Array } {
  const base = createJsBackend();
  let shadow = new ArrayBuffer(2 * base.arena.capacity);
  // Grow the shadow when the arena grows (inside alloc), never while a kernel's arguments are being
  // viewed: a view taken before a growth would point into the old buffer and lose its writes.
  const arena = base.arena;
  const alloc = arena.alloc.bind(arena);
  arena.alloc = (length, label, dtype) => {
    const r = alloc(length, label, dtype);
    if (2 * arena.capacity > shadow.byteLength) {
      const next = new ArrayBuffer(2 * arena.capacity);
      new Uint8Array(next).set(new Uint8Array(shadow));
      shadow = next;
    }
    new Float64Array(shadow, r.ptr * 2, r.length).fill(0);
    return r;
  };
  const view = (r: Region): Float64Array => new Float64Array(shadow, r.ptr * 2, r.length);
  // The js backend's binding with Float64 views in place of the Float32 ones: derived from the kernel
  // table like the real backends, so no kernel can drop an argument or miss the Float64 storage.
  const kernels = bindKernels<Float64Array | Int32Array | Uint8Array | null>({
    f32: view, i32: (r) => r.i32, u8: (r) => r.u8, none: null,
  }, (name) => ref[name]);
  return { ...kernels, name: 'js', arena, view };
}
