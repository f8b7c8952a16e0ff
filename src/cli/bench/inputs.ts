/**
 * What the end-to-end benchmarks run on: a preset built from seed 1, and seeded random digits-sized
 * images with labels (an LCG, so every section and the TF.js peers see the same bytes for a seed).
 */
import type { BackendName } from '../../backend/backend.js';
import { LeNet5 } from '../../models/lenet5.js';

export type Preset = 'modern' | 'classic';

/** n random 28x28 images (bytes) and labels 0..9, from `seed`. */
export function randomData(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0 || 1;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = next() >>> 24;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = (next() >>> 16) % 10;
  return { images, labels };
}

/** The preset with weights from seed 1, its arena laid out for `batchSize`. */
export const benchNet = (model: Preset, backend: BackendName, batchSize: number): LeNet5 =>
  model === 'modern' ? LeNet5.modern({ seed: 1, backend, batchSize }) : LeNet5.classic({ seed: 1, backend, batchSize });
