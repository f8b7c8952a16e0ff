/**
 * The MNIST training protocol shared by `npm run reproduce` (bench/reproduce.ts) and `npm run pretrain`
 * (scripts/pretrain.ts): where the 60,000 training digits come from, the split (the first 50,000 train, the
 * last 10,000 validate; the MNIST test set is never used), and a pass-by-pass training loop that scores
 * each pass. Both scripts train through `trainByPass`, so the classic model that `npm run reproduce` trains
 * with distortions is the one `npm run pretrain` trains, bit for bit (same seed, same calls).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist.node.js';
import type { LeNet5 } from '../src/models/lenet5.js';
import type { OptimizerSpec } from '../src/train/optimizers.js';
import type { Schedule } from '../src/train/schedules.js';

/** Digits 0 .. TRAIN_COUNT-1 of the MNIST training set train; TRAIN_COUNT .. 59,999 are the validation set. */
export const TRAIN_COUNT = 50_000;

/**
 * The 60,000 MNIST training digits: from $LENET5_DATA_DIR (default ../shared/data from the project's root,
 * the folder npm runs scripts in, when it exists), in its `mnist-train/` or `mnist/` folder or the folder itself; else through the
 * library's loader (download into the cache, checked against the published checksums).
 */
export async function mnistTraining(): Promise<{ all: Dataset; source: string }> {
  const base = process.env['LENET5_DATA_DIR'] ?? join(process.cwd(), '..', 'shared', 'data');
  for (const dir of [join(base, 'mnist-train'), join(base, 'mnist'), base]) {
    if (existsSync(join(dir, 'train-images-idx3-ubyte.gz')) || existsSync(join(dir, 'train-images-idx3-ubyte'))) {
      return { all: await loadMnist({ dir, split: 'train' }), source: dir };
    }
  }
  return { all: await loadMnist({ split: 'train' }), source: 'MNIST download (loader cache)' };
}

export function paperSplit(all: Dataset): { train: Dataset; validation: Dataset } {
  if (all.count !== 60_000) throw new Error(`expected the 60,000 MNIST training digits, got ${all.count}`);
  return { train: all.subset(0, TRAIN_COUNT), validation: all.subset(TRAIN_COUNT, all.count) };
}

export interface PassResult {
  pass: number;
  /** Rate of the pass (SDLM: the global eta). */
  lr: number;
  /** Mean loss over the pass, as trained (on distorted digits when distortions are on). */
  trainLoss: number;
  /** Error on `trainEval` (undistorted training digits) after the pass, when given. */
  trainError?: number;
  validationError: number;
  validationLoss: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface ByPassOptions {
  passes: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerSpec;
  /** Rate per 0-based epoch (default: the optimizer's own, e.g. SDLM's paper schedule). */
  schedule?: Schedule;
  validation: Dataset;
  /** Undistorted training digits scored after each pass (the training-error curve). */
  trainEval?: Dataset;
  onPass?: (r: PassResult) => void;
}

/**
 * `passes` calls of fit(1 epoch): the same numbers as one fit(passes) (fit draws each epoch's stream from
 * the seed and the epoch, and the schedule counts epochs over every call), with scoring in between.
 */
export async function trainByPass(net: LeNet5, train: Dataset, o: ByPassOptions): Promise<PassResult[]> {
  const results: PassResult[] = [];
  for (let p = 0; p < o.passes; p++) {
    const t0 = performance.now();
    const h = await net.fit(train, {
      epochs: 1, batchSize: o.batchSize, seed: o.seed, optimizer: o.optimizer, ...(o.schedule ? { schedule: o.schedule } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    const e = h.epochs[0]!;
    const v = net.evaluate(o.validation);
    const r: PassResult = {
      pass: p + 1,
      lr: e.lr,
      trainLoss: e.loss,
      ...(o.trainEval ? { trainError: 1 - net.evaluate(o.trainEval).accuracy } : {}),
      validationError: 1 - v.accuracy,
      validationLoss: v.loss,
      seconds,
      samplesPerSecond: train.count / seconds,
    };
    results.push(r);
    o.onPass?.(r);
  }
  return results;
}
