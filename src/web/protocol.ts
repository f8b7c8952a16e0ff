/**
 * Messages between the demo page and its training worker. Model files travel as bytes (the library's
 * own save/load format), so the page and the worker share nothing but this protocol. Nothing here says
 * where the kernels, the threads' script or the digits are: the worker calls the library with its
 * defaults, which import them on demand (the same relaxed or baseline SIMD build the page's `init()` chose).
 */
import type { PretrainedName } from '../models/pretrained.js';

export type DataChoice =
  | { kind: 'digits' }
  | { kind: 'mnist' | 'fashion-mnist'; baseUrl: string | null };

export interface TrainRequest {
  type: 'train';
  preset: PretrainedName;
  data: DataChoice;
  /** Passes over the training set; fractions stop after that share of the samples (e.g. 0.2). */
  epochs: number;
  batchSize: number;
  seed: number;
  /** Random affine distortions of the training images (the paper's Sec. V-C). */
  distort: boolean;
  /** Continue from this model file (same preset) instead of a fresh initialisation. */
  start: Uint8Array | null;
  /** 'js' forces the pure-JS kernels (as the page does when it runs without SIMD). */
  backend: 'wasm' | 'js' | null;
  /** Threads to train on (fit's `threads`): more than 1 only where the page is cross-origin isolated. */
  threads: number;
}

export interface CancelRequest {
  type: 'cancel';
}

export type ToWorker = TrainRequest | CancelRequest;

export interface Misclassified {
  /** 28x28 bytes, white ink on black. */
  image: Uint8Array;
  label: number;
  predicted: number;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'ready'; backend: string; simd: boolean; relaxedSimd: boolean; warning: string | null }
  | { type: 'data'; name: string; train: number; test: number; totalSamples: number; batches: number }
  /** A point of the live chart: mean training loss of the batches since the last point. */
  | { type: 'point'; samples: number; loss: number | null; valAccuracy: number | null }
  | { type: 'progress'; epoch: number; epochs: number; samples: number; totalSamples: number; loss: number;
    samplesPerSecond: number; lr: number }
  | { type: 'done'; model: Uint8Array; aborted: boolean; cancelled: boolean; samples: number; seconds: number;
    samplesPerSecond: number; accuracy: number; loss: number; testCount: number; classNames: string[];
    misclassified: Misclassified[]; misclassifiedCount: number;
    /** Threads the run actually trained on (`history.threads`). */
    threads: number;
    /** fit's notice when it fell back to fewer threads than asked for, else null. */
    threadsNotice: string | null }
  | { type: 'error'; message: string };

/** The fixed split of the bundled digits used by the CLI and the pretraining script: 4,000 / 1,000, seed 5. */
export const DIGITS_TRAIN_COUNT = 4000;
export const DIGITS_SPLIT_SEED = 5;
