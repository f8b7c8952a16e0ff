/**
 * fit / evaluate / predict over a built Sequential. One batch is: write inputs and labels into the
 * arena, forward, loss, zeroGrad, backward, one optimizer kernel. Seeded: the permutation of each epoch,
 * the dropout seed of each step and SDLM's sample choice all come from one Rng, so the same seed and
 * backend give bit-identical weights.
 */
import { Dataset } from '../data/dataset.js';
import { mixSeed } from '../data/random.js';
import type { Sequential } from '../models/sequential.js';
import { createOptimizer, type Optimizer, type OptimizerSpec } from './optimizers.js';
import { Rng } from './rng.js';
import type { Schedule } from './schedules.js';

/** What fit, evaluate and predict accept: a Dataset, or bare images (0..255 bytes or 0..1 floats) + labels. */
export type ImageData = Dataset | { images: Uint8Array; labels: Uint8Array | ArrayLike<number>; height?: number; width?: number };

export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  /** Mean loss of this batch. */
  loss: number;
  lr: number;
}

export interface EpochResult {
  /** 0-based epoch (counted over every fit call of the model). */
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface History {
  epochs: EpochResult[];
  /** Per-epoch series, for plotting. */
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  /** True when the signal stopped training early (the model holds the weights of the last full batch). */
  aborted: boolean;
}

export interface FitOptions {
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** An optimizer spec (`adam()`, `sgd({...})`, `sdlm()`), or one bound earlier to continue its state. */
  optimizer?: OptimizerSpec | Optimizer;
  /** Learning rate per epoch; default the optimizer's own (constant, or the paper's for SDLM). */
  schedule?: Schedule;
  validation?: ImageData;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed for shuffling, dropout and SDLM sampling (default 0). */
  seed?: number;
  /** Epoch number to start counting from (resuming a schedule). */
  initialEpoch?: number;
  signal?: AbortSignal;
  onBatchEnd?: (info: BatchInfo) => void;
  onEpochEnd?: (result: EpochResult) => void;
  /** Yield to the event loop at least this often (ms) so UIs and abort signals stay live (default 50). */
  yieldEveryMs?: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
  /** confusion[t * classes + p]: samples of true class t predicted as p. */
  confusion: Int32Array;
  classes: number;
  /** Accuracy per true class (NaN for a class with no samples). */
  perClass: Float64Array;
  /** Indices of the misclassified samples. */
  misclassified: Int32Array;
  /** Predicted class of every sample. */
  predictions: Int32Array;
}

export function asDataset(data: ImageData, model: Sequential, what = 'data'): Dataset {
  if (data instanceof Dataset) return checkFits(data, model, what);
  if (data === null || typeof data !== 'object' || !(data.images instanceof Uint8Array)) {
    throw new TypeError(`${what}: expected a Dataset or { images: Uint8Array, labels }`);
  }
  const [h, w] = model.imageSize;
  const labels = data.labels instanceof Uint8Array ? data.labels : Uint8Array.from(data.labels);
  return checkFits(new Dataset({ images: data.images, labels, height: data.height ?? h, width: data.width ?? w,
    numClasses: model.classes, name: what }), model, what);
}

function checkFits(d: Dataset, model: Sequential, what: string): Dataset {
  const [h, w] = model.imageSize;
  if (d.height !== h || d.width !== w) {
    throw new RangeError(`${what}: images are ${d.height}x${d.width} but the model reads ${h}x${w}`);
  }
  if (d.numClasses > model.classes) {
    throw new RangeError(`${what}: ${d.numClasses} classes but the model has ${model.classes} outputs`);
  }
  return d;
}

const now = (): number => (typeof performance === 'object' ? performance.now() : Date.now());

const yieldNow = (): Promise<void> =>
  new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

function isOptimizer(o: OptimizerSpec | Optimizer): o is Optimizer {
  return typeof (o as Optimizer).step === 'function';
}

/** Trains `model` in place. */
export async function fit(model: Sequential, train: ImageData, opts: FitOptions = {}): Promise<History> {
  const data = asDataset(train, model, 'training data');
  const validation = opts.validation === undefined ? undefined : asDataset(opts.validation, model, 'validation data');
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`epochs must be an integer >= 0, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  if (data.count === 0) throw new RangeError('training data is empty');
  model.ensureCapacity(batchSize);
  const spec = opts.optimizer ?? { type: 'adam' };
  const optimizer = isOptimizer(spec) ? spec : createOptimizer(spec, model);
  const schedule = opts.schedule ?? optimizer.defaultSchedule();
  const seed = opts.seed ?? 0;
  const shuffle = opts.shuffle ?? true;
  const yieldMs = opts.yieldEveryMs ?? 50;
  const first = opts.initialEpoch ?? 0;
  const history: History = { epochs: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], aborted: false };
  const order = new Uint32Array(data.count);
  for (let i = 0; i < data.count; i++) order[i] = i;
  const batches = Math.ceil(data.count / batchSize);
  let lastYield = now();

  for (let e = first; e < first + epochs; e++) {
    if (opts.signal?.aborted) {
      history.aborted = true;
      break;
    }
    const t0 = now();
    // One stream per (seed, epoch): fit(2 epochs) and fit(1) + fit(1) draw the same numbers.
    const rng = new Rng(mixSeed(seed, e));
    const lr = schedule(e);
    if (shuffle) data.permutation(rng.u32(), order);
    optimizer.beforeEpoch({ model, data, rng, epoch: e });
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const N = Math.min(batchSize, data.count - start);
      model.writeBatch(data, start, N, order, e);
      model.forward(N, true, rng.u32(), true);
      const loss = model.computeLoss(N);
      if (!Number.isFinite(loss)) {
        throw new Error(`training diverged: loss is ${loss} at epoch ${e + 1}, batch ${b + 1}; lower the learning rate`);
      }
      correct += countCorrect(model, N);
      model.zeroGrad();
      model.backward(N);
      optimizer.step(lr, N);
      lossSum += loss * N;
      seen += N;
      opts.onBatchEnd?.({ epoch: e, batch: b, batches, loss, lr });
      if (now() - lastYield > yieldMs) {
        await yieldNow();
        lastYield = now();
      }
      if (opts.signal?.aborted) break;
    }
    const seconds = (now() - t0) / 1000;
    if (opts.signal?.aborted) {
      history.aborted = true;
      break;
    }
    const result: EpochResult = {
      epoch: e, loss: lossSum / seen, accuracy: correct / seen, lr, seconds, samplesPerSecond: seen / seconds,
    };
    if (validation !== undefined) {
      const v = evaluate(model, validation);
      result.valLoss = v.loss;
      result.valAccuracy = v.accuracy;
      history.valLoss.push(v.loss);
      history.valAccuracy.push(v.accuracy);
    }
    history.epochs.push(result);
    history.loss.push(result.loss);
    history.accuracy.push(result.accuracy);
    opts.onEpochEnd?.(result);
  }
  return history;
}

/** Correct predictions in the current batch (labels already in the arena, output computed). */
function countCorrect(model: Sequential, N: number): number {
  const labels = model.labels.i32;
  let c = 0;
  for (let i = 0; i < N; i++) if (model.predictedClass(i) === labels[i]) c++;
  return c;
}

/** Loss, accuracy, confusion matrix, per-class accuracy and misclassified indices (inference mode). */
export function evaluate(model: Sequential, test: ImageData): Evaluation {
  const data = asDataset(test, model, 'test data');
  const C = model.classes;
  const cap = model.capacity;
  const confusion = new Int32Array(C * C);
  const predictions = new Int32Array(data.count);
  const wrong: number[] = [];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += cap) {
    const N = Math.min(cap, data.count - start);
    model.writeBatch(data, start, N);
    model.forward(N, false, 0, true);
    lossSum += model.computeLoss(N) * N;
    const labels = model.labels.i32;
    for (let i = 0; i < N; i++) {
      const p = model.predictedClass(i);
      const t = labels[i]!;
      predictions[start + i] = p;
      confusion[t * C + p]!++;
      if (p === t) correct++;
      else wrong.push(start + i);
    }
  }
  const perClass = new Float64Array(C);
  for (let t = 0; t < C; t++) {
    let total = 0;
    for (let p = 0; p < C; p++) total += confusion[t * C + p]!;
    perClass[t] = total === 0 ? NaN : confusion[t * C + t]! / total;
  }
  const n = Math.max(1, data.count);
  return {
    loss: lossSum / n, accuracy: correct / n, count: data.count, confusion, classes: C, perClass,
    misclassified: Int32Array.from(wrong), predictions,
  };
}

export interface BatchPrediction {
  count: number;
  classes: number;
  /** Predicted class per image. */
  labels: Int32Array;
  /** count x classes: probabilities (softmax models) or RBF penalties (classic: lower is better). */
  scores: Float32Array;
  kind: 'probabilities' | 'penalties' | 'scores';
}

/**
 * Runs inference on `count` images (`images` holds bytes 0..255 or floats 0..1, each of the model's
 * unpadded image size) in batches of the model's capacity.
 */
export function predictBatch(model: Sequential, images: ArrayLike<number>, count: number): BatchPrediction {
  const [h, w] = model.imageSize;
  if (images.length < count * h * w) {
    throw new RangeError(`predict: ${count} images of ${h}x${w} need ${count * h * w} values, got ${images.length}`);
  }
  const C = model.classes;
  const cap = model.capacity;
  const labels = new Int32Array(count);
  const scores = new Float32Array(count * C);
  for (let start = 0; start < count; start += cap) {
    const N = Math.min(cap, count - start);
    model.setInput(images, N, (i) => start + i);
    model.forward(N, false);
    const y = model.output;
    for (let i = 0; i < N; i++) labels[start + i] = model.predictedClass(i);
    scores.set(y.subarray(0, N * C), start * C);
  }
  const last = model.layers[model.layers.length - 1]!.type;
  return { count, classes: C, labels, scores, kind: last === 'rbf' ? 'penalties' : last === 'softmax' ? 'probabilities' : 'scores' };
}
