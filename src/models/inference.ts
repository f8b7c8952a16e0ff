/**
 * Inference over a built Sequential: `evaluate` (loss, accuracy, confusion matrix) and `predictBatch`, and
 * the checks and helpers that training shares with them. Apart from train/fit.ts, so that an app that only
 * predicts does not load the training loop (fit is imported on first use).
 */
import { checkUnitFloats, Dataset, type AnyDataset, type ImageArrays, type Labels } from '../data/dataset.js';
import { InvalidArgumentError } from '../errors.js';
import type { Sequential } from './sequential.js';

/**
 * What fit and evaluate accept: a Dataset (bytes or floats), or bare images + labels as `Dataset.fromArrays`
 * takes them: bytes 0..255 (Uint8Array), floats 0..1 (Float32Array, number arrays, nested `[N][28][28]`),
 * labels as class indices or one-hot rows.
 */
export type ImageData = AnyDataset | { images: ImageArrays; labels: Labels; height?: number; width?: number };

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

export function asDataset(data: ImageData, model: Sequential, what = 'data'): AnyDataset {
  if (data instanceof Dataset) return checkFits(data, model, what);
  if (data === null || typeof data !== 'object' || data.images === null || typeof data.images !== 'object' ||
    data.labels === undefined) {
    throw new InvalidArgumentError(`${what}: expected a Dataset or { images, labels }`);
  }
  const [h, w] = model.imageSize;
  const d: AnyDataset = Dataset.fromArrays(data.images, data.labels, { height: data.height ?? h, width: data.width ?? w,
    numClasses: model.classes, name: what });
  return checkFits(d, model, what);
}

function checkFits(d: AnyDataset, model: Sequential, what: string): AnyDataset {
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

/**
 * What the outputs are: `probabilities` (a softmax layer), `penalties` (the classic RBF output: squared
 * distances to each class's prototype, lower is better) or `scores` (any other last layer, e.g. logits).
 */
export type ScoreKind = 'probabilities' | 'penalties' | 'scores';

/** One image's result: the same fields for every model. */
export interface Prediction {
  /** The predicted class (argmax of the probabilities; for RBF penalties, the least penalty). */
  label: number;
  /**
   * Class probabilities, summing to 1: the softmax output as it is; for the classic model the softmax of
   * the negated RBF penalties, exp(-y_i) / sum_j exp(-y_j), the paper's posterior up to its constant j
   * (Eq. 9); for other outputs the softmax of the scores.
   */
  probabilities: Float32Array;
  /** The network's raw outputs (`kind` says which): probabilities, RBF penalties (classic) or scores. */
  scores: Float32Array;
  /** What `scores` holds (see ScoreKind). */
  kind: ScoreKind;
}

/** Several images' results: the fields of Prediction, batched, and `at(i)` for one of them. */
export class BatchPrediction {
  /** Predicted class per image. */
  readonly labels: Int32Array;
  /** count x classes, row-major: see Prediction.probabilities. */
  readonly probabilities: Float32Array;
  /** count x classes: the network's outputs (probabilities, RBF penalties or scores; `kind`). */
  readonly scores: Float32Array;

  /** Number of images. */
  readonly count: number;
  /** Number of classes (the length of each row). */
  readonly classes: number;
  /** What `scores` holds (see ScoreKind). */
  readonly kind: ScoreKind;

  /**
   * @param count - Number of images.
   * @param classes - Number of classes (the length of each row).
   * @param labels - Predicted class per image.
   * @param scores - count x classes outputs of the network.
   * @param kind - What `scores` holds (see ScoreKind).
   */
  constructor(count: number, classes: number, labels: Int32Array, scores: Float32Array, kind: ScoreKind) {
    this.count = count;
    this.classes = classes;
    this.kind = kind;
    this.labels = labels;
    this.scores = scores;
    this.probabilities = kind === 'probabilities' ? scores : softmaxRows(scores, classes, kind === 'penalties' ? -1 : 1);
  }

  /** Image `i`'s Prediction (views into the batch's arrays, no copy); negative `i` counts from the end. */
  at(i: number): Prediction {
    const k = i < 0 ? this.count + i : i;
    if (!(Number.isInteger(k) && k >= 0 && k < this.count)) {
      throw new InvalidArgumentError(`predict: index ${String(i)} is outside the ${this.count} images of this batch`);
    }
    const C = this.classes;
    return {
      label: this.labels[k]!,
      probabilities: this.probabilities.subarray(k * C, (k + 1) * C),
      scores: this.scores.subarray(k * C, (k + 1) * C),
      kind: this.kind,
    };
  }
}

/** Row-wise softmax of sign * x (stable: the row maximum is subtracted first). */
function softmaxRows(x: Float32Array, C: number, sign: 1 | -1): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += C) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, sign * x[r + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += (out[r + c] = Math.exp(sign * x[r + c]! - m));
    for (let c = 0; c < C; c++) out[r + c] = out[r + c]! / sum;
  }
  return out;
}

/** The kind of outputs a model's last layer makes. */
export function scoreKind(model: Sequential): ScoreKind {
  const last = model.layers[model.layers.length - 1]!.type;
  return last === 'rbf' ? 'penalties' : last === 'softmax' ? 'probabilities' : 'scores';
}

/**
 * Checks `count` images for inference: enough values, and floats (anything but bytes) finite and in 0..1.
 * `count` defaults to the whole number of images `images` holds.
 */
export function checkImages(model: Sequential, images: ArrayLike<number>, count?: number): number {
  const [h, w] = model.imageSize;
  const hw = h * w;
  if (images === null || typeof images !== 'object' || typeof images.length !== 'number') {
    throw new InvalidArgumentError(`predict: expected pixel values, got ${images === null ? 'null' : typeof images}`);
  }
  if (count === undefined) {
    if (images.length % hw !== 0) {
      throw new InvalidArgumentError(`predict: ${images.length} values are not a whole number of ${h}x${w} images`);
    }
    count = images.length / hw;
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError(`predict: count must be an integer >= 0, got ${String(count)}`);
  }
  if (images.length < count * hw) {
    throw new InvalidArgumentError(`predict: ${count} images of ${h}x${w} need ${count * hw} values, got ${images.length}`);
  }
  if (!(images instanceof Uint8Array || images instanceof Uint8ClampedArray)) {
    checkUnitFloats(images.length === count * hw ? images : Array.prototype.slice.call(images, 0, count * hw) as number[], hw, 'predict');
  }
  return count;
}

/** Images per forward pass in predictBatch (see there); 16 to 64 measured the same, 256 4% slower. */
export const PREDICT_SLICE = 32;

/**
 * Runs inference on `count` images (`images` holds bytes 0..255 or floats 0..1, each of the model's
 * unpadded image size) in batches of the model's capacity.
 */
export function predictBatch(model: Sequential, images: ArrayLike<number>, count?: number): BatchPrediction {
  count = checkImages(model, images, count);
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
  return new BatchPrediction(count, C, labels, scores, scoreKind(model));
}
