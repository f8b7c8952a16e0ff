/**
 * Test helpers for whole models: a Float64 backend (the twins over a Float64 shadow of the arena, for
 * finite-difference gradient checks of whole networks) and the shared real datasets.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../src/backend/backend.js';
import { createJsBackend } from '../../src/backend/js-backend.js';
import { bindKernels } from '../../src/backend/kernel-table.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDigits } from '../../src/data/digits.node.js';
import { loadFashionMnist } from '../../src/data/mnist.node.js';
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

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The shared data folder: $LENET5_DATA_DIR, else ../shared/data next to the repository. */
export function dataDir(): string {
  return process.env['LENET5_DATA_DIR'] ?? join(root, '..', 'shared', 'data');
}

export function hasFashion(): boolean {
  return existsSync(join(dataDir(), 'fashion-mnist'));
}

/** Fashion-MNIST through the library's loader: the local copy when present, else the download path. */
export async function fashion(): Promise<{ train: Dataset; test: Dataset }> {
  const dir = join(dataDir(), 'fashion-mnist');
  return existsSync(dir) ? loadFashionMnist({ dir }) : loadFashionMnist();
}

/** digits.png (5,000 20x20 glyphs normalised the MNIST way) through the library's loader. */
export async function digits(): Promise<Dataset> {
  const path = join(dataDir(), 'digits', 'digits.png');
  return existsSync(path) ? loadDigits({ path }) : loadDigits();
}
