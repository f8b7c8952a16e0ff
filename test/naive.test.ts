/**
 * The "naive pure JS" row of `npm run bench` (bench/naive.ts) must time the same network as ours: on the
 * same weights it predicts the same classes with probabilities within 1e-4 (checkNaive, which the bench
 * runs before timing), the check refuses weights with one bias off by 0.01, and its training step learns
 * (the loss of a repeated batch falls), so its backward pass and Adam are doing the work they are timed on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkNaive, naiveNet, weightsOf } from '../bench/naive.js';
import { randomData } from '../src/cli/bench/inputs.js';
import { init } from '../src/backend/load.js';
import { LeNet5 } from '../src/models/lenet5.js';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

describe('naive pure JS LeNet-5 (bench/naive.ts)', () => {
  it('predicts what lenet5 predicts on the same weights (the bench model and the pretrained one)', async () => {
    const net = LeNet5.modern({ seed: 1, batchSize: 64 });
    const c = checkNaive(net, 64);
    expect(c.maxAbsDiff).toBeLessThan(1e-4);
    net.dispose();
    const pre = await LeNet5.pretrained('modern');
    expect(checkNaive(pre, 64).maxAbsDiff).toBeLessThan(1e-4);
    pre.dispose();
  });

  it('refuses weights with one bias off by 0.01', () => {
    const net = LeNet5.modern({ seed: 1, batchSize: 64 });
    const w = weightsOf(net);
    w.d2b[3] = w.d2b[3]! + 0.01;
    const images = randomData(64, 13).images;
    const ours = net.predictBatch(images, 64).scores;
    const theirs = naiveNet(w, 64).predict(images, 64);
    let max = 0;
    for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i]! - theirs[i]!));
    expect(max).toBeGreaterThan(1e-4);
    net.dispose();
  });

  it('learns: the loss of a repeated batch falls', () => {
    // Four images, 60 Adam steps; dropout (0.8, seeded) makes single losses noisy, so the means of the first
    // and last ten steps are compared (2.28 and 1.89 when written).
    const net = LeNet5.modern({ seed: 1, batchSize: 4 });
    const n = naiveNet(weightsOf(net), 4);
    const { images, labels } = randomData(4, 5);
    const losses: number[] = [];
    for (let s = 0; s < 60; s++) losses.push(n.trainStep(images, labels, 4));
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-10))).toBeLessThan(0.9 * mean(losses.slice(0, 10)));
    net.dispose();
  });
});
