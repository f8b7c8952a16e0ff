/**
 * An aborted fit with `checkpoint` writes a checkpoint of the batch where it stopped (what `lenet5 train`
 * saves on SIGINT/SIGTERM), and resuming from it gives the weights of a run never interrupted, bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import type { TrainingProgress } from '../../src/train/fit.js';

beforeAll(async () => {
  await init();
});

const N = 64;
const data = {
  images: new Uint8Array(N * 784).map((_, i) => ((i * 2654435761) >>> 24) & 255),
  labels: new Uint8Array(N).map((_, i) => i % 10),
};
const opts = { epochs: 2, batchSize: 8, seed: 5 } as const;

describe('abort with a checkpoint', () => {
  it('writes where it stopped; resuming gives the uninterrupted weights', async () => {
    const whole = LeNet5.modern({ seed: 2 });
    await whole.fit(data, opts);

    const cut = LeNet5.modern({ seed: 2 });
    const ac = new AbortController();
    const written: { bytes: Uint8Array; progress: TrainingProgress }[] = [];
    const h = await cut.fit(data, {
      ...opts,
      signal: ac.signal,
      checkpoint: { write: (bytes, progress) => void written.push({ bytes, progress }) },
      onBatchEnd: (b) => {
        if (b.epoch === 0 && b.batch === 2) ac.abort();
      },
    });
    expect(h.aborted).toBe(true);
    expect(written).toHaveLength(1);
    expect(written[0]!.progress).toMatchObject({ epoch: 0, batch: 3, seen: 24 });

    const resumed = LeNet5.modern({ seed: 2 });
    await resumed.fit(data, { ...opts, resume: written[0]!.bytes });
    expect(Buffer.from(resumed.getWeights().buffer).equals(Buffer.from(whole.getWeights().buffer))).toBe(true);
  });
});
