/**
 * Real-data learning, kept short for CI (2 cores): both presets train with their own recipe on the
 * wasm kernels and must reach the accuracy bars. Without Fashion-MNIST (test/util/data.ts), the
 * modern run trains on the packaged digits instead, against a bar measured on that data.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { adam } from '../../src/train/optimizers.js';
import { FASHION, digitsTrainTest, loadDigitsSheet, loadFashion, say } from '../util/data.js';

beforeAll(async () => {
  await init();
});

describe('learning on real data', () => {
  // Two epochs of 10,000 images are 626 Adam steps. Measured with the library's one random generator
  // (src/random.ts), seeds 1-3: Adam 1e-3 75.20 / 76.28 / 75.82%, Adam 3e-3 77.67 / 78.32 / 78.60%; one epoch
  // at 3e-3 reads 74.65 / 74.66 / 73.70%, just under the bar, so the test trains two. The same preset
  // reaches 80.4% after one epoch of the full 60,000 and 89.7% after ten. The 75% bar is unchanged.
  if (FASHION.dir !== null) it('modern, 2 epochs on 10,000 Fashion-MNIST training images (batch 32, Adam 3e-3) reach >= 75% on the 10,000 test images', async () => {
    say(`learning: ${FASHION.said}`);
    const { train, test } = await loadFashion();
    const net = LeNet5.modern({ seed: 1 });
    const h = await net.fit(train.subset(0, 10000), { epochs: 2, batchSize: 32, seed: 1, optimizer: adam({ lr: 3e-3 }) });
    const e = net.evaluate(test);
    console.log(`modern: train loss ${h.loss[1]!.toFixed(4)}, test accuracy ${(e.accuracy * 100).toFixed(2)}% ` +
      `(${h.epochs[1]!.samplesPerSecond.toFixed(0)} samples/s)`);
    expect(e.count).toBe(10000);
    expect(e.accuracy).toBeGreaterThanOrEqual(0.75);
  }, 180_000);

  // The same recipe (1 epoch, batch 32, Adam 3e-3) on the digits' 4,000 / 1,000 split: seeds 1-5 measured
  // 89.90 / 88.10 / 91.30 / 88.90 / 90.80% (Adam 1e-3: 82.5-85.8%). Declared only where Fashion-MNIST is
  // absent, so every run trains the modern preset on real data and none counts a skip for it.
  else it(`modern, 1 epoch on the 4,000 packaged training digits (batch 32, Adam 3e-3) reaches >= 87% on the other 1,000 [in place of Fashion-MNIST: ${FASHION.said}]`, async () => {
    say(`learning: ${FASHION.said}: trained the modern preset on the bundled digits instead (bar 87%, not Fashion-MNIST's 75%)`);
    const { train, test } = await digitsTrainTest();
    const net = LeNet5.modern({ seed: 1 });
    const h = await net.fit(train, { epochs: 1, batchSize: 32, seed: 1, optimizer: adam({ lr: 3e-3 }) });
    const e = net.evaluate(test);
    console.log(`modern (digits): train loss ${h.loss[0]!.toFixed(4)}, test accuracy ${(e.accuracy * 100).toFixed(2)}%`);
    expect(train.count).toBe(4000);
    expect(e.count).toBe(1000);
    expect(e.accuracy).toBeGreaterThanOrEqual(0.87);
  }, 180_000);

  it('classic with SDLM on 4,000 digits (digits.png, MNIST recipe) reaches >= 93% on the other 1,000', async () => {
    const all = await loadDigitsSheet();
    expect(all.count).toBe(5000);
    const [train, test] = all.split(4000, { seed: 1 });
    const net = LeNet5.classic({ seed: 1 });
    // The paper's recipe: per-sample SDLM steps, h_kk re-estimated on 500 samples before each pass.
    const h = await net.fit(train, { epochs: 4, seed: 1 });
    const e = net.evaluate(test);
    console.log(`classic: loss per pass ${h.loss.map((l) => l.toFixed(2)).join(', ')}; ` +
      `test accuracy ${(e.accuracy * 100).toFixed(2)}%`);
    expect(e.count).toBe(1000);
    expect(e.accuracy).toBeGreaterThanOrEqual(0.93);
  }, 180_000);
});
