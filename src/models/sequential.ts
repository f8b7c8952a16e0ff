/**
 * Sequential: a chain of layers over one arena. `build(backend, capacity)` lays the arena out once:
 *
 *   params | grads | params^2 |  optimizer state  | input, per-layer outputs and their gradients,
 *   (one block each, every layer's tensors        |  labels, targets, layer scratch (masks, im2col,
 *    are sub-regions at the same offsets)         |  argmax, prototypes) — all sized for `capacity`
 *
 * Training a batch is then: copy the inputs and labels in, one kernel call per layer forward, the loss
 * kernel, one fill(0) over the grads block, the layers' backward in reverse, one optimizer kernel over
 * the flat params/grads/state. Nothing is allocated per step.
 *
 * Why one file of ~600 lines: the graph, its arena layout, the batch input and the passes share the
 * regions laid out here (private fields every section reads); split, each part would reach into the
 * others' state. What could live apart does: the fusion plan (fusion.ts), inference (inference.ts), the
 * input levels (data/dataset.ts inputLevels), the training loop (train/).
 */
import { InvalidArgumentError } from '../errors.js';
import type { Backend } from '../backend/backend.js';
import type { Arr } from '../backend/kernels.js';
import { Layer, sizeOf, type BindContext, type RunContext, type Shape, type View } from '../layers/layer.js';
import { Softmax } from '../layers/activation.js';
import type { Conv2D } from '../layers/conv.js';
import { Dropout } from '../layers/dropout.js';
import { RBF } from '../layers/rbf.js';
import type { Region } from '../memory.js';
import { Rng } from '../random.js';
import { inputLevels, type AnyDataset, type Normalization } from '../data/dataset.js';
import { planFusion, type FusionPlan } from './fusion.js';

/** The training criterion, part of the model's description. */
export type LossSpec =
  /** Softmax + categorical cross-entropy; the last layer must be Softmax (fused in training). */
  | { kind: 'crossentropy' }
  /** The paper's Eq. 8: mean penalty of the correct class; the last layer must be RBF. */
  | { kind: 'rbf-penalty' }
  /** The paper's Eq. 9 (MAP): y_D + log(e^-j + sum_i e^-y_i); the last layer must be RBF. */
  | { kind: 'rbf-map'; j: number }
  /** Mean squared error against one-hot targets (hot = 1, cold = 0). */
  | { kind: 'mse' };

/**
 * How raw pixels become network inputs; the same recipes as the data layer's `Dataset.writeBatch`.
 * - `modern`: pixel / 255 in [0, 1], the image's own size.
 * - `classic`: background 0 to -0.1, full ink 255 to 1.175, padded by 2 with the background (28 to 32).
 */
export interface InputSpec {
  /** The network input per sample, [1, H, W] (H, W include the classic padding). */
  shape: Shape;
  /** How pixels become inputs: `'modern'` (0 to 1) or `'classic'` (-0.1 to 1.175, padded by 2). */
  normalization: Normalization;
}

export interface SequentialOptions {
  input: InputSpec;
  loss: LossSpec;
  name?: string;
}

export interface StateRequest {
  name: string;
  length: number;
}

/**
 * A stack of layers run in order over one arena: the layer graph under every LeNet5, also usable directly for
 * custom models.
 */
export class Sequential {
  /** The layers, in order. */
  readonly layers: Layer[];
  /** The network input: shape and normalisation. */
  readonly input: InputSpec;
  /** The training criterion. */
  readonly loss: LossSpec;
  /** The model's name: `'lenet5-classic'`, `'lenet5-modern'`, or as given (default `'sequential'`). */
  readonly name: string;
  /** Which layers run inside another's kernel (fusion.ts). */
  readonly fusion: FusionPlan;
  /** The per-sample output shape, `[classes]`. */
  readonly outShape: Shape;
  /** Offsets (in floats) of every parameter tensor in the params block, per layer. */
  readonly paramOffsets: number[][];
  /** Total floats in the params block (masked-out weights included). */
  readonly paramBlockLength: number;

  private b: Backend | null = null;
  private cap = 0;
  private markParams = 0;
  private stateRequest: StateRequest[] = [];
  private stateRegions: Region[] = [];
  private paramsR: Region | null = null;
  private gradsR: Region | null = null;
  private paramsSqR: Region | null = null;
  private acts: Region[] = [];
  private dacts: Region[] = [];
  private labelsR: Region | null = null;
  private targetsR: Region | null = null;
  /** Conv2D layer index -> index of the AvgPool2D whose output it writes (see the constructor). */
  /** Image bytes staged for the bytesToInput kernel (capacity x H x W bytes), and its 256-entry table. */
  private pixelsR: Region | null = null;
  private lutR: Region | null = null;
  private lut: Float32Array;
  private viewFn: View = (r) => r.f32;
  /** Reused by every forward call (no allocation per step). */
  private readonly run: RunContext = { N: 0, training: false, seed: 0 };

  constructor(layers: Layer[], opts: SequentialOptions) {
    if (layers.length === 0) throw new InvalidArgumentError('a Sequential model needs at least one layer');
    this.layers = layers;
    if (opts.input.normalization !== 'modern' && opts.input.normalization !== 'classic') {
      throw new InvalidArgumentError(`input normalization must be 'modern' or 'classic', got ${String(opts.input.normalization)}`);
    }
    if (opts.input.shape.length !== 3 || opts.input.shape[0] !== 1) {
      throw new InvalidArgumentError(`input shape must be [1, H, W], got [${opts.input.shape.join(', ')}]`);
    }
    this.input = { shape: [...opts.input.shape], normalization: opts.input.normalization };
    this.batchOptions.normalization = opts.input.normalization;
    this.loss = { ...opts.loss };
    this.name = opts.name ?? 'sequential';
    let shape: Shape = this.input.shape;
    const names = new Map<string, number>();
    layers.forEach((l, i) => {
      if (l.name === '') {
        const n = (names.get(l.type) ?? 0) + 1;
        names.set(l.type, n);
        l.name = `${l.type}_${n}`;
      }
      if (l instanceof Dropout) l.index = i;
      try {
        shape = l.configure(shape);
      } catch (err) {
        throw new InvalidArgumentError(`layer ${i} (${l.name}): ${(err as Error).message}`);
      }
    });
    this.outShape = shape;
    this.fusion = planFusion(layers, this.loss.kind);
    const last = layers[layers.length - 1]!;
    const k = this.loss.kind;
    if (k === 'crossentropy' && !(last instanceof Softmax)) {
      throw new InvalidArgumentError(`loss 'crossentropy' needs a Softmax last layer, got ${last.type}`);
    }
    if ((k === 'rbf-penalty' || k === 'rbf-map') && !(last instanceof RBF)) {
      throw new InvalidArgumentError(`loss '${k}' needs an RBF last layer, got ${last.type}`);
    }
    if (this.outShape.length !== 1) throw new InvalidArgumentError(`the model must end in a flat [classes] output, got [${shape.join(', ')}]`);
    let off = 0;
    this.paramOffsets = layers.map((l) =>
      l.params().map((p) => {
        const at = off;
        off += sizeOf(p.shape);
        return at;
      }));
    this.paramBlockLength = off;
    // Rounded exactly as Dataset.writeBatch computes its levels (background + gain * pixel), so a batch
    // written either way holds the same floats.
    const { background, gain } = inputLevels(this.input.normalization);
    this.lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) this.lut[v] = background + gain * v;
  }

  /** Number of classes (size of the output). */
  get classes(): number {
    return this.outShape[0]!;
  }

  /** Input levels of a blank and a fully inked pixel. */
  get inputRange(): readonly [number, number] {
    const { background, ink } = inputLevels(this.input.normalization);
    return [background, ink];
  }

  /** Border added around each image (2 for classic), filled with the background level. */
  get inputPad(): number {
    return inputLevels(this.input.normalization).pad;
  }

  /** The image size the model reads, `[height, width]` without the classic padding (28x28 for both presets). */
  get imageSize(): [number, number] {
    const p = 2 * this.inputPad;
    return [this.input.shape[1]! - p, this.input.shape[2]! - p];
  }

  /** Floats per sample of the network input (784 modern, 1024 classic). */
  get inputSize(): number {
    return sizeOf(this.input.shape);
  }

  /** True when the prediction is the least output (RBF penalties), false when it is the greatest. */
  get predictsByMin(): boolean {
    return this.layers[this.layers.length - 1] instanceof RBF;
  }

  /** Trainable parameters (masked-out weights excluded). */
  paramCount(): number {
    return this.layers.reduce((s, l) => s + l.paramCount(), 0);
  }

  /** Connections in the paper's sense (multiply-adds per sample, each bias one). */
  connections(): number {
    return this.layers.reduce((s, l) => s + l.connections(), 0);
  }

  // ---------------------------------------------------------------- layout

  /** True once `build` has laid out the arena. */
  get built(): boolean {
    return this.b !== null;
  }

  /** The kernels the model runs on; throws before `build`. */
  get backend(): Backend {
    if (this.b === null) throw new InvalidArgumentError(`model ${this.name}: not built yet (call build(backend, batchSize))`);
    return this.b;
  }

  /** Batch capacity the activations are sized for. */
  get capacity(): number {
    return this.cap;
  }

  /** Turns a region into a typed array (Float32Array; Float64Array on the gradient-check backend). */
  get view(): View {
    return this.viewFn;
  }

  /** Lays the arena out for batches of up to `capacity`. Parameters start at zero; call `initialize`. */
  build(backend: Backend, capacity: number): this {
    if (this.b !== null) throw new InvalidArgumentError(`model ${this.name}: already built`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError(`batch capacity must be >= 1, got ${capacity}`);
    this.b = backend;
    const v = (backend as Backend & { view?: View }).view;
    this.viewFn = v !== undefined ? v.bind(backend) : (r) => r.f32;
    const a = backend.arena;
    const P = this.paramBlockLength;
    // The whole layout is checked against the memory limit first: nothing grows for a model that cannot fit.
    const plan = a.plan(a.used);
    for (const label of ['params', 'grads', 'params^2']) plan.take(P, label);
    this.layoutEnd(capacity, plan.used);
    this.paramsR = a.alloc(P, 'params');
    this.gradsR = a.alloc(P, 'grads');
    this.paramsSqR = a.alloc(P, 'params^2');
    this.markParams = a.used;
    this.layoutFrom(this.markParams, capacity);
    return this;
  }

  /**
   * Reserves optimizer state (each `length` floats, zeroed) between the params and the batch regions.
   * Re-lays out the batch regions; parameters keep their values.
   */
  allocState(request: StateRequest[]): Region[] {
    const before = this.stateRequest;
    this.stateRequest = request.map((r) => ({ ...r }));
    try {
      this.layoutFrom(this.markParams, this.cap);
    } catch (err) {
      this.stateRequest = before;
      this.layoutFrom(this.markParams, this.cap);
      throw err;
    }
    return this.stateRegions;
  }

  /** Grows the batch regions when `n` exceeds the capacity (parameters and state keep their values). */
  ensureCapacity(n: number): void {
    if (n > this.cap) {
      const keep = this.stateRegions.map((r) => Float64Array.from(this.viewFn(r)));
      const was = this.cap;
      try {
        this.layoutFrom(this.markParams, n);
      } catch (err) {
        // Over the memory limit: put the previous layout back so the model stays usable, then report.
        this.layoutFrom(this.markParams, was);
        this.stateRegions.forEach((r, i) => this.viewFn(r).set(keep[i]!));
        throw err;
      }
      this.stateRegions.forEach((r, i) => this.viewFn(r).set(keep[i]!));
    }
  }

  /**
   * Where in the arena the batch layout for `capacity` samples would end (bytes from its base) when laid
   * out from `mark`: every region `layoutFrom` allocates, in the same order. Throws the MemoryLimitError
   * `alloc` would, before anything is allocated or the memory grows.
   */
  layoutEnd(capacity: number, mark = this.markParams): number {
    const plan = this.backend.arena.plan(mark);
    for (const s of this.stateRequest) plan.take(s.length, s.name);
    const inSize = this.inputSize;
    plan.take(capacity * inSize, 'input');
    plan.take(capacity * inSize, 'dinput');
    let maxIn = inSize;
    this.layers.forEach((l, i) => {
      maxIn = Math.max(maxIn, sizeOf(l.inShape));
      if (l.aliasesInput || this.fusion.sharesInput.has(i)) return;
      plan.take(capacity * sizeOf(l.outShape), `${l.name}.out`);
      plan.take(capacity * sizeOf(l.outShape), `${l.name}.dout`);
    });
    plan.take(capacity, 'labels');
    if (this.loss.kind === 'mse') plan.take(capacity * this.classes, 'targets');
    plan.take(capacity * maxIn, 'input^2');
    const [h, w] = this.imageSize;
    plan.take(Math.ceil((capacity * h * w) / 4), 'pixels');
    plan.take(256, 'pixel levels');
    for (const l of this.layers) for (const [n, label] of l.scratch(capacity)) plan.take(n, label);
    return plan.used;
  }

  private layoutFrom(mark: number, capacity: number): void {
    const a = this.backend.arena;
    this.layoutEnd(capacity, mark);
    a.reset(mark);
    this.stateRegions = this.stateRequest.map((s) => a.alloc(s.length, s.name));
    this.cap = capacity;
    const L = this.layers.length;
    const acts: Region[] = [];
    const dacts: Region[] = [];
    const inSize = this.inputSize;
    acts.push(a.alloc(capacity * inSize, 'input'));
    dacts.push(a.alloc(capacity * inSize, 'dinput'));
    let maxIn = inSize;
    for (let i = 0; i < L; i++) {
      const l = this.layers[i]!;
      maxIn = Math.max(maxIn, sizeOf(l.inShape));
      if (l.aliasesInput || this.fusion.sharesInput.has(i)) {
        acts.push(acts[i]!);
        dacts.push(dacts[i]!);
      } else {
        const n = capacity * sizeOf(l.outShape);
        acts.push(a.alloc(n, `${l.name}.out`));
        dacts.push(a.alloc(n, `${l.name}.dout`));
      }
    }
    this.acts = acts;
    this.dacts = dacts;
    this.labelsR = a.alloc(capacity, 'labels', 'i32');
    this.targetsR = this.loss.kind === 'mse' ? a.alloc(capacity * this.classes, 'targets') : null;
    const inpSq = a.alloc(capacity * maxIn, 'input^2');
    const [h, w] = this.imageSize;
    this.pixelsR = a.alloc(Math.ceil((capacity * h * w) / 4), 'pixels');
    this.lutR = a.alloc(256, 'pixel levels');
    this.viewFn(this.lutR).set(this.lut);
    for (let i = 0; i < L; i++) {
      const l = this.layers[i]!;
      const specs = l.params();
      const offs = this.paramOffsets[i]!;
      const ctx: BindContext = {
        backend: this.backend,
        view: this.viewFn,
        capacity,
        inp: acts[i]!,
        out: acts[i + 1]!,
        dinp: dacts[i]!,
        dout: dacts[i + 1]!,
        params: specs.map((p, j) => this.paramsR!.sub(offs[j]!, sizeOf(p.shape), `${l.name}.${p.name}`)),
        grads: specs.map((p, j) => this.gradsR!.sub(offs[j]!, sizeOf(p.shape), `${l.name}.d${p.name}`)),
        paramsSq: specs.map((p, j) => this.paramsSqR!.sub(offs[j]!, sizeOf(p.shape), `${l.name}.${p.name}^2`)),
        inpSq,
        alloc: (length, label, dtype) => a.alloc(length, label, dtype),
      };
      l.bind(ctx);
    }
    for (const [i, e] of this.fusion.conv) (this.layers[i] as Conv2D).setEpilogue(e.relu >= 0, e.pool >= 0 ? acts[e.pool + 1]! : null);
  }

  // ---------------------------------------------------------------- parameters

  /** The whole params block (every layer's tensors, in layer order). */
  get paramsRegion(): Region {
    if (this.paramsR === null) throw new InvalidArgumentError(`model ${this.name}: not built yet`);
    return this.paramsR;
  }

  /** The gradients of every parameter, laid out as the params block. */
  get gradsRegion(): Region {
    if (this.gradsR === null) throw new InvalidArgumentError(`model ${this.name}: not built yet`);
    return this.gradsR;
  }

  /** Scratch for the squared parameters of the SDLM second-derivative pass, laid out as the params block. */
  get paramsSqRegion(): Region {
    return this.paramsSqR!;
  }

  /** Draws every parameter from the layers' init schemes with a seeded generator. */
  initialize(seed: number): void {
    const rng = new Rng(seed);
    const uniform = (lo: number, hi: number): number => rng.uniform(lo, hi);
    this.viewFn(this.paramsRegion).fill(0);
    for (const l of this.layers) l.initParams(uniform);
  }

  /** A copy of the params block as float32. */
  getParams(): Float32Array {
    return Float32Array.from(this.viewFn(this.paramsRegion));
  }

  /** Replaces the whole params block with `values` (`paramBlockLength` floats, as `getParams` returns them). */
  setParams(values: ArrayLike<number>): void {
    if (values.length !== this.paramBlockLength) {
      throw new InvalidArgumentError(`expected ${this.paramBlockLength} parameter values, got ${values.length}`);
    }
    this.viewFn(this.paramsRegion).set(values);
  }

  /** The parameter that holds value `index` of the params block, e.g. `'C1.weight[3]'`. */
  paramName(index: number): string {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const specs = this.layers[i]!.params();
      const offs = this.paramOffsets[i]!;
      for (let j = specs.length - 1; j >= 0; j--) {
        if (index >= offs[j]!) return `layer ${this.layers[i]!.name}, ${specs[j]!.name}[${index - offs[j]!}]`;
      }
    }
    return `value ${index}`;
  }

  /** zeroGrad: one fill over the grads block. */
  zeroGrad(): void {
    this.viewFn(this.gradsRegion).fill(0);
  }

  // ---------------------------------------------------------------- data in and out

  /**
   * Copies N images into the input region with the model's normalisation (and padding). `images` holds
   * bytes (0..255) or floats (0..1) of the unpadded image size; `index(i)` gives the source image of
   * batch row i.
   */
  setInput(images: ArrayLike<number>, N: number, index: (i: number) => number): void {
    const [h, w] = this.imageSize;
    const hw = h * w;
    const pad = this.inputPad;
    if (images instanceof Uint8Array || images instanceof Uint8ClampedArray) {
      // Bytes: copied into the arena as they are, then normalised (and padded) by the bytesToInput kernel.
      const px = this.pixelsR!.u8;
      for (let i = 0; i < N; i++) {
        const src = index(i) * hw;
        if (!(src >= 0 && src + hw <= images.length)) {
          throw new InvalidArgumentError(`image ${index(i)} is outside the ${Math.floor(images.length / hw)} images given`);
        }
        px.set(images.subarray(src, src + hw), i * hw);
      }
      this.backend.bytesToInput(this.acts[0]!, this.pixelsR!, this.lutR!, N, h, w, pad);
      return;
    }
    const ow = w + 2 * pad;
    const per = this.inputSize;
    const x = this.viewFn(this.acts[0]!);
    const [lo, hi] = this.inputRange;
    if (pad > 0) x.fill(lo, 0, N * per);
    for (let i = 0; i < N; i++) {
      const src = index(i) * hw;
      for (let y = 0; y < h; y++) {
        const o = i * per + (y + pad) * ow + pad;
        const r = src + y * w;
        for (let k = 0; k < w; k++) x[o + k] = lo + (hi - lo) * images[r + k]!;
      }
    }
  }

  /**
   * Writes samples order[start..start+N) of a Dataset (images and labels) into the arena with the
   * model's normalisation, applying the dataset's distortions for `epoch`.
   */
  writeBatch(data: AnyDataset, start: number, N: number, order?: ArrayLike<number>, epoch = 0): void {
    const x = this.viewFn(this.acts[0]!);
    if (data.numClasses > this.classes) {
      throw new InvalidArgumentError(`${data.name}: ${data.numClasses} classes but the model has ${this.classes} outputs`);
    }
    if (x instanceof Float32Array && data.distortion !== null) {
      // Distorted on the fly: the dataset warps each image and writes the floats itself.
      const o = this.batchOptions;
      o.order = order;
      o.epoch = epoch;
      data.writeBatch(x, this.labelsR!.i32, start, N, o);
      if (this.targetsR !== null) this.writeTargets(N);
    } else {
      // As they are: the bytes go through the bytesToInput kernel (the same levels as Dataset.writeBatch's).
      const [h, w] = this.imageSize;
      if (data.height !== h || data.width !== w) {
        throw new InvalidArgumentError(`${data.name}: images are ${data.height}x${data.width} but the model reads ${h}x${w}`);
      }
      const limit = order ? order.length : data.count;
      if (!(Number.isInteger(start) && Number.isInteger(N) && start >= 0 && N >= 0 && start + N <= limit)) {
        throw new InvalidArgumentError(`${data.name}: batch [${start}, ${start + N}) is outside [0, ${limit}]`);
      }
      const at = (i: number): number => (order ? order[start + i]! : start + i);
      this.setInput(data.images, N, at);
      this.setLabels(data.labels, N, at);
    }
  }

  private readonly batchOptions: { normalization: Normalization; order: ArrayLike<number> | undefined; epoch: number } =
    { normalization: 'modern', order: undefined, epoch: 0 };

  /** One-hot targets of the batch labels (MSE loss). */
  private writeTargets(N: number): void {
    const t = this.viewFn(this.targetsR!);
    const y = this.labelsR!.i32;
    const C = this.classes;
    t.fill(0, 0, N * C);
    for (let i = 0; i < N; i++) t[i * C + y[i]!] = 1;
  }

  /** Writes the batch labels (and one-hot targets for the MSE loss). */
  setLabels(labels: ArrayLike<number>, N: number, index: (i: number) => number): void {
    const y = this.labelsR!.i32;
    const C = this.classes;
    for (let i = 0; i < N; i++) {
      const v = labels[index(i)]!;
      if (!(Number.isInteger(v) && v >= 0 && v < C)) {
        throw new InvalidArgumentError(`label ${String(v)} of sample ${index(i)} is not a class in [0, ${C})`);
      }
      y[i] = v;
    }
    if (this.targetsR !== null) this.writeTargets(N);
  }

  /** The input region (N x input size), e.g. to write preprocessed inputs directly. */
  get inputRegion(): Region {
    return this.acts[0]!;
  }

  /** Gradient of the loss w.r.t. the input of the last backward pass. */
  get inputGradRegion(): Region {
    return this.dacts[0]!;
  }

  /**
   * Output of layer i (i = -1 for the input), e.g. feature maps for a demo. A convolution followed by a
   * ReLU runs that ReLU inside its kernel and shares its output with it: both read as the rectified maps.
   */
  activation(i: number): Region {
    return this.acts[i + 1]!;
  }

  /** The network's output: probabilities, penalties or raw scores (N x classes). */
  get output(): Arr {
    return this.viewFn(this.acts[this.layers.length]!);
  }

  // ---------------------------------------------------------------- passes

  /**
   * Runs every layer (or all but the fused softmax when `forLoss`). `first`: index of this batch's first
   * sample within a larger batch it is a shard of (data-parallel training; dropout draws that batch's mask).
   */
  forward(N: number, training: boolean, seed = 0, forLoss = false, first = 0): void {
    if (N > this.cap) throw new InvalidArgumentError(`batch of ${N} exceeds the model's capacity ${this.cap}`);
    const run = this.run;
    run.N = N;
    run.training = training;
    run.seed = seed;
    run.first = first;
    const L = this.fusion.softmaxInLoss && forLoss ? this.layers.length - 1 : this.layers.length;
    const skip = this.fusion.computedBefore;
    for (let i = 0; i < L; i++) if (!skip.has(i)) this.layers[i]!.forward(run);
  }

  /**
   * The loss of the current batch (after `forward(N, ..., forLoss = true)`); writes the gradient of the
   * batch mean into the last gradient region. For cross-entropy it also writes the probabilities.
   */
  computeLoss(N: number): number {
    const k = this.backend;
    const L = this.layers.length;
    const C = this.classes;
    switch (this.loss.kind) {
      case 'crossentropy':
        return k.softmaxCrossEntropy(this.dacts[L - 1]!, this.acts[L]!, this.acts[L - 1]!, this.labelsR!, N, C);
      case 'rbf-penalty':
        return k.rbfPenaltyLoss(this.dacts[L]!, this.acts[L]!, this.labelsR!, N, C);
      case 'rbf-map':
        return k.rbfMapLoss(this.dacts[L]!, this.acts[L]!, this.labelsR!, N, C, this.loss.j);
      case 'mse':
        return k.mseLoss(this.dacts[L]!, this.acts[L]!, this.targetsR!, N, C);
    }
  }

  /** Back-propagates from the loss gradient; parameter gradients accumulate into the grads block. */
  backward(N: number): void {
    const start = this.fusion.softmaxInLoss ? this.layers.length - 2 : this.layers.length - 1;
    for (let i = start; i >= 0; i--) this.layers[i]!.backward(N, i > 0);
  }

  /**
   * One training step's gradient over the N samples in the input: forward in training mode (dropout seeded
   * by `seed`, drawing for rows `first`.. of the whole batch), the mean loss, and, when it is finite, its
   * gradient in the grads (zeroed first). Returns the loss. With a non-finite loss the grads are left as
   * they were and the activations as the forward left them, to locate where it came from. The one-thread
   * loop, the coordinating thread and every worker thread all run this.
   */
  gradientStep(N: number, seed: number, first = 0): number {
    this.forward(N, true, seed, true, first);
    const loss = this.computeLoss(N);
    if (!Number.isFinite(loss)) return loss;
    this.zeroGrad();
    this.backward(N);
    return loss;
  }

  /** Checks that the SDLM second-derivative pass covers every layer and the loss; throws naming what is missing. */
  checkSecondOrder(): void {
    if (this.loss.kind === 'mse') throw new InvalidArgumentError('SDLM: the mse loss has no second-derivative pass; use an RBF or cross-entropy loss');
    const skip = this.fusion.softmaxInLoss || this.predictsByMin ? 1 : 0;
    for (let i = 0; i < this.layers.length - skip; i++) {
      const l = this.layers[i]!;
      if (l.backward2 === undefined) {
        throw new InvalidArgumentError(`SDLM: layer ${i} (${l.name}, ${l.type}) has no second-derivative pass`);
      }
    }
  }

  /**
   * The Gauss-Newton second-derivative pass over the current batch (after an inference-mode forward):
   * per-sample d2E/dw^2, summed over the batch, ACCUMULATED into the grads block. Squares the params
   * block once per call (one kernel).
   */
  secondDerivatives(N: number): void {
    const k = this.backend;
    const L = this.layers.length;
    k.square(this.paramsSqR!, this.paramsR!, this.paramBlockLength);
    const last = this.layers[L - 1]!;
    if (this.loss.kind === 'crossentropy') {
      k.softmaxCrossEntropyBackward2(this.dacts[L - 1]!, this.acts[L]!, N, this.classes);
    } else if (last instanceof RBF && (this.loss.kind === 'rbf-penalty' || this.loss.kind === 'rbf-map')) {
      last.lossBackward2(N, this.loss.kind === 'rbf-map' ? this.loss.j : 0, this.loss.kind === 'rbf-map');
    } else {
      throw new InvalidArgumentError(`SDLM: loss ${this.loss.kind} has no second-derivative pass`);
    }
    for (let i = L - 2; i >= 0; i--) this.layers[i]!.backward2!(N, i > 0);
  }

  /** Index of the predicted class of batch row i (argmax, or argmin for RBF penalties). */
  predictedClass(i: number): number {
    const y = this.output;
    const C = this.classes;
    let best = 0;
    let bv = y[i * C]!;
    const byMin = this.predictsByMin;
    for (let c = 1; c < C; c++) {
      const v = y[i * C + c]!;
      if (byMin ? v < bv : v > bv) {
        bv = v;
        best = c;
      }
    }
    return best;
  }

  /** The model's description: everything needed to rebuild it (save/load). */
  config(): { name: string; input: InputSpec; loss: LossSpec; layers: Record<string, unknown>[] } {
    return {
      name: this.name,
      input: { shape: [...this.input.shape], normalization: this.input.normalization },
      loss: { ...this.loss },
      layers: this.layers.map((l) => l.config()),
    };
  }

  /** The state regions handed out by `allocState`. */
  get state(): Region[] {
    return this.stateRegions;
  }

  /** The labels of the current batch (int32), as `setLabels` wrote them. */
  get labels(): Region {
    return this.labelsR!;
  }
}
