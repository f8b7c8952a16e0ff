/** Fully connected: out = inp W^T + b, weight (OUT, IN), bias (OUT). */
import { InvalidArgumentError } from '../errors.js';
import { checkInt, fillInit, Layer, sizeOf, type InitScheme, type ParamSpec, type RunContext,
  type Shape } from './layer.js';

/** Options of a Dense layer. */
export interface DenseOptions {
  /** Number of outputs, an integer of at least 1. */
  units: number;
  /** How weights are drawn (default `'glorot'`). */
  init?: InitScheme;
  /** How biases are drawn (default `'zeros'`). */
  biasInit?: InitScheme;
  /** Layer name (default: given by the model). */
  name?: string;
}

/** Fully connected layer: `out = inp W^T + b`, weight (units, IN), bias (units). Takes a flat `[IN]` input. */
export class Dense extends Layer {
  /** Always `'dense'`. */
  readonly type = 'dense';
  /** Number of outputs. */
  readonly units: number;
  /** How weights are drawn at initialisation. */
  readonly init: InitScheme;
  /** How biases are drawn at initialisation. */
  readonly biasInit: InitScheme;

  constructor(opts: DenseOptions) {
    super(opts.name);
    this.units = checkInt(opts.units, 'dense units');
    this.init = opts.init ?? 'glorot';
    this.biasInit = opts.biasInit ?? 'zeros';
  }

  /** Takes a flat `[IN]` input, returns `[units]`. */
  protected computeOutShape(inShape: Shape): Shape {
    if (inShape.length !== 1) {
      throw new InvalidArgumentError(`dense expects a flat [F] input, got [${inShape.join(', ')}]; add a Flatten layer first`);
    }
    return [this.units];
  }

  private get IN(): number {
    return sizeOf(this.inShape);
  }

  /** `weight` (units, IN) and `bias` (units). */
  override params(): ParamSpec[] {
    return [
      { name: 'weight', shape: [this.units, this.IN], trainable: this.units * this.IN },
      { name: 'bias', shape: [this.units], trainable: this.units },
    ];
  }

  /** `units x (IN + 1)` per sample. */
  override connections(): number {
    return this.units * (this.IN + 1);
  }

  /** Draws the weights (`init`) and biases (`biasInit`). */
  override initParams(uniform: (lo: number, hi: number) => number): void {
    const IN = this.IN;
    fillInit(this.c.view(this.c.params[0]!), 0, this.units * IN, this.init, IN, this.units, uniform);
    fillInit(this.c.view(this.c.params[1]!), 0, this.units, this.biasInit, IN, this.units, uniform);
  }

  /** `out = inp W^T + b` over the batch. */
  forward(run: RunContext): void {
    const { backend: k, inp, out, params } = this.c;
    k.denseForward(out, inp, params[0]!, params[1]!, run.N, this.IN, this.units);
  }

  /** Accumulates the weight and bias gradients; writes the input gradient when `needDinp`. */
  backward(N: number, needDinp: boolean): void {
    const { backend: k, inp, dinp, dout, params, grads } = this.c;
    k.denseBackward(needDinp ? dinp : null, grads[0]!, grads[1]!, dout, inp, params[0]!, N, this.IN, this.units);
  }

  /** Linear in weights and inputs: the same backward on squared inputs and squared weights. */
  override backward2(N: number, needDinp: boolean): void {
    const { backend: k, inp, dinp, dout, grads, paramsSq, inpSq } = this.c;
    k.square(inpSq, inp, N * this.IN);
    k.denseBackward(needDinp ? dinp : null, grads[0]!, grads[1]!, dout, inpSq, paramsSq[0]!, N, this.IN, this.units);
  }

  /** `{ type, name, units, init, biasInit }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, units: this.units, init: this.init, biasInit: this.biasInit };
  }
}
