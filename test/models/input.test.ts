/**
 * Inputs written through the bytesToInput kernel (predict, and training batches without distortion) hold
 * exactly the floats Dataset.writeBatch computes, for both normalisations, in any sample order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { Dataset } from '../../src/data/dataset.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { Rng } from '../util/rng.js';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

describe('model input from image bytes', () => {
  it.each(['modern', 'classic'] as const)('%s: the kernel path writes what Dataset.writeBatch writes, bit for bit', (preset) => {
    const n = 37;
    const rng = new Rng(preset === 'modern' ? 3 : 4);
    // Every byte value appears: the table must agree on all 256 levels.
    const images = Uint8Array.from({ length: n * 784 }, (_, i) => (i < 256 ? i : rng.int(0, 255)));
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const data = new Dataset({ images, labels, name: 'bytes' });
    const net = preset === 'modern' ? LeNet5.modern({ seed: 1, batchSize: 16 }) : LeNet5.classic({ seed: 1, batchSize: 16 });
    const m = net.model;
    const order = Uint32Array.from({ length: n }, (_, i) => (i * 17) % n);
    const N = 16;
    for (const start of [0, 16, 21]) {
      m.writeBatch(data, start, N, order);
      const got = Float32Array.from(m.view(m.inputRegion).subarray(0, N * m.inputSize));
      const want = new Float32Array(N * m.inputSize);
      const wantLabels = new Int32Array(N);
      data.writeBatch(want, wantLabels, start, N, { normalization: preset, order });
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(m.labels.i32.subarray(0, N))).toEqual(Array.from(wantLabels));
    }
    expect(() => m.writeBatch(data, 30, N, order)).toThrow(/batch \[30, 46\) is outside \[0, 37\]/);
  });
});
