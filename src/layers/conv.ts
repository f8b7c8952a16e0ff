/**
 * 2-D convolution, stride 1, with zero padding and an optional (OC, C) connection table (the paper's
 * C3, Table I). Weights (OC, C, KH, KW), bias (OC). Masked-out weights stay zero and never train.
 */
import { InvalidArgumentError } from '../errors.js';
import { convScratchLength } from '../backend/kernels.js';
import type { Region } from '../memory.js';
import { checkInt, fillInit, Layer, sizeOf, type BindContext, type InitScheme, type ParamSpec, type RunContext,
  type Shape } from './layer.js';

/** Options of a Conv2D layer. */
export interface Conv2DOptions {
  /** Number of output maps (OC), an integer of at least 1. */
  filters: number;
  /** Side of the square kernel in pixels (5 in LeNet-5). */
  kernelSize: number;
  /** 'valid' (default), 'same' (odd kernels) or an explicit zero padding on every side. */
  padding?: 'valid' | 'same' | number;
  /** connections[oc] = the input maps output map oc reads; omitted = every map. */
  connections?: readonly (readonly number[])[];
  /** How weights are drawn (default `'glorot'`). */
  init?: InitScheme;
  /** How biases are drawn (default `'zeros'`). */
  biasInit?: InitScheme;
  /** Layer name (default: given by the model, e.g. `'conv2d_1'`). */
  name?: string;
}

/**
 * 2-D convolution, stride 1, with zero padding and an optional connection table (the paper's C3, Table I): weights
 * (OC, C, KH, KW), bias (OC).
 */
export class Conv2D extends Layer {
  /** Always `'conv2d'`. */
  readonly type = 'conv2d';
  /** Number of output maps. */
  readonly filters: number;
  /** Side of the square kernel in pixels. */
  readonly kernelSize: number;
  /**
   * `'valid'` (no padding), `'same'` (output as large as the input, odd kernels) or the zero padding on every side,
   * in pixels.
   */
  readonly padding: 'valid' | 'same' | number;
  /**
   * The connection table as given (`connections[oc]` = the input maps output map oc reads), or null for every map.
   */
  readonly connections_: readonly (readonly number[])[] | null;
  /** How weights are drawn at initialisation. */
  readonly init: InitScheme;
  /** How biases are drawn at initialisation. */
  readonly biasInit: InitScheme;
  private pad = 0;
  /** Apply max(x, 0) in the kernel (the model's fusion plan: a ReLU layer follows, whose forward it skips). */
  private fuseRelu = false;
  /** The output of an AvgPool2D layer that follows, written by this layer's kernel (the fusion plan, too). */
  private pooledOut: Region | null = null;
  private mask: Region | null = null;
  private col: Region | null = null;

  constructor(opts: Conv2DOptions) {
    super(opts.name);
    this.filters = checkInt(opts.filters, 'conv2d filters');
    this.kernelSize = checkInt(opts.kernelSize, 'conv2d kernelSize');
    this.padding = opts.padding ?? 'valid';
    this.connections_ = opts.connections ?? null;
    this.init = opts.init ?? 'glorot';
    this.biasInit = opts.biasInit ?? 'zeros';
    if (this.connections_ !== null && this.connections_.length !== this.filters) {
      throw new InvalidArgumentError(`conv2d: connections lists ${this.connections_.length} maps but filters is ${this.filters}`);
    }
  }

  /** Takes `[C, H, W]`, returns `[filters, OH, OW]` with OH = H + 2 pad - kernelSize + 1. */
  protected computeOutShape(inShape: Shape): Shape {
    if (inShape.length !== 3) throw new InvalidArgumentError(`conv2d expects a [C, H, W] input, got [${inShape.join(', ')}]`);
    const [C, H, W] = inShape as [number, number, number];
    const K = this.kernelSize;
    if (this.padding === 'same') {
      if (K % 2 === 0) throw new InvalidArgumentError(`conv2d: padding 'same' needs an odd kernel, got ${K}`);
      this.pad = (K - 1) / 2;
    } else {
      this.pad = this.padding === 'valid' ? 0 : checkInt(this.padding, 'conv2d padding', 0);
    }
    const OH = H + 2 * this.pad - K + 1;
    const OW = W + 2 * this.pad - K + 1;
    if (OH < 1 || OW < 1) throw new InvalidArgumentError(`conv2d: a ${K}x${K} kernel does not fit a ${H}x${W} input`);
    if (this.connections_ !== null) {
      this.connections_.forEach((list, oc) => {
        for (const c of list) {
          if (!Number.isInteger(c) || c < 0 || c >= C) {
            throw new InvalidArgumentError(`conv2d: map ${oc} reads input map ${c}, but the input has ${C} maps`);
          }
        }
      });
    }
    return [this.filters, OH, OW];
  }

  /** Input maps read by output map oc. */
  inputsOf(oc: number): readonly number[] {
    const C = this.inShape[0]!;
    return this.connections_?.[oc] ?? Array.from({ length: C }, (_, c) => c);
  }

  private get activeWeights(): number {
    let a = 0;
    for (let oc = 0; oc < this.filters; oc++) a += new Set(this.inputsOf(oc)).size;
    return a * this.kernelSize * this.kernelSize;
  }

  /** `weight` (filters, C, k, k) and `bias` (filters); with a connection table fewer weights train. */
  override params(): ParamSpec[] {
    const C = this.inShape[0]!;
    const K = this.kernelSize;
    return [
      { name: 'weight', shape: [this.filters, C, K, K], trainable: this.activeWeights },
      { name: 'bias', shape: [this.filters], trainable: this.filters },
    ];
  }

  /** Multiply-adds per sample over the active weights, plus one per bias and output value. */
  override connections(): number {
    const [, OH, OW] = this.outShape as [number, number, number];
    return OH * OW * (this.activeWeights + this.filters);
  }

  /** The scratch regions bind() will allocate, for the arena's plan. */
  override scratch(capacity: number): [number, string][] {
    const [C, H, W] = this.inShape as [number, number, number];
    const masked = this.connections_ !== null;
    const col: [number, string] = [convScratchLength(capacity, C, H, W, this.kernelSize, this.kernelSize, this.pad, masked ? this.filters : 0),
      `${this.name}.col`];
    return masked ? [[this.filters * C, `${this.name}.mask`], col] : [col];
  }

  /** Allocates the connection mask and the im2col scratch, and writes the mask. */
  override bind(ctx: BindContext): void {
    super.bind(ctx);
    const [C, H, W] = this.inShape as [number, number, number];
    const K = this.kernelSize;
    if (this.connections_ !== null) {
      this.mask = ctx.alloc(this.filters * C, `${this.name}.mask`);
      const m = ctx.view(this.mask);
      for (let oc = 0; oc < this.filters; oc++) for (const c of this.inputsOf(oc)) m[oc * C + c] = 1;
    }
    this.col = ctx.alloc(convScratchLength(ctx.capacity, C, H, W, K, K, this.pad, this.mask !== null ? this.filters : 0),
      `${this.name}.col`);
  }

  /** Draws the weights (`init`, over the active fan-in) and biases (`biasInit`); masked-out weights stay 0. */
  override initParams(uniform: (lo: number, hi: number) => number): void {
    const [C] = this.inShape as [number];
    const K = this.kernelSize;
    const KK = K * K;
    const w = this.c.view(this.c.params[0]!);
    const b = this.c.view(this.c.params[1]!);
    w.fill(0);
    for (let oc = 0; oc < this.filters; oc++) {
      const inputs = [...new Set(this.inputsOf(oc))].sort((x, y) => x - y);
      // The paper's F_i is the fan-in of this map's units, which differs per map under Table I.
      const fanIn = this.init === 'lecun98' ? inputs.length * KK : C * KK;
      const fanOut = this.filters * KK;
      for (const c of inputs) fillInit(w, (oc * C + c) * KK, KK, this.init, fanIn, fanOut, uniform);
      fillInit(b, oc, 1, this.biasInit, this.biasInit === 'lecun98' ? inputs.length * KK : fanIn, fanOut, uniform);
    }
  }

  /** What the kernel does after convolving, from the model's fusion plan (models/fusion.ts), at bind time. */
  setEpilogue(relu: boolean, pooledOut: Region | null): void {
    this.fuseRelu = relu;
    this.pooledOut = pooledOut;
  }

  /** Convolves the batch (with the fused ReLU or average pooling when the model planned them). */
  forward(run: RunContext): void {
    const { backend: k, inp, out, params } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    const K = this.kernelSize;
    // keep = 0, in training too: the columns are not kept for the weight gradient, so convForward runs its
    // direct or implicit kernels (no column matrix) where the shape allows, and convBackwardWeights
    // (reuse = 0) rebuilds one sample's columns at a time, in cache. Keeping them wrote every sample's
    // columns through memory (C1 at batch 32: 2.5 MB) to save that rebuild; measured on a modern step at
    // batch 32, not keeping them takes C1 from 288 + 222 us (forward + backward) to 202 + 273 and C3 from
    // 402 + 904 to 323 + 950: 3-4% of the step. The results are bit-identical either way (the kernels'
    // contract), and run.training no longer changes what this layer computes.
    k.convForward(out, inp, params[0]!, params[1]!, this.mask, this.col!, run.N, C, H, W, this.filters, K, K, this.pad,
      0, this.fuseRelu ? 1 : 0, this.pooledOut);
  }

  /** Accumulates the weight and bias gradients; writes the input gradient when `needDinp`. */
  backward(N: number, needDinp: boolean): void {
    const { backend: k, inp, dinp, dout, params, grads } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    const K = this.kernelSize;
    k.convBackwardWeights(grads[0]!, grads[1]!, dout, inp, this.mask, this.col!, N, C, H, W, this.filters, K, K, this.pad,
      0);
    if (needDinp) {
      k.convBackwardInput(dinp, dout, params[0]!, this.mask, this.col!, N, C, H, W, this.filters, K, K, this.pad);
    }
  }

  /** Linear in weights and inputs: the same backward, run on squared inputs and squared weights. */
  override backward2(N: number, needDinp: boolean): void {
    const { backend: k, inp, dinp, dout, grads, paramsSq, inpSq } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    const K = this.kernelSize;
    k.square(inpSq, inp, N * sizeOf(this.inShape));
    k.convBackwardWeights(grads[0]!, grads[1]!, dout, inpSq, this.mask, this.col!, N, C, H, W, this.filters, K, K, this.pad);
    if (needDinp) {
      k.convBackwardInput(dinp, dout, paramsSq[0]!, this.mask, this.col!, N, C, H, W, this.filters, K, K, this.pad);
    }
  }

  /** `{ type, name, filters, kernelSize, padding, connections?, init, biasInit }`. */
  config(): Record<string, unknown> {
    return {
      type: this.type, name: this.name, filters: this.filters, kernelSize: this.kernelSize, padding: this.padding,
      ...(this.connections_ !== null ? { connections: this.connections_.map((l) => [...l]) } : {}),
      init: this.init, biasInit: this.biasInit,
    };
  }
}
