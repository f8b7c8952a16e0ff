/**
 * Training machinery on both backends: seeded determinism, wasm/js agreement after 20 steps, resuming,
 * cancelling, schedules and optimizer validation. Small real-data subsets keep it quick.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import type { Dataset } from '../../src/data/dataset.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { adam, sdlm, sgd } from '../../src/train/optimizers.js';
import { paperSchedule, sdlmSchedule, SDLM_ETA_SCALE, stepLr } from '../../src/train/schedules.js';
import { Rng } from '../../src/random.js';
import { expectClose } from '../util/compare.js';
import { fashionOrDigits } from '../util/data.js';

let train: Dataset;
let test: Dataset;

beforeAll(async () => {
  await init();
  // Fashion-MNIST when the data folder has it, else the packaged digits (4,000 / 1,000): nothing below
  // depends on which, only on real images (subsets of at most 2,000 / 500).
  const d = await fashionOrDigits('training machinery');
  train = d.train.subset(0, 2000);
  test = d.test.subset(0, 500);
});

const sameBits = (a: Float32Array, b: Float32Array, what: string): void => {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) expect.fail(`${what}: weights differ first at [${i}]: ${a[i]} vs ${b[i]}`);
  }
};

type Make = (backend: 'wasm' | 'js') => LeNet5;
const presets: [string, Make, () => Parameters<LeNet5['fit']>[1]][] = [
  ['modern', (backend) => LeNet5.modern({ seed: 7, backend }), () => ({ batchSize: 8, optimizer: adam() })],
  ['classic', (backend) => LeNet5.classic({ seed: 7, backend }), () => ({ batchSize: 8, optimizer: sdlm({ samples: 64 }) })],
];

describe.each(['wasm', 'js'] as const)('determinism on the %s backend', (backend) => {
  it.each(presets)('%s: same seed, same data => bit-identical weights', async (_name, make, opts) => {
    const n = backend === 'js' ? 48 : 160;
    const runs = [];
    for (let r = 0; r < 2; r++) {
      const net = make(backend);
      await net.fit(train.subset(0, n), { ...opts(), epochs: 1, seed: 3 });
      runs.push(net.getWeights());
    }
    sameBits(runs[0]!, runs[1]!, 'two seeded runs');
    // A different seed changes the run (shuffling, dropout, SDLM sampling).
    const other = make(backend);
    await other.fit(train.subset(0, n), { ...opts(), epochs: 1, seed: 4 });
    expect(other.getWeights()).not.toEqual(runs[0]);
  });
});

describe('wasm and js backends agree', () => {
  it.each(presets)('%s: weights after 20 training steps from the same seed', async (name, make, opts) => {
    const nets = { wasm: make('wasm'), js: make('js') };
    const before = nets.wasm.getWeights();
    sameBits(before, nets.js.getWeights(), 'initial weights');
    // 20 steps: batches of 8 for modern; the paper's per-sample steps for classic.
    const agreeOpts = { ...opts(), ...(name === 'classic' ? { batchSize: 1 } : {}) };
    const n = 20 * agreeOpts.batchSize!;
    for (const net of Object.values(nets)) await net.fit(train.subset(0, n), { ...agreeOpts, epochs: 1, seed: 5 });
    const w = nets.wasm.getWeights();
    const j = nets.js.getWeights();
    // The kernels differ in float32 summation order (SIMD lanes, im2col GEMM blocking) and in tanh/exp
    // (SIMD polynomials, ~2 ulp); 20 steps amplify those last bits, most on the few parameters with the
    // largest steps. Every weight must stay within 0.1% of its value plus 0.2% of the largest move, and
    // the bulk much closer: RMS difference < 0.1% of the RMS move.
    let moved = 0;
    let rmsMove = 0;
    let rmsDiff = 0;
    for (let i = 0; i < w.length; i++) {
      moved = Math.max(moved, Math.abs(j[i]! - before[i]!));
      rmsMove += (j[i]! - before[i]!) ** 2;
      rmsDiff += (w[i]! - j[i]!) ** 2;
    }
    expect(moved).toBeGreaterThan(1e-3);
    expectClose(w, j, { atol: 2e-3 * moved, rtol: 1e-3, label: 'wasm vs js weights after 20 steps' });
    expect(Math.sqrt(rmsDiff)).toBeLessThan(1e-3 * Math.sqrt(rmsMove));
    const pw = nets.wasm.predictBatch(test.images, 50);
    const pj = nets.js.predictBatch(test.images, 50);
    expectClose(pw.scores, pj.scores, { atol: 1e-3, rtol: 1e-3, label: 'outputs after 20 steps' });
  }, 120_000);
});

describe('fit', () => {
  it('resumes: fit(2 epochs) = fit(1) + fit(1), bit for bit (schedule, seeds and Adam state continue)', async () => {
    const data = train.subset(0, 96);
    const a = LeNet5.modern({ seed: 2 });
    await a.fit(data, { epochs: 2, batchSize: 16, schedule: stepLr({ lr: 1e-3, factor: 0.5, every: 1 }) });
    const b = LeNet5.modern({ seed: 2 });
    const h1 = await b.fit(data, { epochs: 1, batchSize: 16, schedule: stepLr({ lr: 1e-3, factor: 0.5, every: 1 }) });
    const h2 = await b.fit(data, { epochs: 1, batchSize: 16, schedule: stepLr({ lr: 1e-3, factor: 0.5, every: 1 }) });
    expect(h1.epochs[0]!.lr).toBe(1e-3);
    expect(h2.epochs[0]!.lr).toBe(5e-4);
    expect(b.epochsTrained).toBe(2);
    sameBits(a.getWeights(), b.getWeights(), 'resumed run');
  });

  it('returns a history with loss, accuracy, validation and timing per epoch, and calls back', async () => {
    const net = LeNet5.modern({ seed: 1 });
    let batches = 0;
    const ends: number[] = [];
    const h = await net.fit(train.subset(0, 256), {
      epochs: 2, batchSize: 32, validation: test.subset(0, 100),
      onBatchEnd: (b) => {
        batches++;
        expect(b.batches).toBe(8);
        expect(Number.isFinite(b.loss)).toBe(true);
      },
      onEpochEnd: (r) => ends.push(r.epoch),
    });
    expect(batches).toBe(16);
    expect(ends).toEqual([0, 1]);
    expect(h.epochs).toHaveLength(2);
    expect(h.aborted).toBe(false);
    for (const e of h.epochs) {
      expect(e.loss).toBeGreaterThan(0);
      expect(e.accuracy).toBeGreaterThanOrEqual(0);
      expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.seconds).toBeGreaterThan(0);
    }
    expect(h.loss).toEqual(h.epochs.map((e) => e.loss));
    expect(h.valAccuracy).toHaveLength(2);
  });

  it('stops on an AbortSignal and leaves the model usable', async () => {
    const net = LeNet5.modern({ seed: 1 });
    const ctl = new AbortController();
    let seen = 0;
    const h = await net.fit(train, {
      epochs: 5, batchSize: 32,
      signal: ctl.signal,
      onBatchEnd: () => {
        if (++seen === 3) ctl.abort();
      },
    });
    expect(h.aborted).toBe(true);
    expect(seen).toBe(3);
    expect(h.epochs).toHaveLength(0);
    expect(net.getWeights().every(Number.isFinite)).toBe(true);
    const e = net.evaluate(test.subset(0, 64));
    expect(e.count).toBe(64);
    // Already-aborted signal: nothing runs.
    const h2 = await net.fit(train, { epochs: 1, signal: AbortSignal.abort() });
    expect(h2.aborted).toBe(true);
    // And training continues normally afterwards.
    const h3 = await net.fit(train.subset(0, 64), { epochs: 1 });
    expect(h3.aborted).toBe(false);
  });

  it('evaluates: loss, accuracy, confusion matrix, per-class accuracy, misclassified indices', () => {
    const net = LeNet5.modern({ seed: 1 });
    const e = net.evaluate(test.subset(0, 200));
    expect(e.count).toBe(200);
    expect(e.confusion.reduce((a, b) => a + b, 0)).toBe(200);
    let diag = 0;
    for (let c = 0; c < 10; c++) diag += e.confusion[c * 11]!;
    expect(e.accuracy).toBeCloseTo(diag / 200, 12);
    expect(e.misclassified.length).toBe(200 - diag);
    for (const i of e.misclassified) expect(e.predictions[i]).not.toBe(test.labels[i]);
    const counts = test.subset(0, 200).classCounts();
    for (let c = 0; c < 10; c++) {
      if (counts[c] === 0) expect(e.perClass[c]).toBeNaN();
      else expect(e.perClass[c]).toBeCloseTo(e.confusion[c * 11]! / counts[c]!, 12);
    }
    expect(e.loss).toBeGreaterThan(0);
  });

  it('predicts one image or a batch: probabilities (modern), penalties and argmin (classic)', () => {
    const modern = LeNet5.modern({ seed: 1 });
    const one = modern.predict(test.image(0));
    expect(one.probabilities).toHaveLength(10);
    expect(one.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(one.label).toBe(one.probabilities!.indexOf(Math.max(...one.probabilities!)));
    const many = modern.predict({ images: test.images.subarray(0, 5 * 784) });
    expect(many.count).toBe(5);
    expect(many.kind).toBe('probabilities');
    expect(Array.from(many.scores.subarray(0, 10))).toEqual(Array.from(one.probabilities!));

    const classic = LeNet5.classic({ seed: 1 });
    const c = classic.predict(test.image(1));
    expect(c.kind).toBe('penalties');
    expect(c.scores).toHaveLength(10);
    expect(c.label).toBe(c.scores.indexOf(Math.min(...c.scores)));
    // Floats in [0, 1] give the same result as the bytes they came from.
    const asFloat = Float32Array.from(test.image(1), (v) => v / 255);
    expectClose(classic.predict(asFloat).scores, c.scores, { atol: 1e-4, rtol: 1e-5, label: 'float input' });
    expect(() => classic.predict(new Uint8Array(100))).toThrow(/28x28 = 784 values, got 100/);
    // More images than the batch capacity run in several batches with the same results.
    const big = modern.predictBatch(test.images, 70);
    expect(Array.from(big.scores.subarray(0, 50))).toEqual(Array.from(modern.predictBatch(test.images, 5).scores));
  });

  it('validates its options and data with clear errors', async () => {
    const net = LeNet5.modern({ seed: 1 });
    await expect(net.fit(train, { epochs: -1 })).rejects.toThrow(/epochs must be an integer >= 1/);
    await expect(net.fit(train, { batchSize: 0 })).rejects.toThrow(/batchSize must be an integer >= 1/);
    await expect(net.fit(train, { optimizer: sgd({ lr: -1 }) })).rejects.toThrow(/sgd lr must be a finite number/);
    await expect(net.fit(train, { optimizer: sgd({ lr: 0.1, nesterov: true }) })).rejects.toThrow(/nesterov needs a momentum/);
    await expect(net.fit({ images: new Uint8Array(10), labels: [1] })).rejects.toThrow(/images and labels disagree/);
    // SDLM needs a second-derivative pass for every layer and the loss.
    const { Dense } = await import('../../src/layers/dense.js');
    const { Flatten } = await import('../../src/layers/reshape.js');
    const { Sigmoid, Softmax } = await import('../../src/layers/activation.js');
    const odd = LeNet5.fromLayers([new Flatten(), new Dense({ units: 10 }), new Sigmoid(), new Dense({ units: 10 }), new Softmax()],
      { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } });
    await expect(odd.fit(train, { optimizer: sdlm() })).rejects.toThrow(/layer 2 \(sigmoid_1, sigmoid\) has no second-derivative pass/);
  });
});

describe('optimizers and schedules', () => {
  it('the paper\'s SDLM schedule: 0.0005, 0.0002, 0.0001, 0.00005, 0.00001 by pass', () => {
    const s = paperSchedule();
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 19].map(s)).toEqual([
      0.0005, 0.0005, 0.0002, 0.0002, 0.0002, 0.0001, 0.0001, 0.0001, 0.00005, 0.00005, 0.00005, 0.00005, 0.00001, 0.00001,
    ]);
    expect(paperSchedule(0.5)(0)).toBe(0.00025);
    expect(stepLr({ lr: 0.1, factor: 0.1, every: 2 })(3)).toBeCloseTo(0.01, 15);
  });

  it('sdlm()\'s default schedule: the paper\'s first eta x SDLM_ETA_SCALE for passes 1-2, then the stretched decay', async () => {
    const s = sdlmSchedule();
    const byPass = [0, 1, 2, 9, 10, 14, 15, 17, 18, 30].map(s);
    const want = [2.5e-5, 2.5e-5, 2e-5, 2e-5, 1e-5, 1e-5, 5e-6, 5e-6, 2.5e-6, 2.5e-6];
    byPass.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 18));
    expect(s(0)).toBe(0.0005 * SDLM_ETA_SCALE);
    // fit with sdlm() and no schedule runs it: the rate of each pass is in the history.
    const net = LeNet5.classic({ seed: 1, batchSize: 1 });
    const h = await net.fit(train.subset(0, 8), { epochs: 3, batchSize: 1, optimizer: sdlm({ samples: 4 }) });
    expect(h.epochs.map((e) => e.lr)).toEqual([s(0), s(1), s(2)]);
  });

  it('SGD with momentum and Nesterov and weight decay learn; SDLM re-estimates h_kk every pass', async () => {
    for (const opt of [sgd({ lr: 0.05, momentum: 0.9 }), sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })]) {
      const net = LeNet5.modern({ seed: 1, dropout: 0 });
      const h = await net.fit(train.subset(0, 1000), { epochs: 2, batchSize: 32, optimizer: opt });
      expect(h.loss[1]!).toBeLessThan(h.loss[0]!);
    }
    const net = LeNet5.classic({ seed: 1 });
    const hs: Float32Array[] = [];
    await net.fit(train.subset(0, 300), {
      epochs: 2, batchSize: 4, optimizer: sdlm({ samples: 100 }),
      onEpochEnd: () => hs.push(Float32Array.from(net.model.view(net.model.state[0]!))),
    });
    expect(hs[0]!.some((v) => v > 0)).toBe(true);
    expect(hs[0]).not.toEqual(hs[1]);
  });

  it('Rng is seeded and uniform enough', () => {
    const a = new Rng(9), b = new Rng(9);
    const xs = Array.from({ length: 10000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
