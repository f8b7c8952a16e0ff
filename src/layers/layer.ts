/**
 * The layer contract. A layer is first a description (its config, JSON-serialisable), then, once a
 * Sequential lays out its arena, a set of bound regions: its input and output activations, their
 * gradients, its slices of the params and grads blocks, and any scratch it asked for. After binding,
 * forward/backward are one (or two) kernel calls over the whole batch and allocate nothing.
 *
 * Shapes are per sample: [C, H, W] for images, [F] for vectors; the batch dimension is implicit.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Arr } from '../backend/kernels.js';
import type { Backend } from '../backend/backend.js';
import type { Region } from '../memory.js';

/** The shape of one sample, without the batch dimension: `[C, H, W]` for images, `[F]` for vectors. */
export type Shape = readonly number[];

/** Number of values of a shape (the product of its dimensions). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** How a parameter tensor is drawn at initialisation. */
export type InitScheme =
  /** uniform in +-2.4/F_i, F_i the fan-in of the unit (the paper's Appendix A) */
  | 'lecun98'
  /** uniform in +-sqrt(6/(fanIn+fanOut)) (Keras' default kernel initialiser) */
  | 'glorot'
  /** uniform in +-sqrt(6/fanIn) (suits ReLU) */
  | 'he'
  /** uniform in +-1/sqrt(fanIn) (PyTorch's default for weights and biases of Linear and Conv2d) */
  | 'torch'
  | 'zeros'
  | 'ones';

/** One parameter tensor of a layer: a slice of the model's params block. */
export interface ParamSpec {
  /** The tensor's name within its layer: `'weight'`, `'bias'`, `'coeff'`. */
  name: string;
  /** Its shape, e.g. `[6, 1, 5, 5]` for C1's weights (OC, C, KH, KW). */
  shape: number[];
  /** Elements that train; less than the tensor size when a connection mask disables some weights. */
  trainable: number;
}

/** A host-side view of a region: Float32 normally, Float64 on the gradient-check backend. */
export type View = (r: Region) => Arr;

/** What a layer receives when the Sequential binds it to the arena. */
export interface BindContext {
  /** The kernels of the model. */
  backend: Backend;
  /** Turns a region into a typed array on the host side. */
  view: View;
  /** Batch capacity the regions were sized for. */
  capacity: number;
  /** The input activations, `capacity x inShape`. */
  inp: Region;
  /** The output activations, `capacity x outShape`. */
  out: Region;
  /** Gradient w.r.t. the input (also carries second derivatives in the SDLM pass). */
  dinp: Region;
  /** Gradient of the loss w.r.t. the output (also carries second derivatives in the SDLM pass). */
  dout: Region;
  /** The layer's parameter tensors, in the order of `params()`. */
  params: Region[];
  /** Their gradients, same slices as `params`. */
  grads: Region[];
  /** Squared parameters (filled before a second-derivative pass), same slices as params. */
  paramsSq: Region[];
  /** Shared scratch for squared inputs in the second-derivative pass, capacity * max input size. */
  inpSq: Region;
  /** Allocates a region owned by this layer (sized for the batch capacity). */
  alloc(length: number, label: string, dtype?: 'f32' | 'i32'): Region;
}

/** Per-call information for a forward pass. */
export interface RunContext {
  /** Batch size of this call (at most `capacity`). */
  N: number;
  /** True in training (dropout active), false at inference. */
  training: boolean;
  /** A 32-bit seed for this step (dropout). */
  seed: number;
  /**
   * Index within the whole batch of this call's first sample (data-parallel training runs shards of one
   * batch; default 0): dropout draws the mask the unsharded batch would.
   */
  first?: number;
}

/**
 * Base class of every layer: a configuration first (`config()`), then, once a Sequential has laid out its arena,
 * kernel calls over bound regions. Shapes are per sample.
 */
export abstract class Layer {
  /** The layer type, as saved in model files and accepted by `layerFromConfig` (`'conv2d'`, `'dense'`, ...). */
  abstract readonly type: string;
  /** The layer's name, e.g. `'C1'` in the presets; unique within a model (the model names unnamed layers). */
  name: string;
  /** The per-sample input shape (set by `configure`). */
  inShape: Shape = [];
  /** The per-sample output shape (set by `configure`). */
  outShape: Shape = [];
  /** The bound regions (null until the model is built). */
  protected ctx: BindContext | null = null;

  constructor(name?: string) {
    this.name = name ?? '';
  }

  /** Shape inference: checks the input shape, returns the output shape. */
  configure(inShape: Shape): Shape {
    this.inShape = inShape;
    this.outShape = this.computeOutShape(inShape);
    return this.outShape;
  }

  /**
   * Checks an input shape and returns the output shape; throws InvalidArgumentError when the layer cannot take it.
   */
  protected abstract computeOutShape(inShape: Shape): Shape;

  /** Parameter tensors (after configure). */
  params(): ParamSpec[] {
    return [];
  }

  /** Trainable parameters. */
  paramCount(): number {
    return this.params().reduce((s, p) => s + p.trainable, 0);
  }

  /** Connections in the paper's sense: multiply-adds per sample, biases counted as one each. */
  connections(): number {
    return 0;
  }

  /**
   * The scratch regions `bind` will allocate for `capacity` samples, in its order: [floats, label]. The
   * model checks a whole layout against the memory limit with these before allocating any of it.
   */
  scratch(_capacity: number): [number, string][] {
    return [];
  }

  /** Whether the output may share the input's storage (reshapes). */
  get aliasesInput(): boolean {
    return false;
  }

  /** Binds the layer to its regions; the default keeps the context. */
  bind(ctx: BindContext): void {
    this.ctx = ctx;
  }

  /** The bound context; throws when the layer is used before the model was built. */
  protected get c(): BindContext {
    if (this.ctx === null) throw new InvalidArgumentError(`${this.type} layer ${this.name}: used before the model was built`);
    return this.ctx;
  }

  /** Writes the initial parameter values. `uniform(lo, hi)` is the model's seeded generator. */
  initParams(_uniform: (lo: number, hi: number) => number): void {}

  /** Computes the output of the batch (`run.N` samples) from the input, in the bound regions. */
  abstract forward(run: RunContext): void;

  /** Accumulates parameter gradients; writes dinp when `needDinp`. */
  abstract backward(N: number, needDinp: boolean): void;

  /**
   * The Gauss-Newton second-derivative pass (SDLM): reads d2 of the loss w.r.t. the output from
   * `dout`, accumulates into `grads`, writes d2 w.r.t. the input into `dinp`. Layers that do not
   * implement it make SDLM refuse the model with a clear error.
   */
  backward2?(N: number, needDinp: boolean): void;

  /** The layer's configuration, enough to rebuild it with `layerFromConfig`. */
  abstract config(): Record<string, unknown>;
}

/** Draws `n` values into `a` (offset `at`) for an init scheme. */
export function fillInit(a: Arr, at: number, n: number, scheme: InitScheme, fanIn: number, fanOut: number,
  uniform: (lo: number, hi: number) => number): void {
  let r = 0;
  switch (scheme) {
    case 'zeros':
      a.fill(0, at, at + n);
      return;
    case 'ones':
      a.fill(1, at, at + n);
      return;
    case 'lecun98':
      r = 2.4 / fanIn;
      break;
    case 'glorot':
      r = Math.sqrt(6 / (fanIn + fanOut));
      break;
    case 'he':
      r = Math.sqrt(6 / fanIn);
      break;
    case 'torch':
      r = 1 / Math.sqrt(fanIn);
      break;
  }
  for (let i = 0; i < n; i++) a[at + i] = uniform(-r, r);
}

export function checkInt(v: unknown, what: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new InvalidArgumentError(`${what} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}
