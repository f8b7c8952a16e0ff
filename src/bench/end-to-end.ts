/**
 * End-to-end benchmark: training samples/s (batch 32) and inference images/s (batch 256 and batch 1)
 * of both presets on the wasm and js backends, one thread, on random 28x28 images (speed does not
 * depend on the pixels). Needs `init()` first.
 */
import type { BackendName } from '../backend/backend.js';
import { LeNet5 } from '../models/lenet5.js';

export interface EndToEndRow {
  model: 'modern' | 'classic';
  backend: BackendName;
  trainSamplesPerSec: number;
  inferBatch256PerSec: number;
  inferBatch1PerSec: number;
}

function randomImages(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = next() & 255;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = next() % 10;
  return { images, labels };
}

const make = (model: 'modern' | 'classic', backend: BackendName, batchSize: number) =>
  model === 'classic' ? LeNet5.classic({ backend, batchSize, seed: 1 }) : LeNet5.modern({ backend, batchSize, seed: 1 });

/** Times one preset on one backend; `scale` shrinks the work for the slow js backend. */
export async function benchEndToEnd(model: 'modern' | 'classic', backend: BackendName): Promise<EndToEndRow> {
  const scale = backend === 'js' ? 1 : 8;
  const data = randomImages(512 * scale, 7);
  const trainer = make(model, backend, 32);
  // Warm-up epoch on a slice (JIT tiers, SDLM's first h_kk estimate), then the timed one.
  await trainer.fit({ images: data.images.subarray(0, 64 * 784), labels: data.labels.subarray(0, 64) }, { epochs: 1 });
  const h = await trainer.fit(data, { epochs: 1, batchSize: 32 });
  const trainSamplesPerSec = h.epochs[0]!.samplesPerSecond;

  const big = make(model, backend, 256);
  big.predictBatch(data.images, 256);
  let t0 = performance.now();
  big.predictBatch(data.images, data.labels.length);
  const inferBatch256PerSec = data.labels.length / ((performance.now() - t0) / 1000);

  const one = make(model, backend, 1);
  const n = 200 * scale;
  one.predict(data.images.subarray(0, 784));
  t0 = performance.now();
  for (let i = 0; i < n; i++) one.predict(data.images.subarray((i % data.labels.length) * 784, (i % data.labels.length + 1) * 784));
  const inferBatch1PerSec = n / ((performance.now() - t0) / 1000);
  return {
    model, backend,
    trainSamplesPerSec: Math.round(trainSamplesPerSec),
    inferBatch256PerSec: Math.round(inferBatch256PerSec),
    inferBatch1PerSec: Math.round(inferBatch1PerSec),
  };
}

export const END_TO_END_HEADER = `${'model'.padEnd(8)} ${'backend'.padEnd(8)} ${'train/s b32'.padStart(12)} ` +
  `${'infer/s b256'.padStart(13)} ${'infer/s b1'.padStart(11)}`;

export function formatEndToEndRow(r: EndToEndRow): string {
  return `${r.model.padEnd(8)} ${r.backend.padEnd(8)} ${String(r.trainSamplesPerSec).padStart(12)} ` +
    `${String(r.inferBatch256PerSec).padStart(13)} ${String(r.inferBatch1PerSec).padStart(11)}`;
}
