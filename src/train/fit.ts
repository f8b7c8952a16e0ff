/**
 * fit / evaluate / predict over a built Sequential. One batch is: write inputs and labels into the
 * arena, forward, loss, zeroGrad, backward, one optimizer kernel. Seeded: the permutation of each epoch,
 * the dropout seed of each step and SDLM's sample choice all come from one Rng, so the same seed and
 * backend give bit-identical weights.
 *
 * Threads change only how one batch's gradient is computed (a BatchGradients: on the model here, or over
 * replicas in parallel.ts); the loop around it, with the guard, clipping, checkpoints and resume, is one.
 */
import type { Dataset } from '../data/dataset.js';
import { mixSeed } from '../random.js';
import { CheckpointError, InvalidArgumentError } from '../errors.js';
import { asDataset, countCorrect, evaluate, firstNonFiniteActivation, type ImageData } from '../models/inference.js';
import { clipGradients, diverged, DivergenceGuard } from './guard.js';
import type { Sequential } from '../models/sequential.js';
import { createOptimizer, type Optimizer, type OptimizerSpec } from './optimizers.js';
import { threadsUnavailable } from '../platform/worker-threads.js';
import { Rng } from '../random.js';
import type { Schedule } from './schedules.js';

/** What `FitOptions.onBatchEnd` receives after each optimizer step. */
export interface BatchInfo {
  /** 0-based epoch (counted over every fit call of the model). */
  epoch: number;
  /** 0-based index of the batch within its epoch. */
  batch: number;
  /** Batches per epoch (the last one may be smaller than `batchSize`). */
  batches: number;
  /** Mean loss of this batch. */
  loss: number;
  /** Learning rate of this step. */
  lr: number;
}

/** What `FitOptions.onEpochEnd` receives at the end of each epoch, and `History.epochs` holds. */
export interface EpochResult {
  /** 0-based epoch (counted over every fit call of the model). */
  epoch: number;
  /** Mean training loss over the epoch's samples. */
  loss: number;
  /** Share of the epoch's training samples classified right while training, 0 to 1. */
  accuracy: number;
  /** Mean loss on `FitOptions.validation`, when given. */
  valLoss?: number;
  /** Accuracy on `FitOptions.validation`, 0 to 1, when given. */
  valAccuracy?: number;
  /** Learning rate of the epoch. */
  lr: number;
  /** Wall-clock time of the epoch's training, in seconds (validation excluded). */
  seconds: number;
  /** Training throughput of the epoch, samples per second. */
  samplesPerSecond: number;
}

/** What `fit` resolves with: one EpochResult per epoch run, and the same numbers as series. */
export interface History {
  /** One result per epoch, in order. */
  epochs: EpochResult[];
  /** Per-epoch series, for plotting. */
  loss: number[];
  /** Training accuracy per epoch, 0 to 1. */
  accuracy: number[];
  /** Validation loss per epoch (empty without `validation`). */
  valLoss: number[];
  /** Validation accuracy per epoch, 0 to 1 (empty without `validation`). */
  valAccuracy: number[];
  /** True when the signal stopped training early (the model holds the weights of the last full batch). */
  aborted: boolean;
  /** Threads the run trained on: `threads` of fit, or 1 when it fell back (with a notice) or was not asked. */
  threads: number;
}

/**
 * Options of `LeNet5.fit` and `Sequential.fit`: epochs, batch size, optimizer and schedule, validation, callbacks,
 * threads, checkpoints.
 */
export interface FitOptions {
  /** Number of epochs to train (default 1). */
  epochs?: number;
  /**
   * Data-parallel training over this many threads sharing one memory (src/train/parallel.ts): Node
   * worker_threads, or module Web Workers in a cross-origin isolated page. Default 1. Only the gradient of
   * each batch is split: the guard, clipGradNorm, checkpoints and resume work as on one thread, and a
   * checkpoint resumes on any number of threads. Where threads cannot run (no isolation or
   * SharedArrayBuffer, the js backend, a thread that may neither block nor Atomics.waitAsync), trains on
   * one thread and says so once through `warn`; `History.threads` tells.
   */
  threads?: number;
  /**
   * The worker script, for bundlers that do not follow `new Worker(new URL(..., import.meta.url))`:
   * in browsers a bundle of `lenet5/worker` (a module worker; relative URLs resolve against the page), in
   * Node its dist/train/worker.js. Default: the library's own, next to it.
   */
  workerUrl?: URL | string;
  /** Receives one-line notices (default console.warn). */
  warn?: (message: string) => void;
  /** Default 32. */
  batchSize?: number;
  /** An optimizer spec (`adam()`, `sgd({...})`, `sdlm()`), or one bound earlier to continue its state. */
  optimizer?: OptimizerSpec | Optimizer;
  /** Learning rate per epoch; default the optimizer's own (constant, or the paper's for SDLM). */
  schedule?: Schedule;
  /** Data evaluated at the end of every epoch (`valLoss`, `valAccuracy`); none by default. */
  validation?: ImageData;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed for shuffling, dropout and SDLM sampling (default 0). */
  seed?: number;
  /** Epoch number to start counting from (resuming a schedule). */
  initialEpoch?: number;
  /** Stops training at the next batch boundary; fit then resolves with `aborted: true`. */
  signal?: AbortSignal;
  /** Called after every optimizer step. */
  onBatchEnd?: (info: BatchInfo) => void;
  /** Called at the end of every epoch, after validation. */
  onEpochEnd?: (result: EpochResult) => void;
  /** Yield to the event loop at least this often (ms) so UIs and abort signals stay live (default 50). */
  yieldEveryMs?: number;
  /**
   * Rescale the gradient when its global L2 norm (over every parameter) exceeds this value; off by
   * default. Applied before the optimizer step.
   */
  clipGradNorm?: number;
  /**
   * Stop on a non-finite loss, gradient or weight (default true): training ends with a
   * TrainingDivergedError naming the step and the layer, and the model (params and optimizer state)
   * keeps its values from before the update that went wrong. Costs two memory copies per step.
   */
  guard?: boolean;
  /**
   * Write a checkpoint (weights, optimizer state, RNG state, epoch and step) every `every` optimizer
   * steps and at the end of every epoch. `path` (Node entry: written atomically, temp file + fsync +
   * rename) or `write` (any platform: receives the bytes). See `resume`.
   */
  checkpoint?: CheckpointOptions;
  /**
   * Continue an interrupted run: `true` reads `checkpoint.path` when it exists (else starts fresh), or
   * pass the checkpoint's bytes. Call fit with the same options as the interrupted run; the result is
   * bit-identical to a run that was never interrupted on as many threads (on another number of threads,
   * equal up to float32 summation order).
   */
  resume?: boolean | Uint8Array;
  /** @internal Where an interrupted run stopped (set by `LeNet5.fit` from a checkpoint). */
  resumeFrom?: TrainingProgress;
  /** @internal Serialises and stores a checkpoint (set by `LeNet5.fit`). */
  onCheckpoint?: (progress: TrainingProgress) => Promise<void>;
}

/** Where and how often `fit` writes checkpoints (see `FitOptions.checkpoint`). */
export interface CheckpointOptions {
  /** Write a checkpoint whenever the optimizer step count is a multiple of this (default: only at epoch ends). */
  every?: number;
  /** File to write (Node entry). */
  path?: string;
  /** Receives every checkpoint's bytes (browsers, custom storage). May return a promise. */
  write?: (bytes: Uint8Array, progress: TrainingProgress) => void | Promise<void>;
}

/** Where a run stands: stored in checkpoints so that `resume` continues exactly where it stopped. */
export interface TrainingProgress {
  /** First epoch of the interrupted fit call and how many it was asked for. */
  fitStart: number;
  /** Epochs the interrupted fit call was asked for. */
  fitEpochs: number;
  /** Epoch in progress (0-based, over every fit call) and the next batch of it to run. */
  epoch: number;
  /** Next batch of the epoch in progress. */
  batch: number;
  /** State of the epoch's random stream after `batch` batches. */
  rng: [number, number, number, number];
  /** The run's seed. */
  seed: number;
  /** The run's batch size. */
  batchSize: number;
  /** Whether the run reshuffles every epoch. */
  shuffle: boolean;
  /** Training samples (a resumed run must see the same data). */
  count: number;
  /** Running sums of the epoch in progress. */
  lossSum: number;
  /** Samples classified right so far in the epoch in progress. */
  correct: number;
  /** Samples trained on so far in the epoch in progress. */
  seen: number;
}

/** One batch's mean loss and how many of its samples the model classed right. */
export interface BatchResult {
  loss: number;
  correct: number;
}

/**
 * How fit computes the gradient of one batch: on the model itself (`onThisThread`) or split over
 * replicas on worker threads (parallel.ts `threadedGradients`). Either way the gradient of the batch's
 * mean loss ends in the model's grads, and fit's loop (guard, clipping, optimizer, checkpoints) is the same.
 */
export interface BatchGradients {
  readonly threads: number;
  /**
   * Rows `start .. start + N` of `order` in `epoch`: forward in training mode (dropout seeded by
   * `stepSeed`), loss, backward into the model's grads. The result may be reused by the next call. With
   * a non-finite loss the grads are left unspecified and `locateNonFinite` says where it came from.
   * A Promise only where the call must wait for other threads.
   */
  gradients(start: number, N: number, order: Uint32Array, epoch: number, stepSeed: number): BatchResult | Promise<BatchResult>;
  /** Where the last batch's non-finite loss first shows: the input batch, a layer's output, or the loss. */
  locateNonFinite(N: number): string;
  /** Frees what it holds (worker threads). */
  close(): Promise<void>;
}

/** The gradient of each batch computed on the model, on this thread. */
export function onThisThread(model: Sequential, data: Dataset): BatchGradients {
  const out: BatchResult = { loss: 0, correct: 0 };
  return {
    threads: 1,
    gradients(start, N, order, epoch, stepSeed) {
      model.writeBatch(data, start, N, order, epoch);
      out.loss = model.gradientStep(N, stepSeed);
      out.correct = Number.isFinite(out.loss) ? countCorrect(model, N) : 0;
      return out;
    },
    locateNonFinite: (N) => firstNonFiniteActivation(model, N),
    close: () => Promise.resolve(),
  };
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
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new InvalidArgumentError(`fit: threads must be an integer in [1, 64], got ${String(threads)}`);
  }
  const data = asDataset(train, model, 'training data');
  const validation = opts.validation === undefined ? undefined : asDataset(opts.validation, model, 'validation data');
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new InvalidArgumentError(`fit: epochs must be an integer >= 1, got ${String(epochs)}`);
  }
  if (data.count === 0) throw new InvalidArgumentError('fit: the training data is empty; pass at least one sample');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > data.count) {
    throw new InvalidArgumentError(`fit: batchSize must be an integer >= 1 and at most ${data.count} (the number of training ` +
      `samples), got ${String(batchSize)}`);
  }
  const clip = opts.clipGradNorm;
  if (clip !== undefined && !(typeof clip === 'number' && clip > 0 && Number.isFinite(clip))) {
    throw new InvalidArgumentError(`fit: clipGradNorm must be a finite number > 0, got ${String(clip)}`);
  }
  const every = opts.checkpoint?.every;
  if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
    throw new InvalidArgumentError(`fit: checkpoint.every must be an integer >= 1 (optimizer steps), got ${String(every)}`);
  }
  // Fails up front (MemoryLimitError) when the batch does not fit the memory maximum.
  model.ensureCapacity(batchSize);
  const spec = opts.optimizer ?? { type: 'adam' };
  const optimizer = isOptimizer(spec) ? spec : createOptimizer(spec, model);
  const schedule = opts.schedule ?? optimizer.defaultSchedule();
  const seed = opts.seed ?? 0;
  const shuffle = opts.shuffle ?? true;
  const yieldMs = opts.yieldEveryMs ?? 50;
  const guard = opts.guard ?? true;
  const resume = opts.resumeFrom;
  if (resume !== undefined) {
    // The progress does not depend on threads: a checkpoint resumes on any number of them.
    const want = { seed, batchSize, shuffle, count: data.count };
    for (const k of Object.keys(want) as (keyof typeof want)[]) {
      if (resume[k] !== want[k]) {
        throw new CheckpointError(`resume: the checkpoint was written with ${k} ${String(resume[k])} but this run has ${String(want[k])}; ` +
          'resume with the options and data of the interrupted run');
      }
    }
  }
  const first = resume?.fitStart ?? opts.initialEpoch ?? 0;
  const order = new Uint32Array(data.count);
  for (let i = 0; i < data.count; i++) order[i] = i;
  const batches = Math.ceil(data.count / batchSize);
  const divergence = new DivergenceGuard(model, optimizer, guard);
  const checkWeights = (): void => divergence.checkWeights();
  let lastYield = now();
  const progress = (e: number, b: number, rng: Rng, lossSum: number, correct: number, seen: number): TrainingProgress => ({
    fitStart: first, fitEpochs: epochs, epoch: e, batch: b, rng: rng.state.map((v) => v >>> 0) as TrainingProgress['rng'], seed, batchSize, shuffle, count: data.count,
    lossSum, correct, seen,
  });
  const checkpoint = async (p: TrainingProgress): Promise<void> => {
    if (opts.onCheckpoint) await opts.onCheckpoint(p);
  };

  // Last before the loop, so that nothing between starting the workers and the finally can throw.
  const source = threads === 1 ? onThisThread(model, data) : await onThreads(model, data, threads, batchSize, opts);
  const history: History = { epochs: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], aborted: false, threads: source.threads };
  try {
    for (let e = resume?.epoch ?? first; e < first + epochs; e++) {
      if (opts.signal?.aborted) {
        history.aborted = true;
        break;
      }
      const t0 = now();
      // One stream per (seed, epoch): fit(2 epochs) and fit(1) + fit(1) draw the same numbers.
      const rng = new Rng(mixSeed(seed, e));
      const lr = schedule(e);
      if (!(Number.isFinite(lr) && lr >= 0)) {
        throw new InvalidArgumentError(`fit: the learning rate of epoch ${e + 1} is ${lr}; it must be a finite number >= 0`);
      }
      if (shuffle) data.permutation(rng.u32(), order);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let b0 = 0;
      if (resume !== undefined && e === resume.epoch && resume.batch > 0) {
        // Mid-epoch: the optimizer state (SDLM's h_kk included) came from the checkpoint.
        rng.state = resume.rng;
        b0 = resume.batch;
        lossSum = resume.lossSum;
        correct = resume.correct;
        seen = resume.seen;
      } else {
        optimizer.beforeEpoch({ model, data, rng, epoch: e });
      }
      for (let b = b0; b < batches; b++) {
        const start = b * batchSize;
        const N = Math.min(batchSize, data.count - start);
        // Awaited only when the batch ran on other threads: one thread stays synchronous step to step.
        const pending = source.gradients(start, N, order, e, rng.u32());
        const { loss, correct: right } = pending instanceof Promise ? await pending : pending;
        if (!Number.isFinite(loss)) {
          checkWeights();
          throw diverged(optimizer.steps, e, b, 'loss', `the loss is ${loss}`, source.locateNonFinite(N));
        }
        correct += right;
        if (clip !== undefined) clipGradients(model, clip, optimizer.steps, e, b);
        divergence.beforeUpdate(e, b);
        optimizer.step(lr, N);
        lossSum += loss * N;
        seen += N;
        opts.onBatchEnd?.({ epoch: e, batch: b, batches, loss, lr });
        if (every !== undefined && optimizer.steps % every === 0 && b + 1 < batches) {
          checkWeights();
          await checkpoint(progress(e, b + 1, rng, lossSum, correct, seen));
        }
        if (now() - lastYield > yieldMs) {
          await yieldNow();
          lastYield = now();
        }
        if (opts.signal?.aborted) break;
      }
      checkWeights();
      const seconds = (now() - t0) / 1000;
      if (opts.signal?.aborted) {
        history.aborted = true;
        break;
      }
      const result = recordEpoch(history, model, validation,
        { epoch: e, loss: lossSum / seen, accuracy: correct / seen, lr, seconds, samplesPerSecond: seen / seconds });
      // Batch 0 of the next epoch: a resumed run starts that epoch afresh (its stream comes from seed and epoch).
      if (opts.onCheckpoint) await checkpoint(progress(e + 1, 0, rng, 0, 0, 0));
      opts.onEpochEnd?.(result);
    }
  } finally {
    await source.close();
  }
  return history;
}

/**
 * The batch gradients over `threads` worker threads, or on this thread with a notice through `opts.warn`
 * (default console.warn) where they cannot run: the js backend, no isolation or SharedArrayBuffer, no
 * shared-memory kernels.
 */
async function onThreads(model: Sequential, data: Dataset, threads: number, batchSize: number,
  opts: FitOptions): Promise<BatchGradients> {
  const why = model.backend.name !== 'wasm' ? `the ${model.backend.name} backend runs on one thread` : threadsUnavailable();
  // Imported here, on first use: the threads code is a chunk of its own, which its Web Workers load (parallel.ts).
  const pooled = why === null
    ? await (await import('./parallel.js')).threadedGradients(model, data, threads, Math.ceil(batchSize / threads), opts.workerUrl)
    : null;
  if (pooled !== null) return pooled;
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  warn(`lenet5: training on one thread: ${why ?? 'the shared-memory kernels are not available here'}`);
  return onThisThread(model, data);
}

/** Scores the epoch on the validation data (if any) and appends it to the history. */
export function recordEpoch(history: History, model: Sequential, validation: Dataset | undefined,
  result: EpochResult): EpochResult {
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
  return result;
}
