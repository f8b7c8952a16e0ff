/**
 * fit / evaluate / predict over a built Sequential. One batch is: write inputs and labels into the
 * arena, forward, loss, zeroGrad, backward, one optimizer kernel. Seeded: the permutation of each epoch,
 * the dropout seed of each step and SDLM's sample choice all come from one Rng, so the same seed and
 * backend give bit-identical weights.
 *
 * Threads change only how one batch's gradient is computed (a BatchGradients: on the model here, or over
 * replicas in parallel.ts); the loop around it, with the guard, clipping, checkpoints and resume, is one.
 *
 * Why ~500 lines: most of it is the options' documented types and their checks; the loop itself is one
 * function whose steps (resume, shuffle, hooks, guard, checkpoint, validation) share its local state. What
 * stands apart does: the guard (guard.ts), callbacks (callbacks.ts), inference (models/inference.ts),
 * threads (parallel.ts), the progress bar (verbose.ts).
 */
import type { AnyDataset } from '../data/dataset.js';
import { checkSeed, mixSeed } from '../random.js';
import { CheckpointError, InvalidArgumentError } from '../errors.js';
import { asDataset, countCorrect, evaluate, firstNonFiniteActivation, type ImageData } from '../models/inference.js';
import { clipGradients, diverged, DivergenceGuard } from './guard.js';
import type { Sequential } from '../models/sequential.js';
import { createOptimizer, type Optimizer, type OptimizerSpec } from './optimizers.js';
import { threadsUnavailable } from '../platform/worker-threads.js';
import { Rng } from '../random.js';
import type { Schedule } from './schedules.js';
import { callHooks, type BatchInfo, type Callback, type EpochResult, type History, type TrainingControl } from './callbacks.js';
import { verboseCallback, type Verbosity } from './verbose.js';

export type { BatchInfo, EpochResult, History, StopReason } from './callbacks.js';

/** `validationSplit` with a seeded shuffle: `fraction` of the samples, drawn at random with `seed`. */
export interface ValidationSplit {
  /** Share of the samples held out, strictly between 0 and 1. */
  fraction: number;
  /** Seed of the random draw of the held-out samples. */
  seed: number;
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
  /**
   * Samples per optimizer step. Default: the preset's recipe (modern 32, classic 1), at most the number of
   * training samples; an explicit value larger than that is an error.
   */
  batchSize?: number;
  /** An optimizer spec (`adam()`, `sgd({...})`, `sdlm()`), or one bound earlier to continue its state. */
  optimizer?: OptimizerSpec | Optimizer;
  /** Learning rate per epoch; default the optimizer's own (constant, or the paper's for SDLM). */
  schedule?: Schedule;
  /** Data scored after every epoch (`valLoss`, `valAccuracy` in the log). Not with `validationSplit`. */
  validation?: ImageData;
  /**
   * Holds out part of the training data to validate on, as Keras does: `0.1` takes the LAST 10% of the
   * samples, in their order (the rest trains); `{ fraction: 0.1, seed: 1 }` draws that 10% at random with
   * the seed instead (copies the samples). At least one sample on each side. Not with `validation`.
   */
  validationSplit?: number | ValidationSplit;
  /**
   * Keras-style hooks, one object or an array, called in order: onTrainBegin, onEpochBegin, onBatchBegin,
   * onBatchEnd, onEpochEnd, onTrainEnd. A hook that returns a promise is awaited. See `earlyStopping`,
   * `reduceLrOnPlateau`.
   */
  callbacks?: Callback | readonly Callback[];
  /**
   * Progress in Node, on stderr: 1 (or true) a progress bar per epoch and a line with each epoch's log
   * (on a terminal; otherwise the lines only), 2 the lines only, 0 nothing (default). Browsers print nothing.
   */
  verbose?: Verbosity;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed for shuffling, dropout and SDLM sampling: an integer in [0, 2^32) (default: the model's seed). */
  seed?: number;
  /** Epoch number to start counting from (resuming a schedule). */
  initialEpoch?: number;
  /**
   * Stops training at the next batch boundary; fit then resolves with `aborted: true`. With `checkpoint`,
   * a checkpoint of where it stopped is written first, so that `resume` continues from that batch.
   */
  signal?: AbortSignal;
  /** Shorthand for `callbacks: { onBatchEnd }` (called before `callbacks`; awaited when it returns a promise). */
  onBatchEnd?: (info: BatchInfo) => unknown;
  /** Shorthand for `callbacks: { onEpochEnd }`. */
  onEpochEnd?: (result: EpochResult) => unknown;
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
}

/** What `LeNet5.fit` passes to the loop besides the user's options (not part of the public API). */
export interface LoopOptions extends FitOptions {
  /** Where an interrupted run stopped (from a checkpoint). */
  resumeFrom?: TrainingProgress;
  /** Serialises and stores a checkpoint. */
  onCheckpoint?: (progress: TrainingProgress) => Promise<void>;
  /** The checkpoint `resumeFrom` came from, for notices. */
  resumeSource?: string;
  /** The preset's batch size, used (clamped to the data) when `batchSize` is not given. */
  defaultBatchSize?: number;
  /** Throws when the model may no longer be used (disposed); called before every batch and checkpoint. */
  checkUsable?: () => void;
  /** Reads and sets the weights for TrainingControl (default: the model's params block). */
  weights?: { get(): Float32Array; set(values: ArrayLike<number>): void };
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
  /**
   * Fingerprint of the training data (dataFingerprint): a resumed run on other data of the same size is
   * refused. Absent in checkpoints written before it existed.
   */
  data?: string;
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
export function onThisThread(model: Sequential, data: AnyDataset): BatchGradients {
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

/** The training and validation sets of `validationSplit` (see FitOptions). */
export function splitValidation(data: AnyDataset, split: number | ValidationSplit): [AnyDataset, AnyDataset] {
  const seeded = typeof split === 'object' && split !== null;
  const fraction = seeded ? split.fraction : split;
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) {
    throw new InvalidArgumentError(`fit: validationSplit must be a fraction in (0, 1)${seeded ? '' : ' or { fraction, seed }'}, got ${
      String(fraction)}`);
  }
  if (seeded) checkSeed(split.seed, 'fit: validationSplit.seed');
  const held = Math.round(fraction * data.count);
  if (held < 1 || held >= data.count) {
    throw new InvalidArgumentError(`fit: validationSplit ${fraction} of ${data.count} samples leaves ${held} to validate and ` +
      `${data.count - held} to train; each needs at least one`);
  }
  return data.split(data.count - held, seeded ? { seed: split.seed } : {});
}

/** Trains `model` in place. */
export async function fit(model: Sequential, train: ImageData, opts: LoopOptions = {}): Promise<History> {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new InvalidArgumentError(`fit: threads must be an integer in [1, 64], got ${String(threads)}`);
  }
  let data = asDataset(train, model, 'training data');
  let validation = opts.validation === undefined ? undefined : asDataset(opts.validation, model, 'validation data');
  if (opts.validationSplit !== undefined) {
    if (validation !== undefined) throw new InvalidArgumentError('fit: pass validation or validationSplit, not both');
    [data, validation] = splitValidation(data, opts.validationSplit);
  }
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new InvalidArgumentError(`fit: epochs must be an integer >= 1, got ${String(epochs)}`);
  }
  if (data.count === 0) throw new InvalidArgumentError('fit: the training data is empty; pass at least one sample');
  // The default follows the data: a 2-sample set trains in batches of 2, with no error about a size never asked for.
  const batchSize = opts.batchSize ?? Math.min(opts.defaultBatchSize ?? 32, data.count);
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
  checkSeed(seed, 'fit: seed');
  const shuffle = opts.shuffle ?? true;
  const yieldMs = opts.yieldEveryMs ?? 50;
  const guard = opts.guard ?? true;
  const resume = opts.resumeFrom;
  // Computed once, and only for runs that write or read checkpoints.
  let fp: string | null = null;
  const fingerprint = (): string => (fp ??= dataFingerprint(data));
  if (resume !== undefined) {
    // The progress does not depend on threads: a checkpoint resumes on any number of them.
    const want = { seed, batchSize, shuffle, count: data.count };
    for (const k of Object.keys(want) as (keyof typeof want)[]) {
      if (resume[k] !== want[k]) {
        throw new CheckpointError(`resume: the checkpoint was written with ${k} ${String(resume[k])} but this run has ${String(want[k])}; ` +
          'resume with the options and data of the interrupted run');
      }
    }
    if (resume.data !== undefined && resume.data !== fingerprint()) {
      throw new CheckpointError(`resume: the checkpoint was written on other training data (fingerprint ${resume.data}, this ` +
        `run's ${fingerprint()}) of the same size; resume with the data of the interrupted run`);
    }
  }
  const first = resume?.fitStart ?? opts.initialEpoch ?? 0;
  if (resume !== undefined && resume.epoch >= first + epochs) {
    (opts.warn ?? ((m: string) => console.warn(m)))(`lenet5: ${opts.resumeSource ?? 'the checkpoint'} is the checkpoint of a finished ` +
      `run (epoch ${resume.epoch - first} of ${epochs}); nothing left to train. To train again, delete it or pass resume: false; ` +
      'to train longer, raise epochs');
  }
  const order = new Uint32Array(data.count);
  for (let i = 0; i < data.count; i++) order[i] = i;
  const batches = Math.ceil(data.count / batchSize);
  const divergence = new DivergenceGuard(model, optimizer, guard);
  const checkWeights = (): void => divergence.checkWeights();
  let lastYield = now();
  const progress = (e: number, b: number, rng: Rng, lossSum: number, correct: number, seen: number): TrainingProgress => ({
    fitStart: first, fitEpochs: epochs, epoch: e, batch: b, rng: rng.state.map((v) => v >>> 0) as TrainingProgress['rng'], seed, batchSize, shuffle, count: data.count,
    data: fingerprint(), lossSum, correct, seen,
  });
  const checkpoint = async (p: TrainingProgress): Promise<void> => {
    opts.checkUsable?.();
    if (opts.onCheckpoint) await opts.onCheckpoint(p);
  };

  const callbacks: Callback[] = [];
  const verbose = await verboseCallback(opts.verbose);
  if (verbose !== null) callbacks.push(verbose);
  if (opts.onBatchEnd !== undefined || opts.onEpochEnd !== undefined) {
    callbacks.push({
      ...(opts.onBatchEnd ? { onBatchEnd: opts.onBatchEnd } : {}),
      ...(opts.onEpochEnd ? { onEpochEnd: opts.onEpochEnd } : {}),
    });
  }
  const given = opts.callbacks;
  if (given !== undefined) {
    const list = Array.isArray(given) ? given : [given as Callback];
    list.forEach((c, i) => {
      if (c === null || typeof c !== 'object') {
        throw new InvalidArgumentError(`fit: callbacks${Array.isArray(given) ? `[${i}]` : ''} must be an object with hooks ` +
          `(onEpochEnd, ...), got ${c === null ? 'null' : typeof c}`);
      }
    });
    callbacks.push(...list);
  }
  let stopReason: 'earlyStopping' | 'callback' | null = null;
  const weights = opts.weights ?? { get: () => model.getParams(), set: (v: ArrayLike<number>) => model.setParams(v) };
  const control: TrainingControl = {
    stop(reason = 'callback') {
      if (reason !== 'earlyStopping' && reason !== 'callback') {
        throw new InvalidArgumentError(`stop: reason must be 'earlyStopping' or 'callback', got ${String(reason)}`);
      }
      stopReason ??= reason;
    },
    get stopRequested() {
      return stopReason !== null;
    },
    lrScale: 1,
    getWeights: () => weights.get(),
    setWeights: (v) => weights.set(v),
  };
  const hook = callbacks.length === 0 ? null : callHooks;

  // Last before the loop, so that nothing between starting the workers and the finally can throw.
  const source = threads === 1 ? onThisThread(model, data) : await onThreads(model, data, threads, batchSize, opts);
  const history: History = {
    epochs: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], stopReason: 'completed', aborted: false, threads: source.threads,
  };
  const startEpoch = resume?.epoch ?? first;
  try {
    if (hook) {
      await hook(callbacks, 'onTrainBegin', { epochs, initialEpoch: first, batchSize, batches, samples: data.count,
        validationSamples: validation?.count ?? 0 }, control);
    }
    for (let e = startEpoch; e < first + epochs && stopReason === null; e++) {
      if (opts.signal?.aborted) {
        history.aborted = true;
        break;
      }
      // One stream per (seed, epoch): fit(2 epochs) and fit(1) + fit(1) draw the same numbers.
      const rng = new Rng(mixSeed(seed, e));
      const scale = control.lrScale;
      if (!(typeof scale === 'number' && scale >= 0 && Number.isFinite(scale))) {
        throw new InvalidArgumentError(`fit: a callback set lrScale to ${String(scale)}; it must be a finite number >= 0`);
      }
      const lr = schedule(e) * scale;
      if (hook) await hook(callbacks, 'onEpochBegin', { epoch: e, lr, batches }, control);
      const t0 = now();
      if (!(Number.isFinite(lr) && lr >= 0)) {
        throw new InvalidArgumentError(`fit: the learning rate of epoch ${e + 1} is ${lr}; it must be a finite number >= 0`);
      }
      if (shuffle) data.permutation(rng.u32(), order);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let b0 = 0;
      let partial = false;
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
        if (hook) {
          const p = hook(callbacks, 'onBatchBegin', { epoch: e, batch: b, batches, size: N }, control);
          if (p) await p;
        }
        opts.checkUsable?.();
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
        if (hook) {
          const p = hook(callbacks, 'onBatchEnd', { epoch: e, batch: b, batches, loss, lr }, control);
          if (p) await p;
        }
        if (every !== undefined && optimizer.steps % every === 0 && b + 1 < batches) {
          checkWeights();
          await checkpoint(progress(e, b + 1, rng, lossSum, correct, seen));
        }
        if (now() - lastYield > yieldMs) {
          await yieldNow();
          lastYield = now();
        }
        if (opts.signal?.aborted) {
          // Where it stopped, so that `resume` continues from this batch (not from the last checkpoint).
          if (opts.onCheckpoint) {
            checkWeights();
            await checkpoint(progress(e, b + 1, rng, lossSum, correct, seen));
          }
          break;
        }
        if (stopReason !== null && b + 1 < batches) {
          partial = true;
          break;
        }
      }
      checkWeights();
      opts.checkUsable?.();
      const seconds = (now() - t0) / 1000;
      if (opts.signal?.aborted) {
        history.aborted = true;
        break;
      }
      // A batch hook stopped the run mid-epoch: the unfinished epoch is not recorded.
      if (partial) break;
      const result = recordEpoch(history, model, validation,
        { epoch: e, loss: lossSum / seen, accuracy: correct / seen, lr, seconds, samplesPerSecond: seen / seconds });
      // Batch 0 of the next epoch: a resumed run starts that epoch afresh (its stream comes from seed and epoch).
      if (opts.onCheckpoint) await checkpoint(progress(e + 1, 0, rng, 0, 0, 0));
      if (hook) await hook(callbacks, 'onEpochEnd', result, control);
    }
    history.stopReason = history.aborted ? 'aborted' : stopReason ?? 'completed';
    if (hook) await hook(callbacks, 'onTrainEnd', history, control);
  } finally {
    verbose?.close();
    await source.close();
  }
  return history;
}

/**
 * The batch gradients over `threads` worker threads, or on this thread with a notice through `opts.warn`
 * (default console.warn) where they cannot run: the js backend, no isolation or SharedArrayBuffer, no
 * shared-memory kernels.
 */
async function onThreads(model: Sequential, data: AnyDataset, threads: number, batchSize: number,
  opts: LoopOptions): Promise<BatchGradients> {
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
export function recordEpoch(history: History, model: Sequential, validation: AnyDataset | undefined,
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

/**
 * A fingerprint of a dataset for checkpoints: 32-bit FNV-1a over its shape, every label and every 7th byte
 * of its pixels. Not a cryptographic hash: it tells a resumed run that its data is not the interrupted
 * run's (other images or labels of the same count), at a fraction of the cost of reading every byte.
 */
export function dataFingerprint(data: AnyDataset): string {
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    h = Math.imul(h ^ (v & 0xff), 0x01000193);
  };
  for (const v of [data.count, data.height, data.width, data.numClasses]) {
    mix(v);
    mix(v >>> 8);
    mix(v >>> 16);
  }
  const labels = data.labels;
  for (let i = 0; i < labels.length; i++) mix(labels[i]!);
  const px = data.images;
  const bytes = new Uint8Array(px.buffer, px.byteOffset, px.byteLength);
  for (let i = 0; i < bytes.length; i += 7) mix(bytes[i]!);
  return (h >>> 0).toString(16).padStart(8, '0');
}
