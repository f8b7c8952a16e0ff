/**
 * The API a Keras or TF.js user reaches for: validationSplit, callbacks (every hook, awaited), the built-in
 * earlyStopping and reduceLrOnPlateau, stopReason, verbose progress, float datasets and Dataset.fromArrays,
 * the default batch size, resuming a finished run, summary({ print }), and the public FitOptions type.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { init } from '../../src/backend/load.js';
import { Dataset } from '../../src/data/dataset.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import type { FitOptions } from '../../src/index.js';
import {
  earlyStopping, reduceLrOnPlateau, type Callback, type EpochResult, type TrainBeginInfo, type TrainingControl,
} from '../../src/train/callbacks.js';
import { adam, sgd } from '../../src/train/optimizers.js';
import { constantLr } from '../../src/train/schedules.js';
import { epochLine } from '../../src/train/verbose.js';
import { loadDigitsSheet as digits } from '../util/data.js';

let data: Dataset;
const dir = mkdtempSync(join(tmpdir(), 'lenet5-keras-'));

beforeAll(async () => {
  await init();
  data = (await digits()).shuffle(3).subset(0, 200);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const floatsOf = (d: Dataset): Float32Array => Float32Array.from(d.images, (v) => v / 255);

describe('validationSplit', () => {
  it('holds out the LAST fraction, in order, and trains on the rest', async () => {
    const net = LeNet5.modern({ seed: 1 });
    let begin: TrainBeginInfo | null = null;
    const h = await net.fit(data, { epochs: 1, batchSize: 20, validationSplit: 0.1, callbacks: { onTrainBegin: (i) => { begin = i; } } });
    expect(begin).toMatchObject({ samples: 180, validationSamples: 20, batches: 9 });
    // The weights do not change after the epoch's validation: scoring the last 20 samples now gives the same numbers.
    const last = net.evaluate(data.subset(180, 200));
    expect(h.valLoss).toEqual([last.loss]);
    expect(h.valAccuracy).toEqual([last.accuracy]);
    expect(h.epochs[0]!.valLoss).toBe(last.loss);
    expect(net.evaluate(data.subset(0, 20)).loss).not.toBe(last.loss);
  });

  it('{ fraction, seed } holds out a seeded random draw instead', async () => {
    const net = LeNet5.modern({ seed: 1 });
    const h = await net.fit(data, { epochs: 1, batchSize: 20, validationSplit: { fraction: 0.1, seed: 9 } });
    const [, held] = data.split(180, { seed: 9 });
    expect(h.valLoss).toEqual([net.evaluate(held).loss]);
    expect(h.valLoss[0]).not.toBe(net.evaluate(data.subset(180, 200)).loss);
  });

  it('rejects a bad fraction, a split with nothing on one side, and validation together with it', async () => {
    const net = LeNet5.modern({ seed: 1 });
    for (const bad of [0, 1, 1.5, -0.1, Number.NaN]) {
      await expect(net.fit(data, { validationSplit: bad })).rejects.toThrow(/validationSplit must be a fraction in \(0, 1\)/);
    }
    await expect(net.fit(data.subset(0, 3), { validationSplit: 0.1 })).rejects.toThrow(/leaves 0 to validate and 3 to train/);
    await expect(net.fit(data, { validationSplit: { fraction: 0.2, seed: 0.5 } })).rejects.toThrow(/seed must be an integer/);
    await expect(net.fit(data, { validationSplit: 0.1, validation: data })).rejects.toThrow(/validation or validationSplit, not both/);
  });
});

describe('callbacks', () => {
  it('calls every hook in order, awaits async ones, and keeps onEpochEnd/onBatchEnd working', async () => {
    const net = LeNet5.modern({ seed: 1 });
    const seen: string[] = [];
    const slow = (tag: string) => async () => {
      await new Promise((r) => setTimeout(r, 15));
      seen.push(tag);
    };
    const first: Callback = {
      onTrainBegin: slow('trainBegin'),
      onEpochBegin: (e) => { seen.push(`epochBegin ${e.epoch}`); },
      onBatchBegin: (b) => { seen.push(`batchBegin ${b.epoch}.${b.batch}/${b.size}`); },
      onBatchEnd: slow('batchEnd'),
      onEpochEnd: slow('epochEnd'),
      onTrainEnd: slow('trainEnd'),
    };
    // The second sees what the first's async hooks pushed: each was awaited before the next ran.
    const second: Callback = {
      onBatchEnd: () => { seen.push(`after ${seen.at(-1)}`); },
      onEpochEnd: (l) => { seen.push(`after ${seen.at(-1)} lr ${l.lr}`); },
    };
    const h = await net.fit(data.subset(0, 50), {
      epochs: 2, batchSize: 25, schedule: constantLr(1e-3),
      onEpochEnd: async (r) => { await new Promise((res) => setTimeout(res, 15)); seen.push(`option epochEnd ${r.epoch}`); },
      callbacks: [first, second],
    });
    expect(seen).toEqual([
      'trainBegin',
      'epochBegin 0', 'batchBegin 0.0/25', 'batchEnd', 'after batchEnd', 'batchBegin 0.1/25', 'batchEnd', 'after batchEnd',
      'option epochEnd 0', 'epochEnd', 'after epochEnd lr 0.001',
      'epochBegin 1', 'batchBegin 1.0/25', 'batchEnd', 'after batchEnd', 'batchBegin 1.1/25', 'batchEnd', 'after batchEnd',
      'option epochEnd 1', 'epochEnd', 'after epochEnd lr 0.001',
      'trainEnd',
    ]);
    expect(h.stopReason).toBe('completed');
    expect(h.aborted).toBe(false);
    // The epoch log carries the Keras fields.
    for (const k of ['loss', 'accuracy', 'lr', 'seconds'] as const) expect(Number.isFinite(h.epochs[0]![k])).toBe(true);
  });

  it('a single callback object works; stop() from a batch hook ends the run there, without the unfinished epoch', async () => {
    const net = LeNet5.modern({ seed: 1 });
    let batches = 0;
    const h = await net.fit(data.subset(0, 100), {
      epochs: 3, batchSize: 10,
      callbacks: { onBatchEnd: (_b, c) => { if (++batches === 13) c.stop(); } },
    });
    expect(batches).toBe(13);
    expect(h.epochs).toHaveLength(1);
    expect(h.stopReason).toBe('callback');
    expect(net.epochsTrained).toBe(1);
  });

  it('a throwing hook fails fit with its error; a non-object callback is named', async () => {
    const net = LeNet5.modern({ seed: 1 });
    await expect(net.fit(data.subset(0, 20), { callbacks: { onEpochBegin: () => Promise.reject(new Error('nope')) } })).rejects.toThrow('nope');
    await expect(net.fit(data.subset(0, 20), { callbacks: [{}, 3 as unknown as Callback] })).rejects.toThrow(/callbacks\[1\] must be an object/);
  });

  it('aborting says so in stopReason (aborted stays true)', async () => {
    const net = LeNet5.modern({ seed: 1 });
    const ac = new AbortController();
    const h = await net.fit(data.subset(0, 40), { epochs: 3, batchSize: 10, signal: ac.signal, onBatchEnd: () => ac.abort() });
    expect(h.stopReason).toBe('aborted');
    expect(h.aborted).toBe(true);
  });
});

/** A TrainingControl over a weights array, for driving a callback by hand. */
function fakeControl(): TrainingControl & { weights: Float32Array; restored: Float32Array | null } {
  const c = {
    weights: new Float32Array([0]),
    restored: null as Float32Array | null,
    stopped: null as string | null,
    lrScale: 1,
    stop(reason: 'earlyStopping' | 'callback' = 'callback') { c.stopped = reason; },
    get stopRequested() { return c.stopped !== null; },
    getWeights: () => c.weights.slice(),
    setWeights: (v: ArrayLike<number>) => { c.restored = Float32Array.from(v); },
  };
  return c;
}
const log = (epoch: number, valLoss: number, lr = 1): EpochResult =>
  ({ epoch, loss: 1, accuracy: 0.5, valLoss, valAccuracy: 0.5, lr, seconds: 1, samplesPerSecond: 1 });
const begin: TrainBeginInfo = { epochs: 10, initialEpoch: 0, batchSize: 1, batches: 1, samples: 10, validationSamples: 2 };

describe('earlyStopping', () => {
  it('stops after `patience` epochs without an improvement larger than minDelta, and restores the best weights', async () => {
    const cb = earlyStopping({ monitor: 'valLoss', patience: 2, minDelta: 0.01, restoreBestWeights: true });
    const c = fakeControl();
    await cb.onTrainBegin!(begin, c);
    const losses = [1.0, 0.8, 0.795, 0.9, 0.85];
    losses.forEach((v, e) => {
      c.weights[0] = 100 + e;
      if (!c.stopRequested) cb.onEpochEnd!(log(e, v), c);
    });
    // 0.8 is the best (0.795 improves by less than minDelta); two epochs after it without improvement: stop.
    expect(c.stopRequested).toBe(true);
    expect((c as unknown as { stopped: string }).stopped).toBe('earlyStopping');
    await cb.onTrainEnd!({} as never, c);
    expect(Array.from(c.restored!)).toEqual([101]);
  });

  it('watches accuracy upwards and rejects a validation monitor without validation data', async () => {
    const cb = earlyStopping({ monitor: 'valAccuracy', patience: 0 });
    const c = fakeControl();
    await cb.onTrainBegin!(begin, c);
    cb.onEpochEnd!({ ...log(0, 1), valAccuracy: 0.5 }, c);
    cb.onEpochEnd!({ ...log(1, 1), valAccuracy: 0.6 }, c);
    expect(c.stopRequested).toBe(false);
    cb.onEpochEnd!({ ...log(2, 1), valAccuracy: 0.6 }, c);
    expect(c.stopRequested).toBe(true);
    expect(() => cb.onTrainBegin!({ ...begin, validationSamples: 0 }, c)).toThrow(/monitor 'valAccuracy' needs validation data/);
    expect(() => earlyStopping({ monitor: 'valAcc' as never })).toThrow(InvalidArgumentError);
    expect(() => earlyStopping({ patience: -1 })).toThrow(/patience must be an integer >= 0/);
  });

  it('in fit: a run that stops improving ends with stopReason earlyStopping', async () => {
    const net = LeNet5.modern({ seed: 1 });
    // lr 0: the weights never move, so valLoss never improves after the first epoch.
    const h = await net.fit(data.subset(0, 60), {
      epochs: 10, batchSize: 20, optimizer: sgd({ lr: 0 }), validationSplit: 0.25, callbacks: [earlyStopping({ patience: 1 })],
    });
    expect(h.epochs).toHaveLength(3);
    expect(h.stopReason).toBe('earlyStopping');
    expect(h.aborted).toBe(false);
    expect(net.epochsTrained).toBe(3);
  });
});

describe('reduceLrOnPlateau', () => {
  it('in fit: lowers the rate by factor after patience flat epochs, never below minLr', async () => {
    const net = LeNet5.modern({ seed: 1 });
    const h = await net.fit(data.subset(0, 60), {
      epochs: 7, batchSize: 20, optimizer: adam({ lr: 1e-9 }), validationSplit: 0.25,
      callbacks: reduceLrOnPlateau({ patience: 1, factor: 0.5, minLr: 3e-10 }),
    });
    const lrs = h.epochs.map((e) => e.lr);
    // Epoch 1 sets the best; 2 waits; 3 reduces (for epoch 4); 4 waits; 5 reduces to max(2.5e-10, 3e-10).
    expect(lrs[0]).toBe(1e-9);
    expect(lrs[1]).toBe(1e-9);
    expect(lrs[2]).toBe(1e-9);
    expect(lrs[3]).toBeCloseTo(5e-10, 20);
    expect(lrs[4]).toBeCloseTo(5e-10, 20);
    expect(lrs[5]).toBeCloseTo(3e-10, 20);
    expect(lrs[6]).toBeCloseTo(3e-10, 20);
    expect(() => reduceLrOnPlateau({ factor: 1 })).toThrow(/factor must be a number in \(0, 1\)/);
  });
});

describe('verbose', () => {
  async function captureStderr(tty: boolean, run: () => Promise<unknown>): Promise<string> {
    const err = process.stderr as unknown as { write: (s: string) => boolean; isTTY?: boolean };
    const { write, isTTY } = err;
    let out = '';
    err.write = (s: string) => { out += String(s); return true; };
    err.isTTY = tty;
    try {
      await run();
    } finally {
      err.write = write;
      err.isTTY = isTTY;
    }
    return out;
  }

  it('1 on a terminal: a progress bar per epoch and a line per epoch with its log', async () => {
    const net = LeNet5.modern({ seed: 1 });
    let h: { epochs: EpochResult[] } = { epochs: [] };
    const out = await captureStderr(true, async () => {
      h = await net.fit(data.subset(0, 60), { epochs: 2, batchSize: 20, validationSplit: 0.25, verbose: 1 });
    });
    expect(out).toMatch(/epoch 1\/2 \[[=-]{40}\] \d+% \| batch \d\/3 \| loss/);
    expect(out).toMatch(/epoch 2\/2 \[={40}\] 100% \| batch 3\/3 \| loss \d\.\d{4}/);
    expect(out).toContain(`${epochLine(h.epochs[0]!, 2)}\n`);
    expect(out).toContain(`${epochLine(h.epochs[1]!, 2)}\n`);
    expect(epochLine(h.epochs[1]!, 2)).toMatch(/^epoch 2\/2 - \d+\.\ds - loss \d\.\d{4} - accuracy \d+\.\d\d% - valLoss \d\.\d{4} - valAccuracy \d+\.\d\d% - lr 0\.00100$/);
  });

  it('2, or 1 off a terminal: only the epoch lines; 0 (the default): nothing', async () => {
    const lines = (s: string) => s.split('\n').filter((l) => l !== '');
    for (const [tty, verbose] of [[false, 1], [true, 2]] as const) {
      const out = await captureStderr(tty, () => LeNet5.modern({ seed: 1 }).fit(data.subset(0, 40), { epochs: 2, batchSize: 20, verbose }));
      expect(lines(out)).toHaveLength(2);
      expect(lines(out)[1]).toMatch(/^epoch 2\/2 - /);
    }
    expect(await captureStderr(true, () => LeNet5.modern({ seed: 1 }).fit(data.subset(0, 40), { batchSize: 20 }))).toBe('');
    await expect(LeNet5.modern().fit(data, { verbose: 3 as never })).rejects.toThrow(/verbose must be 0, 1 or 2/);
  });
});

describe('data in the shapes users hold', () => {
  it('floats 0..1 train, evaluate and predict like the same bytes', async () => {
    const sub = data.subset(0, 64);
    const floats = floatsOf(sub);
    const a = LeNet5.modern({ seed: 4 });
    const b = LeNet5.modern({ seed: 4 });
    await a.fit(sub, { epochs: 1, batchSize: 16 });
    await b.fit({ images: floats, labels: sub.labels }, { epochs: 1, batchSize: 16 });
    const wa = a.getWeights();
    const wb = b.getWeights();
    let worst = 0;
    for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i]! - wb[i]!));
    expect(worst).toBeLessThan(1e-5);
    const ea = a.evaluate(sub);
    const eb = a.evaluate(Dataset.fromArrays(floats, sub.labels));
    expect(eb.loss).toBeCloseTo(ea.loss, 5);
    expect(Array.from(eb.predictions)).toEqual(Array.from(ea.predictions));
    const pb = a.predictBatch(floats);
    expect(pb.count).toBe(64);
    expect(Array.from(pb.labels)).toEqual(Array.from(ea.predictions));
    expect(Array.from(a.predictBatch({ images: floats, labels: sub.labels }).labels)).toEqual(Array.from(ea.predictions));
  });

  it('classic trains on floats too (padded to the paper levels)', async () => {
    const sub = data.subset(0, 32);
    const a = LeNet5.classic({ seed: 4 });
    const b = LeNet5.classic({ seed: 4 });
    await a.fit(sub, { epochs: 1, batchSize: 8 });
    await b.fit(Dataset.fromArrays(floatsOf(sub), sub.labels), { epochs: 1, batchSize: 8 });
    const wa = a.getWeights();
    const wb = b.getWeights();
    let worst = 0;
    for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i]! - wb[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('distorted float datasets warp like bytes', () => {
    const sub = data.subset(0, 4);
    const fl = Dataset.fromArrays(floatsOf(sub), sub.labels);
    const [x, y] = [new Float32Array(4 * 784), new Float32Array(4 * 784)];
    sub.withDistortion({ seed: 2 }).writeBatch(x, null, 0, 4, { epoch: 1 });
    fl.withDistortion({ seed: 2 }).writeBatch(y, null, 0, 4, { epoch: 1 });
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(x.some((v, i) => v !== sub.images[i]! / 255)).toBe(true);
  });

  it('Dataset.fromArrays takes nested arrays and one-hot labels, and keeps bytes as bytes', () => {
    const sub = data.subset(0, 3);
    const floats = floatsOf(sub);
    const nested = [0, 1, 2].map((i) => Array.from({ length: 28 }, (_, r) => Array.from(floats.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28))));
    const oneHot = Array.from(sub.labels, (l) => Array.from({ length: 10 }, (_, c) => (c === l ? 1 : 0)));
    const d = Dataset.fromArrays(nested, oneHot);
    expect(d.floats).toBe(true);
    expect(d.images).toEqual(floats);
    expect(Array.from(d.labels)).toEqual(Array.from(sub.labels));
    const rows = Dataset.fromArrays([0, 1, 2].map((i) => Array.from(floats.subarray(i * 784, (i + 1) * 784))), Array.from(sub.labels));
    expect(rows.images).toEqual(floats);
    const bytes = Dataset.fromArrays(sub.images, sub.labels);
    expect(bytes.floats).toBe(false);
    expect(bytes.images).toBe(sub.images);
  });

  it('anything else is an InvalidArgumentError naming the sample', async () => {
    const floats = floatsOf(data.subset(0, 2));
    const net = LeNet5.modern({ seed: 1 });
    const bad = floats.slice();
    bad[784 + 5] = 1.5;
    expect(() => Dataset.fromArrays(bad, [1, 2])).toThrow(/pixel 5 of image 1 is 1\.5; float pixels must be in 0\.\.1 \(divide bytes by 255/);
    bad[784 + 5] = Number.NaN;
    expect(() => Dataset.fromArrays(bad, [1, 2])).toThrow(InvalidArgumentError);
    expect(() => Dataset.fromArrays(bad, [1, 2])).toThrow(/is NaN/);
    await expect(net.fit({ images: bad, labels: [1, 2] })).rejects.toThrow(/training data: pixel 5 of image 1 is NaN/);
    expect(() => net.evaluate({ images: floats.subarray(0, 1000), labels: [1, 2] })).toThrow(/2 labels need 2 images of 28x28 = 1568 pixels, got 1000/);
    expect(() => Dataset.fromArrays(floats, [1, 12])).toThrow(/label 1 is 12; expected a class in 0\.\.9 or a one-hot row of 10 values/);
    expect(() => Dataset.fromArrays(floats, [[1, 0], [0, 1]])).toThrow(/label 0 is Array; expected a class in 0\.\.9 or a one-hot row of 10 values/);
    expect(() => Dataset.fromArrays([[[0.5, 'x']]] as never, [1])).toThrow(/images hold string, not numbers/);
    expect(() => net.predictBatch(bad)).toThrow(/predict: pixel 5 of image 1 is NaN/);
    expect(() => net.predictBatch(floats.subarray(0, 1000))).toThrow(/1000 values are not a whole number of 28x28 images/);
    expect(() => net.predict(Array.from({ length: 784 }, () => 200))).toThrow(/pixel 0 of image 0 is 200/);
    expect(() => new Dataset({ images: [1, 2] as never, labels: new Uint8Array(0) })).toThrow(InvalidArgumentError);
  });
});

describe('friendlier defaults', () => {
  it('the default batch size clamps to the data; an explicit one too large still errors', async () => {
    const net = LeNet5.modern({ seed: 1 });
    let batchSize = 0;
    const h = await net.fit(data.subset(0, 2), { epochs: 1, callbacks: { onTrainBegin: (i) => { batchSize = i.batchSize; } } });
    expect(batchSize).toBe(2);
    expect(h.epochs).toHaveLength(1);
    await expect(net.fit(data.subset(0, 2), { batchSize: 32 })).rejects.toThrow(/batchSize must be an integer >= 1 and at most 2/);
  });

  it('resuming the checkpoint of a finished run trains nothing and says so', async () => {
    const path = join(dir, 'done.ckpt');
    const opts = { epochs: 1, batchSize: 10, checkpoint: { path } } as const;
    await LeNet5.modern({ seed: 1 }).fit(data.subset(0, 20), opts);
    const warn = vi.fn();
    const h = await LeNet5.modern({ seed: 1 }).fit(data.subset(0, 20), { ...opts, resume: true, warn });
    expect(h.epochs).toHaveLength(0);
    expect(h.stopReason).toBe('completed');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/done\.ckpt is the checkpoint of a finished run \(epoch 1 of 1\); nothing left to train/);
    // Asking for more epochs continues instead, without the notice.
    const more = vi.fn();
    const h2 = await LeNet5.modern({ seed: 1 }).fit(data.subset(0, 20), { ...opts, epochs: 2, resume: true, warn: more });
    expect(h2.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(more).not.toHaveBeenCalled();
  });

  it('summary({ print: true }) prints the table and returns it', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const net = LeNet5.modern();
      const text = net.summary({ print: true });
      expect(log).toHaveBeenCalledTimes(1);
      expect(log.mock.calls[0]![0]).toBe(text);
      expect(text).toMatch(/Total params: 61,706/);
      net.summary();
      expect(log).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
    }
  });

  it('FitOptions shows no internals', () => {
    // @ts-expect-error resumeFrom is internal (LoopOptions), not a fit option
    const a: FitOptions = { resumeFrom: undefined };
    // @ts-expect-error onCheckpoint is internal
    const b: FitOptions = { onCheckpoint: undefined };
    // @ts-expect-error defaultBatchSize is internal
    const c: FitOptions = { defaultBatchSize: 3 };
    expect([a, b, c]).toHaveLength(3);
  });
});
