/**
 * One fit at a time per model: a second fit, or setWeights, during a fit throws an InvalidArgumentError
 * at once (no queueing, no interleaved updates); dispose during a fit stops it at the next batch with a
 * DisposedError.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { DisposedError, InvalidArgumentError } from '../../src/errors.js';
import { LeNet5 } from '../../src/models/lenet5.js';

beforeAll(async () => {
  await init();
});

const N = 64;
const data = (salt: number): { images: Uint8Array; labels: Uint8Array } => ({
  images: new Uint8Array(N * 784).map((_, i) => (((i + salt) * 2654435761) >>> 24) & 255),
  labels: new Uint8Array(N).map((_, i) => (i + salt) % 10),
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  return expect.fail('the promise resolved');
}

describe('one fit at a time', () => {
  it('a second concurrent fit rejects at once; the first trains exactly as alone', async () => {
    const alone = LeNet5.modern({ seed: 3 });
    await alone.fit(data(0), { epochs: 2, batchSize: 16, yieldEveryMs: 0 });
    const net = LeNet5.modern({ seed: 3 });
    const [first, second] = await Promise.allSettled([
      net.fit(data(0), { epochs: 2, batchSize: 16, yieldEveryMs: 0 }),
      net.fit(data(1), { epochs: 2, batchSize: 16, yieldEveryMs: 0 }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('rejected');
    const err = (second as PromiseRejectedResult).reason as Error;
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toMatch(/already training/);
    expect(Buffer.from(net.getWeights().buffer).equals(Buffer.from(alone.getWeights().buffer))).toBe(true);
    expect(net.epochsTrained).toBe(2);
    // Once the first has finished, fit works again.
    await net.fit(data(1), { epochs: 1, batchSize: 16 });
    expect(net.epochsTrained).toBe(3);
  });

  it('setWeights during a fit throws; after it, it works', async () => {
    const net = LeNet5.modern({ seed: 1 });
    const w = net.getWeights();
    let thrown: unknown = null;
    await net.fit(data(0), {
      batchSize: 16,
      onBatchEnd: () => {
        if (thrown === null) {
          try {
            net.setWeights(w);
            thrown = 'nothing';
          } catch (err) {
            thrown = err;
          }
        }
      },
    });
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as Error).message).toMatch(/setWeights: this model is training/);
    net.setWeights(w);
    expect(Buffer.from(net.getWeights().buffer).equals(Buffer.from(w.buffer))).toBe(true);
  });

  it('a fit that throws frees the model for the next fit', async () => {
    const net = LeNet5.modern({ seed: 1 });
    await expect(net.fit(data(0), { batchSize: 0 })).rejects.toThrow(/batchSize/);
    const h = await net.fit(data(0), { batchSize: 16 });
    expect(h.epochs.length).toBe(1);
  });

  it('dispose during a fit stops it at the next batch with a DisposedError', async () => {
    const net = LeNet5.modern({ seed: 1 });
    let batches = 0;
    const err = await rejection(net.fit(data(0), {
      epochs: 5,
      batchSize: 16,
      onBatchEnd: () => {
        batches++;
        if (batches === 2) net.dispose();
      },
    }));
    expect(err).toBeInstanceOf(DisposedError);
    expect(err.message).toMatch(/disposed during training/);
    expect(batches).toBe(2);
    expect(net.disposed).toBe(true);
  });
});
