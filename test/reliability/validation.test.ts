/**
 * Inputs validated before any coercion: labels (integers in [0, classes)), pixels (finite), image counts
 * (whole images), weights (finite, naming index and layer) and seeds (integers in [0, 2^32)).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { Dataset } from '../../src/data/dataset.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { LeNet5 } from '../../src/models/lenet5.js';

beforeAll(async () => {
  await init();
});

const N = 64;
const images = new Uint8Array(N * 784).map((_, i) => ((i * 2654435761) >>> 24) & 255);

async function rejection(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (err) {
    return err as Error;
  }
  return expect.fail('did not throw');
}

describe('labels and pixels are validated as given', () => {
  it.each([[NaN, 'NaN'], [2.5, '2.5'], [-1, '-1'], [10, '10']])('label %s is rejected, naming the sample', async (bad, shown) => {
    const labels = Array.from({ length: N }, (_, i) => i % 10);
    labels[7] = bad;
    const net = LeNet5.modern({ seed: 1 });
    const err = await rejection(() => net.fit({ images, labels }));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toContain(`label 7 is ${shown}`);
  });

  it.each([[NaN, 'NaN'], [Infinity, 'Infinity']])('pixel %s is rejected by predict, predictBatch and fit', async (bad, shown) => {
    const net = LeNet5.modern({ seed: 1 });
    const two = new Float32Array(2 * 784).fill(0.5);
    two[784 + 9] = bad;
    expect(() => net.predict(two.subarray(784))).toThrow(new RegExp(`pixel 9 of image 0 is ${shown}`));
    expect(() => net.predictBatch(two)).toThrow(new RegExp(`pixel 9 of image 1 is ${shown}`));
    const err = await rejection(() => net.fit({ images: two, labels: [1, 2] }));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toMatch(new RegExp(`pixel 9 of image 1 is ${shown}`));
  });

  it('predict({ images }) needs whole images', () => {
    const net = LeNet5.modern({ seed: 1 });
    expect(() => net.predict({ images: new Uint8Array(785) })).toThrow(InvalidArgumentError);
    expect(() => net.predict({ images: new Uint8Array(785) })).toThrow(/785 values are not a whole number of 28x28 images/);
    expect(net.predict({ images: new Uint8Array(2 * 784) }).count).toBe(2);
  });
});

describe('weights and seeds', () => {
  it('setWeights rejects a non-finite value, naming its index and layer', () => {
    const net = LeNet5.modern({ seed: 1 });
    const before = net.getWeights();
    const w = net.getWeights();
    w[3] = NaN;
    expect(() => net.setWeights(w)).toThrow(/setWeights: value 3 \(layer conv1, weight\[3\]\) is NaN/);
    const last = w.length - 1;
    w[3] = 0;
    w[last] = -Infinity;
    expect(() => net.setWeights(w)).toThrow(new RegExp(`value ${last} \\(layer \\w+, bias\\[9\\]\\) is -Infinity`));
    expect(Buffer.from(net.getWeights().buffer).equals(Buffer.from(before.buffer))).toBe(true);
  });

  const bad = [NaN, 1.5, 2 ** 40, -1, 2 ** 32];
  it.each(bad)('seed %s is rejected everywhere', async (seed) => {
    const msg = /must be an integer in \[0, 2\^32\)/;
    expect(() => LeNet5.modern({ seed })).toThrow(msg);
    expect(() => LeNet5.classic({ seed })).toThrow(msg);
    const net = LeNet5.modern({ seed: 1 });
    const data = { images, labels: new Uint8Array(N) };
    expect((await rejection(() => net.fit(data, { seed }))).message).toMatch(msg);
    expect((await rejection(() => net.fit(data, { validationSplit: { fraction: 0.25, seed } }))).message).toMatch(msg);
    expect(net.epochsTrained).toBe(0);
    const d = new Dataset({ images, labels: new Uint8Array(N) });
    expect(() => d.shuffle(seed)).toThrow(msg);
    expect(() => d.split(10, { seed })).toThrow(msg);
  });

  it('the edges of the seed range work', async () => {
    expect(LeNet5.modern({ seed: 2 ** 32 - 1 }).seed).toBe(2 ** 32 - 1);
    expect(LeNet5.modern({ seed: 0 }).seed).toBe(0);
    const d = new Dataset({ images, labels: new Uint8Array(N) });
    expect(d.shuffle(2 ** 32 - 1).count).toBe(N);
  });
});
