/**
 * Data-parallel training over worker threads (src/train/parallel.ts): a seeded run on 2 or 3 threads ends
 * at the weights of the one-thread run up to float32 summation order, for both presets (Adam with dropout,
 * SDLM), with shards that do not divide the batch and threads left without rows. Checkpoints resume across
 * thread counts, clipGradNorm and the divergence guard work as on one thread, and the workers stop when
 * the loop throws. Runs the built package entry (`npm run build` first), since the worker script is loaded
 * from dist/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../dist/index.node.js';
import { predictParallel, shardSizes } from '../../dist/train/parallel.js';

const { init, LeNet5, sdlm, sgd, TrainingDivergedError } = lib;

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

  it('refuses a bad thread count, and falls back to one thread on the js backend with a notice', async () => {
    const train = data(64, 1);
    const net = LeNet5.modern({ seed: 1 });
    await expect(net.fit(train, { threads: 0 })).rejects.toThrow(/threads must be an integer/);
    await expect(net.fit(train, { threads: 65 })).rejects.toThrow(/threads must be an integer/);
    const notices: string[] = [];
    const js = LeNet5.modern({ seed: 1, backend: 'js' });
    const h = await js.fit(train, { threads: 2, warn: (m) => notices.push(m) });
    expect(h.epochs.length).toBe(1);
    expect(h.threads).toBe(1);
    expect(notices).toEqual(['lenet5: training on one thread: the js backend runs on one thread']);
  }, 60_000);
});

// Threads only change how a batch's gradient is computed: the guard, clipping, checkpoints and resume
// run in fit's one loop, and a checkpoint does not say (or care) how many threads wrote it.
describe('fit({ threads }) with the one-thread features', () => {
  const train = data(160, 11);
  // 10 steps an epoch, 20 in all; checkpoints after steps 3, 6, 9 (mid-epoch), 10 (epoch end), 12, ...
  const opts = { epochs: 2, batchSize: 16, seed: 4 } as const;
  const every = 3;

  async function run(threads: number, extra: lib.FitOptions = {}): Promise<Float32Array> {
    const net = LeNet5.modern({ seed: 8 });
    const h = await net.fit(train, { ...opts, threads, ...extra });
    expect(h.threads).toBe(threads);
    return net.model.getParams();
  }

  async function checkpoints(threads: number): Promise<{ bytes: Uint8Array; epoch: number; batch: number }[]> {
    const saved: { bytes: Uint8Array; epoch: number; batch: number }[] = [];
    await run(threads, { checkpoint: { every, write: (bytes, p) => { saved.push({ bytes, epoch: p.epoch, batch: p.batch }); } } });
    return saved;
  }

  it('a 2-thread checkpoint resumes on 2 threads where the uninterrupted 2-thread run ends, and on 1 thread where one thread ends', async () => {
    const straight1 = await run(1);
    const straight2 = await run(2);
    expect(maxDiff(straight2, straight1)).toBeLessThan(1e-4);
    const saved = await checkpoints(2);
    expect(saved.map((s) => [s.epoch, s.batch])).toEqual([[0, 3], [0, 6], [0, 9], [1, 0], [1, 2], [1, 5], [1, 8], [2, 0]]);
    for (const pick of [1, 3, 5]) {
      const two = await run(2, { resume: saved[pick]!.bytes });
      const one = await run(1, { resume: saved[pick]!.bytes });
      // Same thread count, same summation order: the resumed run is the uninterrupted one.
      expect(maxDiff(two, straight2), `resumed on 2 threads from checkpoint ${pick}`).toBe(0);
      expect(maxDiff(one, straight1), `resumed on 1 thread from checkpoint ${pick}`).toBeLessThan(1e-4);
    }
  }, 120_000);

  it('a 1-thread checkpoint resumes on 2 threads', async () => {
    const straight1 = await run(1);
    const saved = await checkpoints(1);
    const two = await run(2, { resume: saved[2]!.bytes });
    expect(saved[2]!.batch).toBeGreaterThan(0);
    expect(maxDiff(two, straight1)).toBeLessThan(1e-4);
  }, 60_000);

  it('clipGradNorm clips on 2 threads as on one', async () => {
    // Plain SGD: the step is the gradient, so clipping shows in the weights (Adam would mostly normalise it away).
    const sgdOpts = { optimizer: sgd({ lr: 0.05 }) };
    const clipped1 = await run(1, { ...sgdOpts, clipGradNorm: 0.05 });
    const clipped2 = await run(2, { ...sgdOpts, clipGradNorm: 0.05 });
    const free2 = await run(2, sgdOpts);
    expect(maxDiff(clipped2, clipped1)).toBeLessThan(1e-4);
    expect(maxDiff(clipped2, free2)).toBeGreaterThan(1e-2);
  }, 60_000);

  it('a loss that turns non-finite stops with TrainingDivergedError naming the thread and the layer; the last good weights stay', async () => {
    const net = LeNet5.modern({ seed: 3 });
    const before = [net.model.getParams()];
    let err: unknown = null;
    try {
      await net.fit(train, { epochs: 3, batchSize: 16, threads: 2, optimizer: sgd({ lr: 1e30 }),
        onBatchEnd: () => { before.push(net.model.getParams()); } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const d = err as InstanceType<typeof TrainingDivergedError>;
    const k = d.where.step;
    expect(d.message).toMatch(new RegExp(`^training diverged at step ${k + 1} \\(epoch \\d, batch \\d+\\): ` +
      '(the loss is NaN in (layer \\w+ \\(\\w+\\), output|the input batch|the loss) \\(thread [12] of 2\\)|the update made a weight)'));
    expect(maxDiff(net.model.getParams(), before[k]!)).toBe(0);
    expect(net.model.getParams().every(Number.isFinite)).toBe(true);
  }, 60_000);

  // Counts the process's threads in /proc/self/status: Linux only; elsewhere the test is skipped and says so.
  const status = '/proc/self/status';
  const procNote = existsSync(status) ? '' : ` [skipped: no ${status} to count threads in (Linux only)]`;
  it.skipIf(!existsSync(status))(`stops its worker threads when the loop throws${procNote}`, async () => {
    const osThreads = (): number => Number(/Threads:\s+(\d+)/.exec(readFileSync(status, 'utf8'))![1]);
    await run(3, { epochs: 1 });
    const idle = osThreads();
    let during = 0;
    const net = LeNet5.modern({ seed: 8 });
    await expect(net.fit(train, { ...opts, threads: 3, onBatchEnd: ({ batch }) => {
      during = osThreads();
      if (batch === 2) throw new Error('stop here');
    } })).rejects.toThrow('stop here');
    expect(during).toBe(idle + 2);
    expect(osThreads()).toBe(idle);
  }, 60_000);
});

describe('LeNet5.predictor({ threads })', () => {
  it('keeps its workers across calls, reads the weights of each call, and equals predictBatch', async () => {
    const { images, labels } = data(500, 4);
    const net = LeNet5.modern({ seed: 6 });
    const p = await net.predictor({ threads: 2, capacity: 48 });
    try {
      expect(p.threads).toBe(2);
      for (let round = 0; round < 2; round++) {
        const single = net.predictBatch(images, 500);
        const par = await p.predict(images, 500);
        expect(par.kind).toBe('probabilities');
        expect(Array.from(par.labels)).toEqual(Array.from(single.labels));
        expect(maxDiff(par.scores, single.scores)).toBeLessThan(1e-6);
        // A step of training between the calls: the next predict must see the new weights.
        const before = Float32Array.from(par.scores);
        await net.fit({ images, labels }, { epochs: 1, batchSize: 250, seed: round });
        expect(maxDiff((await p.predict(images, 500)).scores, before)).toBeGreaterThan(1e-4);
      }
      expect((await p.predict(images, 0)).count).toBe(0);
      await expect(p.predict(images, 501)).rejects.toThrow(/501 images of 28x28 need/);
    } finally {
      await p.close();
    }
  }, 60_000);

  it('predict after close() is a DisposedError saying what to do', async () => {
    const { images } = data(8, 9);
    const p = await LeNet5.modern({ seed: 8 }).predictor({ threads: 2 });
    expect(p.threads).toBe(2);
    await p.close();
    const err = await p.predict(images, 8).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(lib.DisposedError);
    expect((err as Error).message).toBe('predict: this predictor was closed; create a new one with net.predictor({ threads })');
  }, 30_000);

  it('a predictor never closed does not keep Node alive: the process exits on its own', async () => {
    const script = `const lib = await import(${JSON.stringify(new URL('../../dist/index.node.js', import.meta.url).href)});
await lib.init();
const net = lib.LeNet5.modern({ seed: 1 });
const p = await net.predictor({ threads: 2 });
const r = await p.predict(new Uint8Array(4 * 784).fill(100), 4);
console.log(p.threads, r.count);`;
    const t0 = performance.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((res) => {
      // A file, not --eval: worker threads inherit execArgv, and --input-type would break their own script.
      const file = join(mkdtempSync(join(tmpdir(), 'lenet5-unref-')), 'never-closed.mjs');
      writeFileSync(file, script);
      const c = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const kill = setTimeout(() => c.kill('SIGKILL'), 15_000);
      c.on('exit', (code) => {
        clearTimeout(kill);
        res({ code, stdout: out });
      });
    });
    expect(stdout.trim()).toBe('2 4');
    expect(code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 30_000);

  it('predicts on this thread, with one notice, where threads cannot run (js backend); rejects bad thread counts', async () => {
    const { images } = data(40, 5);
    const net = LeNet5.modern({ seed: 7, backend: 'js' });
    const notices: string[] = [];
    const p = await net.predictor({ threads: 2, warn: (m) => notices.push(m) });
    expect(p.threads).toBe(1);
    expect(notices).toEqual(['lenet5: predicting on one thread: the js backend runs on one thread']);
    expect(Array.from((await p.predict(images, 40)).labels)).toEqual(Array.from(net.predictBatch(images, 40).labels));
    await p.close();
    await expect(LeNet5.modern({ seed: 7 }).predictor({ threads: 0 })).rejects.toThrow(/threads must be an integer in \[1, 64\]/);
  });
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
