/**
 * Resource limits: the arena never grows while training (memory size, view generation and arena top are
 * constant across hundreds of steps, evaluation and prediction); a model, batch or optimizer state that
 * would exceed the memory maximum fails up front with a MemoryLimitError, and the model stays usable.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { MemoryLimitError } from '../../src/errors.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { adam, sdlm, sgd } from '../../src/train/optimizers.js';

beforeAll(async () => {
  await init();
});

const data = (n: number): { images: Uint8Array; labels: Uint8Array } => ({
  images: new Uint8Array(n * 784).map((_, i) => ((i * 2654435761) >>> 24) & 255),
  labels: new Uint8Array(n).map((_, i) => i % 10),
});

describe('the arena never grows during training', () => {
  it.each([
    ['modern, Adam, batch 4', () => LeNet5.modern({ seed: 1, batchSize: 4 }), { batchSize: 4, optimizer: adam() }, 800, 1],
    ['classic, SDLM, batch 1', () => LeNet5.classic({ seed: 1, batchSize: 1 }), { batchSize: 1, optimizer: sdlm({ samples: 20 }) }, 150, 2],
  ] as const)('%s: hundreds of steps, evaluate and predict in between', async (_name, make, opts, n, epochs) => {
    const net = make();
    const train = data(n);
    // The first fit lays out the optimizer state (before training starts); from then on nothing moves.
    await net.fit(train, { ...opts, epochs: 1 });
    const arena = net.backend.arena;
    const at = { bytes: arena.memory.buffer.byteLength, generation: arena.generation, used: arena.used };
    let steps = 0;
    const check = (): void => {
      expect(arena.memory.buffer.byteLength).toBe(at.bytes);
      expect(arena.generation).toBe(at.generation);
      expect(arena.used).toBe(at.used);
    };
    await net.fit(train, { ...opts, epochs, onBatchEnd: () => { steps++; check(); }, onEpochEnd: () => { net.evaluate(data(40)); check(); } });
    net.predictBatch(train.images, 40);
    check();
    expect(steps).toBeGreaterThanOrEqual(epochs * Math.ceil(n / opts.batchSize));
  });
});

describe('over the memory maximum: refused up front, clearly, and the model stays usable', () => {
  it('a model that does not fit', () => {
    expect(() => LeNet5.modern({ maxMemoryBytes: 1 << 20 })).toThrow(MemoryLimitError);
    // More than 2 GiB (wasm32 cannot hold it): a clear refusal, not a wrapped negative size.
    let err: unknown;
    try {
      LeNet5.modern({ batchSize: 1_000_000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect((err as MemoryLimitError).message).toMatch(/^arena: input needs 3136000000 bytes but the arena is limited to 2147483648 bytes/);
    expect((err as MemoryLimitError).requested).toBeGreaterThan(2 ** 31);
  });

  it('a batch that does not fit: fails before the first step, the weights and layout are intact', async () => {
    const net = LeNet5.modern({ seed: 1, batchSize: 8, maxMemoryBytes: 24 << 20 });
    const train = data(2048);
    const before = net.getWeights();
    const p0 = net.predictBatch(train.images, 8).scores.slice();
    let steps = 0;
    let err: unknown;
    try {
      await net.fit(train, { batchSize: 2048, onBatchEnd: () => steps++ });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect((err as Error).message).toMatch(/limited to 25165824 bytes .*use a smaller batch or raise the memory limit/);
    expect(steps).toBe(0);
    expect(net.getWeights()).toEqual(before);
    expect(net.predictBatch(train.images, 8).scores).toEqual(p0);
    // A batch that fits trains as usual afterwards.
    const h = await net.fit(data(64), { batchSize: 16, optimizer: sgd({ lr: 0.01, momentum: 0.9 }) });
    expect(h.epochs).toHaveLength(1);
  });

  it('optimizer state that does not fit: refused, the model still predicts', async () => {
    // Room for the model and a small batch, not for Adam's two extra copies of the parameters.
    const net = LeNet5.modern({ seed: 1, batchSize: 1, maxMemoryBytes: 1_300_000 });
    const before = net.predictBatch(data(2).images, 2).labels.slice();
    await expect(net.fit(data(8), { batchSize: 1, optimizer: adam() })).rejects.toThrow(MemoryLimitError);
    expect(net.predictBatch(data(2).images, 2).labels).toEqual(before);
  });
});
