/**
 * LeNet5: the class users hold. It owns one Sequential built on its own backend (one arena), its
 * optimizer state between fit calls, and the I/O.
 *
 *   await init();
 *   const net = LeNet5.modern({ seed: 1 });
 *   await net.fit(train, { epochs: 10 });
 *   net.evaluate(test).accuracy;
 *   net.predict(image).label;
 */
import type { Backend, BackendName } from '../backend/backend.js';
import { createBackend } from '../backend/load.js';
import type { Layer } from '../layers/layer.js';
import { decodeModel, encodeModel } from '../io/format.js';
import { fromOnnx, toOnnx, type FromOnnxOptions } from '../io/onnx.js';
import { evaluate, fit, predictBatch, type BatchPrediction, type Evaluation, type FitOptions, type History,
  type ImageData } from '../train/fit.js';
import { adam, createOptimizer, sdlm, type Optimizer, type OptimizerSpec } from '../train/optimizers.js';
import { classicModel, modernModel, type ClassicOptions, type ModernOptions } from './presets.js';
import { Sequential, type InputSpec, type LossSpec } from './sequential.js';
import { summaryData, summaryText, type SummaryData } from './summary.js';
import { pretrainedBytes, type PretrainedName, type PretrainedSource } from './pretrained.js';

export interface ModelOptions {
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
  /** 'wasm' (default after init()) or 'js' (the pure-TS kernels). */
  backend?: BackendName | Backend;
  /** Batch capacity the arena is laid out for (grows on demand; default 32). */
  batchSize?: number;
}

export interface Prediction {
  /** The predicted class. */
  label: number;
  /** Class probabilities (softmax models). */
  probabilities?: Float32Array;
  /** RBF penalties, lower is better (classic). */
  penalties?: Float32Array;
  scores: Float32Array;
}

type Preset = 'classic' | 'modern' | null;

function sameSpec(a: OptimizerSpec, b: OptimizerSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class LeNet5 {
  readonly model: Sequential;
  readonly backend: Backend;
  readonly preset: Preset;
  readonly seed: number;
  /** Epochs trained so far over every fit call (schedules and seeds continue from here). */
  epochsTrained = 0;
  private optimizer: Optimizer | null = null;

  private constructor(model: Sequential, preset: Preset, opts: ModelOptions, initialise: boolean) {
    this.backend = typeof opts.backend === 'object' ? opts.backend : createBackend(opts.backend);
    this.model = model.build(this.backend, opts.batchSize ?? 32);
    this.preset = preset;
    this.seed = opts.seed ?? 0;
    if (initialise) this.model.initialize(this.seed);
  }

  /** The paper's LeNet-5 (DESIGN §4): 32x32 input, C3 per Table I, RBF output, trained with SDLM. */
  static classic(opts: ModelOptions & ClassicOptions = {}): LeNet5 {
    return new LeNet5(classicModel(opts), 'classic', opts, true);
  }

  /** The Keras variant: ReLU, average pooling, dropout 0.8, softmax; trained with Adam 1e-3, batch 32. */
  static modern(opts: ModelOptions & ModernOptions = {}): LeNet5 {
    return new LeNet5(modernModel(opts), 'modern', opts, true);
  }

  /** A custom stack of layers (variants: max pooling, other widths, tanh instead of ReLU, ...). */
  static fromLayers(layers: Layer[], spec: { input: InputSpec; loss: LossSpec; name?: string }, opts: ModelOptions = {}): LeNet5 {
    return new LeNet5(new Sequential(layers, spec), null, opts, true);
  }

  /** Rebuilds a model saved with `save()`; validates the file and names what is wrong. */
  static load(bytes: Uint8Array | ArrayBuffer, opts: Omit<ModelOptions, 'seed'> & { source?: string } = {}): LeNet5 {
    const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    const d = decodeModel(data, opts.source);
    const preset = d.header.preset === 'classic' || d.header.preset === 'modern' ? d.header.preset : null;
    const net = new LeNet5(d.model, preset, { ...opts, seed: d.header.seed ?? 0 }, false);
    net.model.setParams(d.params);
    if (d.header.training) {
      net.epochsTrained = d.header.training.epochsTrained;
      if (d.state.length > 0) {
        const opt = createOptimizer(d.header.training.optimizer as unknown as OptimizerSpec, net.model);
        opt.steps = d.header.training.steps;
        if (opt.state.length !== d.state.length) {
          throw new Error(`${opts.source ?? 'model file'}: optimizer ${String(d.header.training.optimizer['type'])} ` +
            `needs ${opt.state.length} state tensors, the file has ${d.state.length}`);
        }
        opt.state.forEach((r, i) => net.model.view(r).set(d.state[i]!));
        net.optimizer = opt;
      }
    }
    return net;
  }

  /**
   * A pretrained model shipped in the package (trained by `npm run pretrain` on the bundled digits):
   * read from the package folder in Node, fetched next to the module in browsers (or from `url`/`bytes`).
   */
  static async pretrained(name: PretrainedName, opts: Omit<ModelOptions, 'seed'> & PretrainedSource = {}): Promise<LeNet5> {
    const { url, bytes, ...rest } = opts;
    const source: PretrainedSource = url === undefined ? (bytes === undefined ? {} : { bytes }) : { url };
    return LeNet5.load(await pretrainedBytes(name, source), { ...rest, source: `pretrained ${name} model` });
  }

  /** A modern LeNet-5 with the weights of an ONNX model of that architecture (PyTorch, Keras, ours). */
  static fromOnnx(bytes: Uint8Array | ArrayBuffer, opts: FromOnnxOptions = {}): LeNet5 {
    return fromOnnx(bytes, opts);
  }

  /** The model as ONNX bytes (opset 13): input float32 [N, 1, 28, 28], pixels in [0, 1]. */
  toOnnx(): Uint8Array {
    return toOnnx(this);
  }

  /** The model as bytes (JSON header + float32 payload); `training: true` adds optimizer state to resume. */
  save(opts: { training?: boolean } = {}): Uint8Array {
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
          epochsTrained: this.epochsTrained,
          state: opt ? opt.state.map((r) => this.model.view(r)) : [],
        }
        : null,
    });
  }

  /** The training recipe of the preset: classic = SDLM with the paper's schedule; modern = Adam 1e-3, batch 32. */
  get defaultOptimizer(): OptimizerSpec {
    return this.preset === 'classic' ? sdlm() : adam({ lr: 1e-3 });
  }

  /** Default batch size of `fit`: 1 for classic (the paper updates after every sample), else 32. */
  get defaultBatchSize(): number {
    return this.preset === 'classic' ? 1 : 32;
  }

  /** Trains in place; resolves with the history (also when aborted, with `aborted: true`). */
  async fit(train: ImageData, opts: FitOptions = {}): Promise<History> {
    let spec = opts.optimizer ?? this.optimizer?.spec ?? this.defaultOptimizer;
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
    const history = await fit(this.model, train, {
      ...opts,
      batchSize: opts.batchSize ?? this.defaultBatchSize,
      optimizer,
      seed: opts.seed ?? this.seed,
      initialEpoch: opts.initialEpoch ?? this.epochsTrained,
    });
    this.epochsTrained += history.epochs.length;
    return history;
  }

  /** Loss, accuracy, confusion matrix, per-class accuracy, misclassified indices. */
  evaluate(test: ImageData): Evaluation {
    return evaluate(this.model, test);
  }

  /**
   * One image (bytes 0..255 or floats 0..1, 28x28 row-major) -> its class and probabilities/penalties.
   * Several images -> pass `{ images, count }` or use `predictBatch`.
   */
  predict(image: ArrayLike<number>): Prediction;
  predict(batch: { images: ArrayLike<number>; count?: number }): BatchPrediction;
  predict(x: ArrayLike<number> | { images: ArrayLike<number>; count?: number }): Prediction | BatchPrediction {
    const [h, w] = this.model.imageSize;
    if ('images' in x && typeof x.images === 'object') {
      const count = x.count ?? Math.floor(x.images.length / (h * w));
      return predictBatch(this.model, x.images, count);
    }
    const img = x as ArrayLike<number>;
    if (img.length !== h * w) {
      throw new RangeError(`predict: one image must have ${h}x${w} = ${h * w} values, got ${img.length}`);
    }
    const r = predictBatch(this.model, img, 1);
    const scores = r.scores;
    return {
      label: r.labels[0]!,
      scores,
      ...(r.kind === 'probabilities' ? { probabilities: scores } : {}),
      ...(r.kind === 'penalties' ? { penalties: scores } : {}),
    };
  }

  /** Inference on `count` images stored back to back. */
  predictBatch(images: ArrayLike<number>, count: number): BatchPrediction {
    return predictBatch(this.model, images, count);
  }

  /** A Keras-like table; `{ json: true }` returns the data instead. */
  summary(): string;
  summary(opts: { json: true }): SummaryData;
  summary(opts: { json?: boolean } = {}): string | SummaryData {
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

  setWeights(values: ArrayLike<number>): void {
    this.model.setParams(values);
  }
}
