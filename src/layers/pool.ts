/**
 * 2x2, stride-2 pooling: the paper's subsampling (sum of the block x a trainable coefficient + a
 * trainable bias per map), average pooling and max pooling. Odd edges are dropped.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Region } from '../memory.js';
import { fillInit, Layer, sizeOf, type BindContext, type InitScheme, type ParamSpec, type RunContext,
  type Shape } from './layer.js';

function pooledShape(type: string, inShape: Shape): Shape {
  if (inShape.length !== 3) throw new InvalidArgumentError(`${type} expects a [C, H, W] input, got [${inShape.join(', ')}]`);
  const [C, H, W] = inShape as [number, number, number];
  if (H < 2 || W < 2) throw new InvalidArgumentError(`${type}: a 2x2 window does not fit a ${H}x${W} input`);
  return [C, H >> 1, W >> 1];
}

/** Options of a Subsampling layer. */
export interface SubsamplingOptions {
  /** How the coefficients are drawn (default `'lecun98'`); biases start at 0. */
  init?: InitScheme;
  /** Layer name (default: given by the model). */
  name?: string;
}

/** LeNet's S2/S4: out = coeff[c] * (sum of the 2x2 block) + bias[c]; squash with a Tanh layer after. */
export class Subsampling extends Layer {
  /** Always `'subsampling'`. */
  readonly type = 'subsampling';
  /** How the coefficients are drawn at initialisation. */
  readonly init: InitScheme;

  constructor(opts: SubsamplingOptions = {}) {
    super(opts.name);
    this.init = opts.init ?? 'lecun98';
  }

  /** Takes `[C, H, W]`, returns `[C, H/2, W/2]` (odd edges dropped). */
  protected computeOutShape(inShape: Shape): Shape {
    return pooledShape(this.type, inShape);
  }

  /** `coeff` (C) and `bias` (C): one trainable coefficient and bias per map. */
  override params(): ParamSpec[] {
    const C = this.inShape[0]!;
    return [
      { name: 'coeff', shape: [C], trainable: C },
      { name: 'bias', shape: [C], trainable: C },
    ];
  }

  /** 5 per output value (four inputs and the bias), as the paper counts. */
  override connections(): number {
    return sizeOf(this.outShape) * 5;
  }

  /** Draws the coefficients (`init`, fan-in 4); biases start at 0. */
  override initParams(uniform: (lo: number, hi: number) => number): void {
    const C = this.inShape[0]!;
    // Fan-in of a subsampling unit: the four inputs of its block.
    fillInit(this.c.view(this.c.params[0]!), 0, C, this.init, 4, 1, uniform);
    fillInit(this.c.view(this.c.params[1]!), 0, C, this.init === 'lecun98' ? 'lecun98' : 'zeros', 4, 1, uniform);
  }

  /** `out = coeff[c] * (sum of the 2x2 block) + bias[c]`. */
  forward(run: RunContext): void {
    const { backend: k, inp, out, params } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.subsampleForward(out, inp, params[0]!, params[1]!, run.N, C, H, W);
  }

  /** Accumulates the coefficient and bias gradients and writes the input gradient. */
  backward(N: number, _needDinp: boolean): void {
    const { backend: k, inp, dinp, dout, params, grads } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.subsampleBackward(dinp, grads[0]!, grads[1]!, dout, inp, params[0]!, N, C, H, W);
  }

  /** Second derivatives for SDLM (Gauss-Newton): coefficients, biases and input. */
  override backward2(N: number, _needDinp: boolean): void {
    const { backend: k, inp, dinp, dout, params, grads } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.subsampleBackward2(dinp, grads[0]!, grads[1]!, dout, inp, params[0]!, N, C, H, W);
  }

  /** `{ type, name, init }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, init: this.init };
  }
}

/** 2x2 average pooling, stride 2 (no parameters): the modern preset's S2 and S4. */
export class AvgPool2D extends Layer {
  /** Always `'avgpool2d'`. */
  readonly type = 'avgpool2d';

  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  /** Takes `[C, H, W]`, returns `[C, H/2, W/2]` (odd edges dropped). */
  protected computeOutShape(inShape: Shape): Shape {
    return pooledShape(this.type, inShape);
  }

  /** 4 per output value. */
  override connections(): number {
    return sizeOf(this.outShape) * 4;
  }

  /** The mean of each 2x2 window. */
  forward(run: RunContext): void {
    const { backend: k, inp, out } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.avgPoolForward(out, inp, run.N, C, H, W);
  }

  /** Each input gets a quarter of its window's output gradient. */
  backward(N: number, needDinp: boolean): void {
    if (!needDinp) return;
    const { backend: k, dinp, dout } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.avgPoolBackward(dinp, dout, N, C, H, W);
  }

  /** Second derivatives for SDLM: a sixteenth of the window's. */
  override backward2(N: number, needDinp: boolean): void {
    if (!needDinp) return;
    const { backend: k, dinp, dout } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.avgPoolBackward2(dinp, dout, N, C, H, W);
  }

  /** `{ type, name }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}

/** 2x2 max pooling, stride 2 (no parameters). */
export class MaxPool2D extends Layer {
  /** Always `'maxpool2d'`. */
  readonly type = 'maxpool2d';
  private argmax: Region | null = null;

  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  /** Takes `[C, H, W]`, returns `[C, H/2, W/2]` (odd edges dropped). */
  protected computeOutShape(inShape: Shape): Shape {
    return pooledShape(this.type, inShape);
  }

  /** 4 per output value. */
  override connections(): number {
    return sizeOf(this.outShape) * 4;
  }

  /** The scratch regions bind() will allocate, for the arena's plan. */
  override scratch(capacity: number): [number, string][] {
    return [[capacity * sizeOf(this.outShape), `${this.name}.argmax`]];
  }

  /** Allocates the argmax of each window. */
  override bind(ctx: BindContext): void {
    super.bind(ctx);
    this.argmax = ctx.alloc(ctx.capacity * sizeOf(this.outShape), `${this.name}.argmax`, 'i32');
  }

  /** The largest value of each 2x2 window; remembers which one won. */
  forward(run: RunContext): void {
    const { backend: k, inp, out } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.maxPoolForward(out, this.argmax!, inp, run.N, C, H, W);
  }

  /** Routes each output gradient to the input that won its window. */
  backward(N: number, needDinp: boolean): void {
    if (!needDinp) return;
    const { backend: k, dinp, dout } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    k.maxPoolBackward(dinp, dout, this.argmax!, N, C, H, W);
  }

  /** The winner's derivative is 1 and the others' 0, so squaring changes nothing. */
  override backward2(N: number, needDinp: boolean): void {
    this.backward(N, needDinp);
  }

  /** `{ type, name }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}
