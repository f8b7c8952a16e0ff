/**
 * Euclidean RBF output units (the paper's output layer): y_i = sum_j (x_j - w_ij)^2, the penalty of
 * class i. Prototypes are fixed (not trained); the prediction is the class of least penalty.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Region } from '../memory.js';
import { checkInt, Layer, sizeOf, type BindContext, type RunContext, type Shape } from './layer.js';

/** Options of an RBF layer. */
export interface RBFOptions {
  /** Number of output units (classes). */
  units: number;
  /** (units, IN) row-major prototypes, usually +1/-1 bitmaps. */
  prototypes: ArrayLike<number>;
  /** Layer name (default: given by the model). */
  name?: string;
}

/**
 * Euclidean RBF output units (the classic preset's output): `y_i = sum_j (x_j - w_ij)^2`, the penalty of class i,
 * with fixed prototypes; the prediction is the class of least penalty.
 */
export class RBF extends Layer {
  /** Always `'rbf'`. */
  readonly type = 'rbf';
  /** Number of output units (classes). */
  readonly units: number;
  /** The fixed prototypes, (units, IN) row-major (the classic preset's: 7x12 bitmaps of +1/-1). */
  readonly prototypes: Float32Array;
  private proto: Region | null = null;

  constructor(opts: RBFOptions) {
    super(opts.name);
    this.units = checkInt(opts.units, 'rbf units');
    this.prototypes = Float32Array.from(opts.prototypes);
    if (this.prototypes.length % this.units !== 0) {
      throw new InvalidArgumentError(`rbf: ${this.prototypes.length} prototype values do not split into ${this.units} units`);
    }
  }

  /** Takes a flat `[IN]` input (IN matching the prototypes), returns `[units]`. */
  protected computeOutShape(inShape: Shape): Shape {
    const IN = this.prototypes.length / this.units;
    if (inShape.length !== 1 || inShape[0] !== IN) {
      throw new InvalidArgumentError(`rbf: prototypes have ${IN} values per unit but the input is [${inShape.join(', ')}]`);
    }
    return [this.units];
  }

  /** `units x IN` per sample. */
  override connections(): number {
    return this.units * sizeOf(this.inShape);
  }

  /** The scratch regions bind() will allocate, for the arena's plan. */
  override scratch(_capacity: number): [number, string][] {
    return [[this.prototypes.length, `${this.name}.prototypes`]];
  }

  /** Copies the prototypes into the arena. */
  override bind(ctx: BindContext): void {
    super.bind(ctx);
    this.proto = ctx.alloc(this.prototypes.length, `${this.name}.prototypes`);
    ctx.view(this.proto).set(this.prototypes);
  }

  /** The squared distance of each sample to each prototype. */
  forward(run: RunContext): void {
    this.c.backend.rbfForward(this.c.out, this.c.inp, this.proto!, run.N, this.inShape[0]!, this.units);
  }

  /** The input gradient (the prototypes do not train). */
  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.rbfBackward(this.c.dinp, this.c.dout, this.c.inp, this.proto!, N, this.inShape[0]!, this.units);
  }

  /** Second derivative of the paper's loss (Eq. 8, or Eq. 9 when `map`) through this layer into dinp. */
  lossBackward2(N: number, j: number, map: boolean): void {
    const { backend: k, dinp, inp, out } = this.c;
    k.rbfLossBackward2(dinp, inp, this.proto!, out, N, this.inShape[0]!, this.units, j, map ? 1 : 0);
  }

  /** `{ type, name, units, prototypes }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, units: this.units, prototypes: Array.from(this.prototypes) };
  }
}
