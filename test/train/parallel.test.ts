/**
 * Data-parallel training over worker threads (src/train/parallel.ts): a seeded run on 2 or 3 threads ends
 * at the weights of the one-thread run up to float32 summation order, for both presets (Adam with dropout,
 * SDLM), with shards that do not divide the batch and threads left without rows. Runs the built package
 * entry (`npm run build` first), since the worker script is loaded from dist/.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../dist/index.node.js';

const { init, LeNet5, sdlm, predictParallel, shardSizes } = lib;

function data(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = next() >>> 24;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = (next() >>> 16) % 10;
  return { images, labels };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

beforeAll(async () => {
  await init();
});

describe('fit({ threads })', () => {
  it('splits batches evenly, main thread first', () => {
    expect(shardSizes(64, 2)).toEqual([32, 32]);
    expect(shardSizes(33, 2)).toEqual([17, 16]);
    expect(shardSizes(2, 3)).toEqual([1, 1, 0]);
  });

  // Shard gradients are the same sums taken in another order: float32 rounding (~1e-7 relative) carried
  // through a few optimizer steps stays far below the weights' scale (~0.1).
  it.each([
    { threads: 2, batchSize: 64, n: 640 },
    { threads: 2, batchSize: 33, n: 300 }, // odd shards and a short last batch
    { threads: 3, batchSize: 32, n: 200 },
  ])('modern (Adam, dropout 0.8) on %o ends where one thread does', async ({ threads, batchSize, n }) => {
    const train = data(n, 5);
    const one = LeNet5.modern({ seed: 3 });
    const h1 = await one.fit(train, { epochs: 2, batchSize, seed: 9 });
    const many = LeNet5.modern({ seed: 3 });
    const hN = await many.fit(train, { epochs: 2, batchSize, seed: 9, threads });
    expect(hN.epochs.length).toBe(2);
    expect([h1.threads, hN.threads]).toEqual([1, threads]);
    for (let e = 0; e < 2; e++) {
      expect(Math.abs(hN.loss[e]! - h1.loss[e]!)).toBeLessThan(1e-4);
      expect(hN.accuracy[e]).toBeCloseTo(h1.accuracy[e]!, 6);
    }
    expect(maxDiff(many.model.getParams(), one.model.getParams())).toBeLessThan(1e-4);
  }, 60_000);

  it('classic (SDLM, h_kk per pass) on 2 threads ends where one thread does', async () => {
    const train = data(256, 7);
    const one = LeNet5.classic({ seed: 4 });
    await one.fit(train, { epochs: 1, batchSize: 16, seed: 2, optimizer: sdlm({ samples: 64 }) });
    const two = LeNet5.classic({ seed: 4 });
    await two.fit(train, { epochs: 1, batchSize: 16, seed: 2, optimizer: sdlm({ samples: 64 }), threads: 2 });
    expect(maxDiff(two.model.getParams(), one.model.getParams())).toBeLessThan(1e-4);
  }, 60_000);

  it('refuses what it does not support yet, and falls back to one thread on the js backend with a notice', async () => {
    const train = data(64, 1);
    const net = LeNet5.modern({ seed: 1 });
    await expect(net.fit(train, { threads: 2, clipGradNorm: 1 })).rejects.toThrow(/clipGradNorm is not supported with threads > 1/);
    await expect(net.fit(train, { threads: 0 })).rejects.toThrow(/threads must be an integer/);
    const notices: string[] = [];
    const js = LeNet5.modern({ seed: 1, backend: 'js' });
    const h = await js.fit(train, { threads: 2, warn: (m) => notices.push(m) });
    expect(h.epochs.length).toBe(1);
    expect(h.threads).toBe(1);
    expect(notices).toEqual(['lenet5: training on one thread: the js backend runs on one thread']);
  }, 60_000);
});

describe('predictParallel', () => {
  it('gives the labels and scores of predictBatch', async () => {
    const { images } = data(300, 3);
    const net = LeNet5.modern({ seed: 5 });
    const single = net.predictBatch(images, 300);
    const par = await predictParallel(net.model, images, 300, 2, { capacity: 64 });
    expect(par).not.toBeNull();
    expect(Array.from(par!.labels)).toEqual(Array.from(single.labels));
    expect(maxDiff(par!.scores, single.scores)).toBeLessThan(1e-6);
  }, 60_000);
});
