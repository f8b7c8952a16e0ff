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

export class ReLU extends Elementwise {
  readonly type = 'relu';

  forward(run: RunContext): void {
    this.c.backend.reluForward(this.c.out, this.c.inp, this.n(run.N));
  }

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
  readonly type = 'tanh';

  forward(run: RunContext): void {
    this.c.backend.tanhForward(this.c.out, this.c.inp, this.n(run.N));
  }

  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.tanhBackward(this.c.dinp, this.c.dout, this.c.out, this.n(N));
  }

  override backward2(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.tanhBackward2(this.c.dinp, this.c.dout, this.c.out, this.n(N));
  }
}

export class Sigmoid extends Elementwise {
  readonly type = 'sigmoid';

  forward(run: RunContext): void {
    this.c.backend.sigmoidForward(this.c.out, this.c.inp, this.n(run.N));
  }

  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.sigmoidBackward(this.c.dinp, this.c.dout, this.c.out, this.n(N));
  }
}

/** Row-wise softmax over a flat [C] input. With a cross-entropy loss the model fuses the two. */
export class Softmax extends Elementwise {
  readonly type = 'softmax';

  protected override computeOutShape(inShape: Shape): Shape {
    if (inShape.length !== 1) throw new InvalidArgumentError(`softmax expects a flat [C] input, got [${inShape.join(', ')}]`);
    return inShape;
  }

  forward(run: RunContext): void {
    this.c.backend.softmaxForward(this.c.out, this.c.inp, run.N, this.inShape[0]!);
  }

  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.softmaxBackward(this.c.dinp, this.c.dout, this.c.out, N, this.inShape[0]!);
  }
}
