/** Elementwise activations (ReLU, the paper's scaled tanh, sigmoid) and the row-wise softmax. */
import { InvalidArgumentError } from '../errors.js';
import { Layer, sizeOf, type RunContext, type Shape } from './layer.js';

abstract class Elementwise extends Layer {
  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  protected computeOutShape(inShape: Shape): Shape {
    return inShape;
  }

  protected n(N: number): number {
    return N * sizeOf(this.inShape);
  }

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}

/** Rectified linear unit, `f(x) = max(x, 0)`, elementwise; the modern preset's activation. */
export class ReLU extends Elementwise {
  /** Always `'relu'`. */
  readonly type = 'relu';

  /** `out = max(inp, 0)`. */
  forward(run: RunContext): void {
    this.c.backend.reluForward(this.c.out, this.c.inp, this.n(run.N));
  }

  /** `dinp = dout` where the output is positive, else 0. */
  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.reluBackward(this.c.dinp, this.c.dout, this.c.out, this.n(N));
  }

  /** f' is 0 or 1, so f'^2 = f': the first-order backward is already the second-order one. */
  override backward2(N: number, needDinp: boolean): void {
    this.backward(N, needDinp);
  }
}

/** The paper's squashing function f(a) = 1.7159 tanh(2a/3) (Appendix A). */
export class Tanh extends Elementwise {
  /** Always `'tanh'`. */
  readonly type = 'tanh';

  /** `out = 1.7159 tanh(2 inp / 3)`. */
  forward(run: RunContext): void {
    this.c.backend.tanhForward(this.c.out, this.c.inp, this.n(run.N));
  }

  /** `dinp = dout f'(a)`, computed from the output. */
  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.tanhBackward(this.c.dinp, this.c.dout, this.c.out, this.n(N));
  }

  /** Second derivatives for SDLM: `d2inp = d2out f'(a)^2`. */
  override backward2(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.tanhBackward2(this.c.dinp, this.c.dout, this.c.out, this.n(N));
  }
}

/** The logistic function `1 / (1 + e^-x)`, elementwise. */
export class Sigmoid extends Elementwise {
  /** Always `'sigmoid'`. */
  readonly type = 'sigmoid';

  /** `out = 1 / (1 + e^-inp)`. */
  forward(run: RunContext): void {
    this.c.backend.sigmoidForward(this.c.out, this.c.inp, this.n(run.N));
  }

  /** `dinp = dout out (1 - out)`. */
  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.sigmoidBackward(this.c.dinp, this.c.dout, this.c.out, this.n(N));
  }
}

/** Row-wise softmax over a flat [C] input. With a cross-entropy loss the model fuses the two. */
export class Softmax extends Elementwise {
  /** Always `'softmax'`. */
  readonly type = 'softmax';

  /** Accepts a flat `[C]` input only; the output has the same shape. */
  protected override computeOutShape(inShape: Shape): Shape {
    if (inShape.length !== 1) throw new InvalidArgumentError(`softmax expects a flat [C] input, got [${inShape.join(', ')}]`);
    return inShape;
  }

  /** Softmax of each sample's row: probabilities that sum to 1. */
  forward(run: RunContext): void {
    this.c.backend.softmaxForward(this.c.out, this.c.inp, run.N, this.inShape[0]!);
  }

  /** Gradient of the softmax from its output (fused into the loss instead when the loss is cross-entropy). */
  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.softmaxBackward(this.c.dinp, this.c.dout, this.c.out, N, this.inShape[0]!);
  }
}
