/**
 * A checkpoint remembers a fingerprint of its training data: resuming on other data of the same size (other
 * labels, or other pixels) is a CheckpointError that says so; the same data resumes. The fingerprint is
 * checked on its own too: equal data, equal print; a changed label or pixel, another print.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { Dataset } from '../../src/data/dataset.js';
import { CheckpointError } from '../../src/errors.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { dataFingerprint } from '../../src/train/fit.js';

beforeAll(async () => {
  await init();
});

const N = 40;
const make = (shift: number, labelShift: number): Dataset => new Dataset({
  images: new Uint8Array(N * 784).map((_, i) => (((i + shift) * 2654435761) >>> 24) & 255),
  labels: new Uint8Array(N).map((_, i) => (i + labelShift) % 10),
});
const opts = { epochs: 2, batchSize: 8, seed: 3 } as const;

/** The checkpoint of a run on `data` aborted after its third batch. */
async function interrupted(data: Dataset): Promise<Uint8Array> {
  const net = LeNet5.modern({ seed: 1 });
  const ac = new AbortController();
  let bytes: Uint8Array | null = null;
  await net.fit(data, {
    ...opts, signal: ac.signal,
    checkpoint: { write: (b) => { bytes = b; } },
    onBatchEnd: (b) => { if (b.batch === 2) ac.abort(); },
  });
  expect(bytes).not.toBeNull();
  return bytes!;
}

describe('the training data fingerprint of checkpoints', () => {
  it('tells datasets apart by their labels and pixels, and equal ones alike', () => {
    const a = dataFingerprint(make(0, 0));
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(dataFingerprint(make(0, 0))).toBe(a);
    expect(dataFingerprint(make(0, 1))).not.toBe(a);
    const onePixel = make(0, 0);
    onePixel.images[7 * 100] = onePixel.images[7 * 100]! ^ 1;
    expect(dataFingerprint(onePixel)).not.toBe(a);
  });

  it('resumes on the same data, and refuses other data of the same size', async () => {
    const data = make(0, 0);
    const ckpt = await interrupted(data);
    const same = LeNet5.modern({ seed: 1 });
    await expect(same.fit(data, { ...opts, resume: ckpt })).resolves.toMatchObject({ aborted: false });
    for (const other of [make(0, 3), make(5, 0)]) {
      const net = LeNet5.modern({ seed: 1 });
      const err = await net.fit(other, { ...opts, resume: ckpt }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toMatch(/written on other training data \(fingerprint [0-9a-f]{8}, this run's [0-9a-f]{8}\) of the same size/);
    }
  });
});
