/**
 * Inference over a built Sequential: `evaluate` (loss, accuracy, confusion matrix) and `predictBatch`, and
 * the checks and helpers that training shares with them. Apart from train/fit.ts, so that an app that only
 * predicts does not load the training loop (fit is imported on first use).
 */
import { Dataset } from '../data/dataset.js';
import { InvalidArgumentError } from '../errors.js';
import type { Sequential } from './sequential.js';

/** What fit, evaluate and predict accept: a Dataset, or bare images (0..255 bytes or 0..1 floats) + labels. */
export type ImageData = Dataset | { images: Uint8Array; labels: Uint8Array | ArrayLike<number>; height?: number; width?: number };

/** What `evaluate` returns: loss, accuracy, confusion matrix, per-class accuracy and the misclassified samples. */
export interface Evaluation {
  /** Mean loss over the samples. */
  loss: number;
  /** Share of the samples classified right, 0 to 1. */
  accuracy: number;
  /** Number of samples evaluated. */
  count: number;
  /** confusion[t * classes + p]: samples of true class t predicted as p. */
  confusion: Int32Array;
  /** Number of classes (the side of the confusion matrix). */
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
    throw new InvalidArgumentError(`${what}: expected a Dataset or { images: Uint8Array, labels }`);
  }
  const [h, w] = model.imageSize;
  const labels = data.labels instanceof Uint8Array ? data.labels : Uint8Array.from(data.labels);
  return checkFits(new Dataset({ images: data.images, labels, height: data.height ?? h, width: data.width ?? w,
    numClasses: model.classes, name: what }), model, what);
}

function checkFits(d: Dataset, model: Sequential, what: string): Dataset {
  const [h, w] = model.imageSize;
  if (d.height !== h || d.width !== w) {
    throw new InvalidArgumentError(`${what}: images are ${d.height}x${d.width} but the model reads ${h}x${w}; resize them (see preprocessImage)`);
  }
  if (d.numClasses > model.classes) {
    throw new InvalidArgumentError(`${what}: ${d.numClasses} classes but the model has ${model.classes} outputs`);
  }
  return d;
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** The first layer whose output holds a non-finite value in the current batch. */
export function firstNonFiniteActivation(model: Sequential, N: number): string {
  const input = model.view(model.inputRegion);
  if (firstNonFinite(input.subarray(0, N * model.inputSize)) >= 0) return 'the input batch';
  for (let i = 0; i < model.layers.length; i++) {
    const out = model.view(model.activation(i));
    const l = model.layers[i]!;
    const n = Math.min(out.length, (out.length / model.capacity) * N);
    if (firstNonFinite(out.subarray(0, n)) >= 0) return `layer ${l.name} (${l.type}), output`;
  }
  return 'the loss';
}

/** Correct predictions in the current batch (labels already in the arena, output computed). */
export function countCorrect(model: Sequential, N: number): number {
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

/** The predictions for several images: a class and a row of scores per image. */
export interface BatchPrediction {
  /** Number of images. */
  count: number;
  /** Number of classes (the length of each row of `scores`). */
  classes: number;
  /** Predicted class per image. */
  labels: Int32Array;
  /** count x classes: probabilities (softmax models) or RBF penalties (classic: lower is better). */
  scores: Float32Array;
  /**
   * What `scores` holds: softmax probabilities, RBF penalties (lower is better), or raw outputs of a custom model.
   */
  kind: 'probabilities' | 'penalties' | 'scores';
}

/**
 * Runs inference on `count` images (`images` holds bytes 0..255 or floats 0..1, each of the model's
 * unpadded image size) in batches of the model's capacity.
 */
/** Images per forward pass in predictBatch (see there); 16 to 64 measured the same, 256 4% slower. */
export const PREDICT_SLICE = 32;

export function predictBatch(model: Sequential, images: ArrayLike<number>, count: number): BatchPrediction {
  const [h, w] = model.imageSize;
  if (images.length < count * h * w) {
    throw new InvalidArgumentError(`predict: ${count} images of ${h}x${w} need ${count * h * w} values, got ${images.length}`);
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError(`predict: count must be an integer >= 0, got ${String(count)}`);
  }
  const C = model.classes;
  // Forward in slices of at most PREDICT_SLICE images: their activations (~35 KB an image for LeNet-5) stay
  // in the L2 cache from layer to layer, where a batch of 256 streams each layer's maps through memory.
  const cap = Math.min(model.capacity, PREDICT_SLICE);
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
