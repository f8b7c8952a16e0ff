/**
 * LeNet5: the class users hold. It owns one Sequential built on its own backend (one arena), its
 * optimizer state between fit calls, and the I/O.
 *
 *   await init();
 *   const net = LeNet5.modern({ seed: 1 });
 *   await net.fit(train, { epochs: 10 });
 *   net.evaluate(test).accuracy;
 *   net.predict(image).label;
 *
 * Why ~570 lines: it is the API surface users read, one documented method per thing they do (create, load,
 * save, fit with checkpoints, predict, evaluate, threads, summary); each delegates to the module that does
 * the work (train/fit.ts, models/inference.ts, io/format.ts, platform/storage.ts, train/parallel.ts).
 */
import type { Backend, BackendName } from '../backend/backend.js';
import { createBackend } from '../backend/load.js';
import type { Layer } from '../layers/layer.js';
import { Dataset } from '../data/dataset.js';
import { CheckpointError, DisposedError, InvalidArgumentError, ModelFileError } from '../errors.js';
import { isNode } from '../platform/node-builtin.js';
import { decodeModel, encodeModel, type DecodedModel } from '../io/format.js';
import type { FitOptions, History, LoopOptions, TrainingProgress } from '../train/fit.js';
import type { ModelDestination, ModelSource } from '../platform/storage.js';
import { asDataset, evaluate, predictBatch, type BatchPrediction, type Evaluation, type ImageData, type Prediction } from './inference.js';
import { adam, createOptimizer, sdlm, type Optimizer, type OptimizerSpec } from '../train/optimizers.js';
import { threadsUnavailable } from '../platform/worker-threads.js';
import { checkSeed } from '../random.js';
import { classicModel, modernModel, type ClassicOptions, type ModernOptions } from './presets.js';
import { Sequential, type InputSpec, type LossSpec } from './sequential.js';
import { summaryData, summaryText, type SummaryData } from './summary.js';
import { pretrainedBytes, type PretrainedName, type PretrainedSource } from './pretrained.js';

/**
 * Options of the model constructors (`LeNet5.modern`, `classic`, `fromLayers`; `load` and `pretrained` without
 * `seed`).
 */
export interface ModelOptions {
  /** Seed of the weight initialisation: an integer in [0, 2^32) (default 0; anything else throws). */
  seed?: number;
  /** 'wasm' (default after init()) or 'js' (the pure-TS kernels). */
  backend?: BackendName | Backend;
  /** Batch capacity the arena is laid out for (grows on demand; default 32). */
  batchSize?: number;
  /**
   * Memory maximum of the model's arena in bytes (default 2 GiB): a model, batch or optimizer state that
   * would exceed it fails up front with a MemoryLimitError. Ignored when `backend` is a Backend object.
   */
  maxMemoryBytes?: number;
}

export type { Prediction };
export type { ModelDestination, ModelSource };

/** Options of `saveTo` (and `save`). */
export interface SaveOptions {
  /** Add the optimizer state, so that `fit` continues exactly (a checkpoint). Default false. */
  training?: boolean;
}

type Preset = 'classic' | 'modern' | null;

/** What `LeNet5.predictor()` returns: batch inference on `threads` threads until closed. */
export interface BatchPredictor {
  /** Threads the predictions run on (1 when threads were unavailable, or asked for). */
  readonly threads: number;
  /** Classes and scores of `count` images stored back to back (default: all), split over the threads. */
  predict(images: ArrayLike<number>, count?: number): Promise<BatchPrediction>;
  /** Stops the threads; the predictor cannot be used afterwards. */
  close(): Promise<void>;
}

/** How each preset trains, by default: the one place the library, the CLI and `npm run pretrain` read it. */
export interface Recipe {
  optimizer(): OptimizerSpec;
  batchSize: number;
  epochs: number;
}

export const RECIPES: Readonly<Record<'classic' | 'modern', Recipe>> = {
  // The paper: SDLM with its pass schedule, one sample per step, 20 passes.
  classic: { optimizer: () => sdlm(), batchSize: 1, epochs: 20 },
  // The article's Keras run: Adam 1e-3, batch 32, 10 epochs.
  modern: { optimizer: () => adam({ lr: 1e-3 }), batchSize: 32, epochs: 10 },
};

function sameSpec(a: OptimizerSpec, b: OptimizerSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Atomic write (temp file + fsync + rename); failures become a CheckpointError naming the path. */
export async function writeFileChecked(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await (await import('../platform/file-atomic.js')).writeFileAtomic(path, bytes);
  } catch (err) {
    throw new CheckpointError(`${path}: cannot write the file (${(err as { code?: string }).code ?? (err as Error).message}); ` +
      'check that the folder exists and is writable', path, { cause: err });
  }
}

/**
 * A LeNet-5 (the paper's `classic`, the Keras-style `modern`, or a custom stack of layers) with its own
 * kernels and memory: build it, train it with `fit`, evaluate it, predict, save and load it.
 *
 * @example
 * ```ts
 * import { init, LeNet5 } from 'lenet5';
 *
 * await init(); // compiles the WebAssembly kernels once
 * const net = LeNet5.modern();
 * const bytes = net.save();
 * const copy = LeNet5.load(bytes);
 * net.dispose();
 * copy.dispose();
 * ```
 */
export class LeNet5 {
  private model_: Sequential | null;
  private backend_: Backend | null;
  /** `'classic'` or `'modern'` for the presets (also when loaded from a file), null for `fromLayers` models. */
  readonly preset: Preset;
  /** Seed of the weight initialisation (default 0; a loaded model keeps the seed it was made with). */
  readonly seed: number;
  /** Epochs trained so far over every fit call (schedules and seeds continue from here). */
  epochsTrained = 0;
  private optimizer: Optimizer | null = null;
  /** True while a `fit` call runs: a second fit and setWeights throw meanwhile; dispose stops it. */
  private fitting_ = false;

  private constructor(model: Sequential, preset: Preset, opts: ModelOptions, initialise: boolean) {
    const max = opts.maxMemoryBytes;
    if (max !== undefined && !(Number.isSafeInteger(max) && max > 0)) {
      throw new InvalidArgumentError(`maxMemoryBytes must be a positive integer number of bytes, got ${String(max)}`);
    }
    const bs = opts.batchSize ?? 32;
    if (!Number.isInteger(bs) || bs < 1) throw new InvalidArgumentError(`batchSize must be an integer >= 1, got ${String(bs)}`);
    if (initialise && opts.seed !== undefined) checkSeed(opts.seed, 'seed');
    this.backend_ = typeof opts.backend === 'object' ? opts.backend : createBackend(opts.backend, max);
    this.model_ = model.build(this.backend_, bs);
    this.preset = preset;
    this.seed = opts.seed ?? 0;
    if (initialise) this.model.initialize(this.seed);
  }

  /**
   * The paper's LeNet-5 (LeCun et al. 1998): 32x32 input, C3 per Table I, RBF output, trained with SDLM.
   *
   * @example
   * ```ts
   * import { init, LeNet5 } from 'lenet5';
   *
   * await init();
   * const net = LeNet5.classic({ seed: 1, loss: 'rbf-map' });
   * console.log(net.paramCount()); // 60000
   * ```
   */
  static classic(opts: ModelOptions & ClassicOptions = {}): LeNet5 {
    return new LeNet5(classicModel(opts), 'classic', opts, true);
  }

  /**
   * The Keras variant: ReLU, average pooling, dropout 0.8, softmax; trained with Adam 1e-3, batch 32.
   *
   * @example
   * ```ts
   * import { init, LeNet5 } from 'lenet5';
   *
   * await init();
   * const net = LeNet5.modern({ seed: 1 });
   * console.log(net.summary()); // the layer table, 61,706 parameters
   * ```
   */
  static modern(opts: ModelOptions & ModernOptions = {}): LeNet5 {
    return new LeNet5(modernModel(opts), 'modern', opts, true);
  }

  /** A custom stack of layers (variants: max pooling, other widths, tanh instead of ReLU, ...). */
  static fromLayers(layers: Layer[], spec: { input: InputSpec; loss: LossSpec; name?: string }, opts: ModelOptions = {}): LeNet5 {
    return new LeNet5(new Sequential(layers, spec), null, opts, true);
  }

  /**
   * Rebuilds a model saved with `save()`; validates the file and names what is wrong.
   *
   * @example
   * ```ts
   * import { readFile } from 'node:fs/promises';
   * import { init, LeNet5 } from 'lenet5';
   *
   * await init();
   * const net = LeNet5.load(await readFile('digits.lenet5'), { source: 'digits.lenet5' });
   * ```
   */
  static load(bytes: Uint8Array | ArrayBuffer, opts: Omit<ModelOptions, 'seed'> & { source?: string } = {}): LeNet5 {
    const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    const d = decodeModel(data, opts.source);
    const preset = d.header.preset === 'classic' || d.header.preset === 'modern' ? d.header.preset : null;
    const seed = Number.isSafeInteger(d.header.seed) ? d.header.seed! : 0;
    const net = new LeNet5(d.model, preset, { ...opts, seed }, false);
    net.restoreTraining(d, opts.source ?? 'model file');
    return net;
  }

  /**
   * Loads a model file from anywhere, on every platform (the async twin of `load`): a file path (Node; a
   * `file:` URL too), an http(s) URL or, in browsers, a string without a scheme (fetched, relative to the
   * page), `'indexeddb://name'` (saved there by `saveTo`), bytes, or a Blob/File (e.g. from an
   * `<input type="file">`). Errors name the source and what is wrong.
   */
  static async loadFrom(source: ModelSource, opts: Omit<ModelOptions, 'seed'> = {}): Promise<LeNet5> {
    if (source instanceof Uint8Array || source instanceof ArrayBuffer) return LeNet5.load(source, opts);
    // The storage code is imported on first use: apps that never call loadFrom/saveTo do not carry it.
    const { bytes, name } = await (await import('../platform/storage.js')).readModel(source);
    return LeNet5.load(bytes, { ...opts, source: name });
  }

  /** Sets params, optimizer state and counters from a decoded file; returns where a checkpointed fit stood. */
  private restoreTraining(d: DecodedModel, source: string): TrainingProgress | undefined {
    const model = this.model;
    model.setParams(d.params);
    const t = d.header.training;
    if (!t) return undefined;
    this.epochsTrained = t.progress?.epoch ?? t.epochsTrained;
    if (d.state.length > 0) {
      let opt: Optimizer;
      try {
        opt = createOptimizer(t.optimizer as unknown as OptimizerSpec, model);
      } catch (err) {
        throw new ModelFileError(`${source}: the training state names an invalid optimizer (${(err as Error).message})`, source, { cause: err });
      }
      if (opt.state.length !== d.state.length || opt.state.some((r, i) => r.length !== d.state[i]!.length)) {
        throw new ModelFileError(`${source}: optimizer ${String(t.optimizer['type'])} needs ${opt.state.length} state tensors ` +
          `of ${model.paramBlockLength} values, the file has ${d.state.map((s) => s.length).join(', ') || 'none'}`, source);
      }
      opt.steps = t.steps;
      opt.state.forEach((r, i) => model.view(r).set(d.state[i]!));
      this.optimizer = opt;
    }
    return t.progress;
  }

  /** The layer graph and its arena; throws a DisposedError after `dispose()`. */
  get model(): Sequential {
    if (this.model_ === null) throw new DisposedError('this LeNet5 model was disposed; create or load a new one');
    return this.model_;
  }

  /**
   * The model's kernels (its own wasm instance, or the js twins) and arena; throws a DisposedError after
   * `dispose()`.
   */
  get backend(): Backend {
    if (this.backend_ === null) throw new DisposedError('this LeNet5 model was disposed; create or load a new one');
    return this.backend_;
  }

  /** True after `dispose()`. */
  get disposed(): boolean {
    return this.model_ === null;
  }

  /**
   * Releases the model's memory (its wasm instance and arena become garbage). Any later use throws a
   * DisposedError. Safe to call twice. During a `fit`, dispose does not throw: the fit stops at its next
   * batch and rejects with a DisposedError (no further epoch runs, no checkpoint is written).
   */
  dispose(): void {
    this.model_ = null;
    this.backend_ = null;
    this.optimizer = null;
  }

  /**
   * A pretrained model shipped in the package (trained by `npm run pretrain` on the bundled digits). Its
   * weights are a module of the package imported on this call, so bundlers split them into a chunk of their
   * own with no configuration; `url` fetches a model file instead, `bytes` takes it as given.
   *
   * @example
   * ```ts
   * import { init, LeNet5 } from 'lenet5';
   *
   * await init();
   * const net = await LeNet5.pretrained('modern');
   * const { label } = net.predict(new Uint8Array(28 * 28)); // 28x28 pixels, 0..255, white ink on black
   * ```
   */
  static async pretrained(name: PretrainedName, opts: Omit<ModelOptions, 'seed'> & PretrainedSource = {}): Promise<LeNet5> {
    const { url, bytes, ...rest } = opts;
    const source: PretrainedSource = url === undefined ? (bytes === undefined ? {} : { bytes }) : { url };
    return LeNet5.load(await pretrainedBytes(name, source), { ...rest, source: `pretrained ${name} model` });
  }

  /**
   * The model file as bytes, at once (JSON header + float32 payload); `training: true` adds the optimizer
   * state to resume. `saveTo` writes it somewhere; `LeNet5.load(bytes)` reads it back.
   */
  save(opts: SaveOptions = {}): Uint8Array {
    return this.encode(opts.training === true);
  }

  /**
   * Saves the model file (the bytes of `save`) to `destination`, on every platform: a file path or `file:`
   * URL (Node; written atomically: temp file + fsync + rename), `'indexeddb://name'` (browsers; read back
   * with `LeNet5.loadFrom('indexeddb://name')`), `'downloads://name'` (browsers: offered as the download
   * `name.lenet5`), or a function that receives the bytes (an upload, custom storage; awaited).
   */
  async saveTo(destination: ModelDestination, opts: SaveOptions = {}): Promise<void> {
    const bytes = this.save(opts);
    await (await import('../platform/storage.js')).writeModel(destination, bytes);
  }

  private encode(training: boolean, progress?: TrainingProgress): Uint8Array {
    const opts = { training };
    const opt = this.optimizer;
    return encodeModel({
      model: this.model,
      params: this.model.view(this.model.paramsRegion),
      preset: this.preset,
      seed: this.seed,
      training: opts.training
        ? {
          optimizer: (opt?.spec ?? {}) as Record<string, unknown>,
          steps: opt?.steps ?? 0,
          epochsTrained: progress?.epoch ?? this.epochsTrained,
          state: opt ? opt.state.map((r) => this.model.view(r)) : [],
          ...(progress ? { progress } : {}),
        }
        : null,
    });
  }

  /** The training recipe of the preset (RECIPES): classic = SDLM with the paper's schedule; modern = Adam 1e-3. */
  get defaultOptimizer(): OptimizerSpec {
    return RECIPES[this.preset ?? 'modern'].optimizer();
  }

  /** Default batch size of `fit` (RECIPES): 1 for classic (the paper updates after every sample), else 32. */
  get defaultBatchSize(): number {
    return RECIPES[this.preset ?? 'modern'].batchSize;
  }

  /**
   * Trains in place; resolves with the history (also when stopped early or aborted: `stopReason` says
   * which). Resuming (`resume`) from the checkpoint of a finished run trains nothing and says so through
   * `warn`.
   *
   * One fit at a time per model: calling `fit` while another fit of this model runs (e.g.
   * `Promise.all([net.fit(a), net.fit(b)])`) throws an InvalidArgumentError at once; it does not queue.
   * `setWeights` throws likewise during a fit (callbacks set weights through their TrainingControl), and
   * `dispose()` during a fit makes it stop at the next batch with a DisposedError.
   */
  async fit(train: ImageData, opts: FitOptions = {}): Promise<History> {
    const model = this.model;
    // Checked and set before the first await, so that a second call made in the same tick sees it.
    if (this.fitting_) {
      throw new InvalidArgumentError('fit: this model is already training (another fit call has not finished); ' +
        'await it first, or train a second model: two fits on one model would interleave their updates');
    }
    this.fitting_ = true;
    try {
      return await this.fitNow(model, train, opts);
    } finally {
      this.fitting_ = false;
    }
  }

  private async fitNow(model: Sequential, train: ImageData, opts: FitOptions): Promise<History> {
    const ck = opts.checkpoint;
    if (ck !== undefined && (ck === null || typeof ck !== 'object' || (ck.path === undefined && ck.write === undefined))) {
      throw new InvalidArgumentError('fit: checkpoint needs a path (Node) or a write(bytes) callback');
    }
    if (ck?.path !== undefined && !isNode()) {
      throw new InvalidArgumentError('fit: checkpoint.path needs the Node entry of lenet5; in browsers pass checkpoint.write(bytes)');
    }
    let resumeFrom: TrainingProgress | undefined;
    let resumeSource = '';
    if (opts.resume !== undefined && opts.resume !== false) {
      let bytes: Uint8Array | null;
      let source: string;
      if (opts.resume instanceof Uint8Array) {
        bytes = opts.resume;
        source = 'checkpoint';
      } else if (ck?.path !== undefined) {
        try {
          bytes = await (await import('../platform/file-atomic.js')).readIfExists(ck.path);
        } catch (err) {
          throw new CheckpointError(`${ck.path}: cannot read the checkpoint (${(err as { code?: string }).code ?? (err as Error).message})`,
            ck.path, { cause: err });
        }
        source = ck.path;
      } else {
        throw new InvalidArgumentError('fit: resume: true needs checkpoint.path (or pass the checkpoint bytes as resume)');
      }
      if (bytes !== null) {
        const d = decodeModel(bytes, source);
        if (JSON.stringify(d.header.model) !== JSON.stringify(model.config())) {
          throw new CheckpointError(`${source}: the checkpoint holds a different architecture (${d.header.model.name}) ` +
            `than this model (${model.name}); resume with the model of the interrupted run`, source);
        }
        resumeFrom = this.restoreTraining(d, source);
        resumeSource = source;
      }
    }
    let spec = resumeFrom !== undefined && this.optimizer !== null
      ? this.optimizer.spec
      : opts.optimizer ?? this.optimizer?.spec ?? this.defaultOptimizer;
    let optimizer: Optimizer;
    if (typeof (spec as Optimizer).step === 'function') {
      optimizer = spec as Optimizer;
      spec = optimizer.spec;
    } else if (this.optimizer !== null && sameSpec(this.optimizer.spec, spec as OptimizerSpec)) {
      optimizer = this.optimizer;
    } else {
      optimizer = createOptimizer(spec as OptimizerSpec, this.model);
    }
    this.optimizer = optimizer;
    const onCheckpoint = ck === undefined ? undefined : async (p: TrainingProgress): Promise<void> => {
      const bytes = this.encode(true, p);
      if (ck.write) await ck.write(bytes, p);
      if (ck.path !== undefined) await writeFileChecked(ck.path, bytes);
    };
    // Imported on first use: an app that only predicts never loads the training loop.
    const { fit } = await import('../train/fit.js');
    const loop: LoopOptions = {
      ...opts,
      defaultBatchSize: this.defaultBatchSize,
      optimizer,
      seed: opts.seed ?? this.seed,
      initialEpoch: opts.initialEpoch ?? this.epochsTrained,
      ...(resumeFrom ? { resumeFrom } : {}),
      ...(onCheckpoint ? { onCheckpoint } : {}),
      resumeSource,
      checkUsable: () => {
        if (this.model_ === null) throw new DisposedError('fit: the model was disposed during training; training stopped');
      },
    };
    const history = await fit(model, train, loop);
    this.epochsTrained += history.epochs.length;
    return history;
  }

  /** Loss, accuracy, confusion matrix, per-class accuracy, misclassified indices. */
  evaluate(test: ImageData): Evaluation {
    return evaluate(this.model, test);
  }

  /**
   * One image (bytes 0..255 as a Uint8Array, or floats 0..1; 28x28 row-major): its `label`, `probabilities`,
   * `scores` and `kind`, the same fields for both presets (classic: `scores` are the RBF penalties and
   * `probabilities` their softmax of minus the penalties; see Prediction). Several images: `predictBatch`.
   *
   * @example
   * ```ts
   * import { init, LeNet5, preprocessImage } from 'lenet5';
   *
   * await init();
   * const net = await LeNet5.pretrained('modern');
   * // A digit drawn on a canvas: any size, dark on light; preprocessImage makes it MNIST-like (28x28).
   * const canvas = document.querySelector('canvas')!;
   * const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
   * const { label, probabilities } = net.predict(preprocessImage(pixels).data);
   * console.log(label, probabilities[label]);
   * ```
   */
  predict(image: ArrayLike<number>): Prediction;
  /**
   * Several images stored back to back (`count` of them, default `images.length / 784` for 28x28): their
   * classes and scores, as `predictBatch`.
   */
  predict(batch: { images: ArrayLike<number>; count?: number }): BatchPrediction;
  predict(x: ArrayLike<number> | { images: ArrayLike<number>; count?: number }): Prediction | BatchPrediction {
    const [h, w] = this.model.imageSize;
    if (x === null || typeof x !== 'object') {
      throw new InvalidArgumentError(`predict: expected ${h}x${w} pixel values (an array or typed array), got ${x === null ? 'null' : typeof x}`);
    }
    if ('images' in x && typeof x.images === 'object') {
      // Without a count, the values must make whole images (predictBatch checks): 785 values are an error.
      return predictBatch(this.model, x.images, x.count);
    }
    const img = x as ArrayLike<number>;
    if (img.length !== h * w) {
      throw new InvalidArgumentError(`predict: one image must have ${h}x${w} = ${h * w} values, got ${String(img.length)} ` +
        '(row-major, 0..255 or 0..1); resize it first (preprocessImage does the MNIST recipe)');
    }
    return predictBatch(this.model, img, 1).at(0);
  }

  /**
   * Inference on several images: `images` stored back to back (bytes 0..255 as a Uint8Array, or floats
   * 0..1), `count` of them (default: all), or a Dataset / `{ images, labels }` (labels ignored). Returns
   * the fields of `predict` batched (`labels`, `probabilities`, `scores`: count x classes) and `at(i)`.
   */
  predictBatch(images: ArrayLike<number>, count?: number): BatchPrediction;
  /** Inference on every image of a Dataset or `{ images, labels }` (labels ignored). */
  predictBatch(data: ImageData): BatchPrediction;
  predictBatch(x: ArrayLike<number> | ImageData, count?: number): BatchPrediction {
    if (x !== null && typeof x === 'object' && 'images' in x) {
      if (x instanceof Dataset || !('labels' in x)) {
        const { images, count: n } = x as { images: ArrayLike<number>; count?: number };
        return predictBatch(this.model, images, n);
      }
      const d = asDataset(x, this.model, 'predict');
      return predictBatch(this.model, d.images, d.count);
    }
    return predictBatch(this.model, x as ArrayLike<number>, count);
  }

  /**
   * Batch inference over `threads` worker threads that stay up until `close()` (starting them costs tens of
   * milliseconds; each `predict` then splits its images over them and uses the weights as they are at that
   * call). Where threads cannot run (see threadsUnavailable(); the js backend) it warns once through
   * `warn` (default console.warn) and predicts on this thread: `threads` says which.
   */
  async predictor(opts: { threads?: number; workerUrl?: URL | string; capacity?: number; warn?: (message: string) => void } = {}):
    Promise<BatchPredictor> {
    const threads = opts.threads ?? 2;
    // Imported on first use: the threads code is a chunk of its own, which its Web Workers load (parallel.ts).
    const p = threads === 1 ? null : await (await import('../train/parallel.js')).ParallelPredictor.create(this.model, threads, {
      ...(opts.capacity !== undefined ? { capacity: opts.capacity } : {}),
      ...(opts.workerUrl !== undefined ? { workerUrl: opts.workerUrl } : {}),
    });
    if (p !== null) return p;
    if (threads !== 1) {
      const why = this.model.backend.name !== 'wasm' ? `the ${this.model.backend.name} backend runs on one thread`
        : threadsUnavailable() ?? 'the shared-memory kernels are not available here';
      (opts.warn ?? ((m: string) => console.warn(m)))(`lenet5: predicting on one thread: ${why}`);
    }
    const model = this.model;
    return { threads: 1, predict: (images, count) => Promise.resolve(predictBatch(model, images, count)), close: () => Promise.resolve() };
  }

  /**
   * A Keras-like table of the layers, as a string; `{ print: true }` also prints it (console.log, as Keras'
   * `model.summary()` does); `{ json: true }` returns the data instead.
   */
  summary(opts?: { json?: false; print?: boolean }): string;
  /** The summary as data: each layer's output shape, parameters and connections, and the totals. */
  summary(opts: { json: true; print?: boolean }): SummaryData;
  summary(opts: { json?: boolean; print?: boolean } = {}): string | SummaryData {
    if (opts.print === true) console.log(summaryText(this.model));
    return opts.json ? summaryData(this.model) : summaryText(this.model);
  }

  /** Trainable parameters (60,000 classic, 61,706 modern). */
  paramCount(): number {
    return this.model.paramCount();
  }

  /** A copy of every parameter (the params block, masked-out C3 weights included as zeros). */
  getWeights(): Float32Array {
    return this.model.getParams();
  }

  /**
   * Replaces every parameter with `values`, laid out as `getWeights()` returns them (same length, layer order).
   * A non-finite value throws an InvalidArgumentError naming its index and layer, and so does a call while a `fit` of this model runs (it does not queue; a callback sets
   * weights through its TrainingControl instead).
   */
  setWeights(values: ArrayLike<number>): void {
    if (this.fitting_) {
      throw new InvalidArgumentError('setWeights: this model is training (a fit call has not finished); await the fit first, ' +
        'or set weights from a callback with control.setWeights');
    }
    const model = this.model;
    if (values !== null && typeof values === 'object' && values.length === model.paramBlockLength) {
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i]!)) {
          throw new InvalidArgumentError(`setWeights: value ${i} (${model.paramName(i)}) is ${String(values[i])}; weights must be finite`);
        }
      }
    }
    this.model.setParams(values);
  }
}
