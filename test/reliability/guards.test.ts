/**
 * Training guards: a non-finite loss, gradient or weight stops fit with a TrainingDivergedError naming
 * the step and the layer, and the model keeps the weights of the last good step; the guards do not
 * change a healthy run by a single bit; clipGradNorm bounds the step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { TrainingDivergedError } from '../../src/errors.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { adam, createOptimizer, sgd, type Optimizer } from '../../src/train/optimizers.js';

beforeAll(async () => {
  await init();
});

const N = 64;
const data = {
  images: new Uint8Array(N * 784).map((_, i) => ((i * 2654435761) >>> 24) & 255),
  labels: new Uint8Array(N).map((_, i) => i % 10),
};

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const sameBits = (a: Float32Array, b: Float32Array, what: string): void => {
  const ua = bits(a);
  const ub = bits(b);
  expect(a.length).toBe(b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) expect.fail(`${what}: differ first at [${i}]: ${a[i]} vs ${b[i]}`);
};

async function caught(p: Promise<unknown>): Promise<TrainingDivergedError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TrainingDivergedError);
    return err as TrainingDivergedError;
  }
  return expect.fail('fit did not throw');
}

describe('non-finite values stop training, naming the step and the layer; the last good weights stay', () => {
  it('a weight made infinite by an update: restored to the previous step, layer named', async () => {
    const net = LeNet5.modern({ seed: 2 });
    const inner = createOptimizer(adam(), net.model);
    let n = 0;
    // An optimizer whose third update blows one weight of the last dense layer up.
    const faulty: Optimizer = {
      spec: inner.spec, state: inner.state,
      get steps() { return inner.steps; },
      set steps(v) { inner.steps = v; },
      defaultSchedule: () => inner.defaultSchedule(),
      beforeEpoch: (ctx) => inner.beforeEpoch(ctx),
      step(lr, N) {
        inner.step(lr, N);
        if (++n === 3) net.model.view(net.model.paramsRegion)[61000] = Infinity;
      },
    };
    const after: Float32Array[] = [];
    const err = await caught(net.fit(data, { batchSize: 8, optimizer: faulty, onBatchEnd: () => { after.push(net.getWeights()); } }));
    // Found on the next batch (its loss is not finite), named as the update that made it, rolled back.
    expect(err.where).toEqual({ step: 2, epoch: 0, batch: 2, layer: 'layer dense2 (dense), weight', quantity: 'weight' });
    expect(err.message).toMatch(/^training diverged at step 3 \(epoch 1, batch 3\): the update made a weight Infinity in layer dense2 \(dense\), weight; the model keeps the weights of the last good step; lower the learning rate or set clipGradNorm$/);
    sameBits(net.getWeights(), after[1]!, 'weights after the failed step = weights after step 2');
    expect(net.getWeights().every(Number.isFinite)).toBe(true);
    // The optimizer state was rolled back too: training on from here with a sound optimizer works.
    const h = await net.fit(data, { batchSize: 8, optimizer: adam() });
    expect(Number.isFinite(h.loss[0])).toBe(true);
  });

  it('a learning rate that overflows: stops at the first non-finite value, weights of the last good step', async () => {
    const net = LeNet5.modern({ seed: 3 });
    // before[k]: the weights before 0-based step k of this run.
    const before = [net.getWeights()];
    const err = await caught(net.fit(data, { batchSize: 8, epochs: 3, optimizer: sgd({ lr: 1e30 }),
      onBatchEnd: () => { before.push(net.getWeights()); } }));
    const k = err.where.step;
    expect(k).toBeLessThan(before.length);
    expect(err.message).toMatch(new RegExp(`^training diverged at step ${k + 1} \\(epoch \\d, batch \\d\\): .* in (layer \\w+ \\(\\w+\\), (output|weight|bias|coeff)|the loss)`));
    // The model holds the weights from before the step that went wrong.
    sameBits(net.getWeights(), before[k]!, 'weights after divergence');
    expect(net.getWeights().every(Number.isFinite)).toBe(true);
    // The model is still usable: it predicts (possibly badly) without throwing.
    expect(() => net.predict(data.images.subarray(0, 784))).not.toThrow();
  });

  it('a NaN weight in the arena: the loss is named with the first layer whose output is not finite', async () => {
    const net = LeNet5.classic({ seed: 1 });
    const w = net.getWeights();
    w[200] = NaN; // in C3 (after C1's 156 and S2's 12)
    // setWeights refuses NaN (test/reliability/validation.test.ts); the layer graph's setParams does not check.
    net.model.setParams(w);
    const err = await caught(net.fit(data, { batchSize: 4 }));
    expect(err.where).toMatchObject({ step: 0, epoch: 0, batch: 0, quantity: 'loss' });
    expect(err.where.layer).toMatch(/^layer \w+ \(conv2d\), output$/);
    sameBits(net.getWeights(), w, 'weights untouched');
  });
});

describe('guards and clipping', () => {
  it('the guards leave a healthy run bit-identical (guard: false gives the same weights)', async () => {
    const a = LeNet5.modern({ seed: 4 });
    const b = LeNet5.modern({ seed: 4 });
    await a.fit(data, { batchSize: 8, epochs: 2 });
    await b.fit(data, { batchSize: 8, epochs: 2, guard: false });
    sameBits(a.getWeights(), b.getWeights(), 'guard on vs off');
  });

  it('clipGradNorm: a huge bound changes nothing; a tiny one bounds the SGD step to lr x bound', async () => {
    const ref = LeNet5.modern({ seed: 5 });
    const loose = LeNet5.modern({ seed: 5 });
    await ref.fit(data, { batchSize: 8, optimizer: sgd({ lr: 0.05 }) });
    await loose.fit(data, { batchSize: 8, optimizer: sgd({ lr: 0.05 }), clipGradNorm: 1e9 });
    sameBits(loose.getWeights(), ref.getWeights(), 'clipGradNorm 1e9');

    const net = LeNet5.modern({ seed: 5 });
    const before = net.getWeights();
    await net.fit({ images: data.images.subarray(0, 8 * 784), labels: data.labels.subarray(0, 8) },
      { batchSize: 8, optimizer: sgd({ lr: 1 }), clipGradNorm: 1e-3 });
    const after = net.getWeights();
    let sq = 0;
    for (let i = 0; i < after.length; i++) sq += (after[i]! - before[i]!) ** 2;
    // One step of plain SGD with lr 1 moves the weights by exactly the clipped gradient: norm 1e-3.
    expect(Math.sqrt(sq)).toBeGreaterThan(0.99e-3);
    expect(Math.sqrt(sq)).toBeLessThan(1.01e-3);
  });
});
