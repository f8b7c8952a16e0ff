/** Layers that move data without arithmetic: Flatten (a view) and Padding (a constant border). */
import { InvalidArgumentError } from '../errors.js';
import { checkInt, Layer, sizeOf, type RunContext, type Shape } from './layer.js';

/** [C, H, W] -> [C*H*W]. NCHW is already flat per sample, so the output shares the input's storage. */
export class Flatten extends Layer {
  readonly type = 'flatten';

  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  protected computeOutShape(inShape: Shape): Shape {
    return [sizeOf(inShape)];
  }

  override get aliasesInput(): boolean {
    return true;
  }

  forward(_run: RunContext): void {}
  backward(_N: number, _needDinp: boolean): void {}
  override backward2(_N: number, _needDinp: boolean): void {}

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}

/**
 * Pads every map by `pad` on each side with a constant `value` (the classic model pads its 28x28 input
 * to 32x32 with the background level -0.1). A copy, not arithmetic: it runs host-side over the views.
 */
export class Padding extends Layer {
  readonly type = 'padding';
  readonly pad: number;
  readonly value: number;

  constructor(opts: { pad: number; value?: number; name?: string }) {
    super(opts.name);
    this.pad = checkInt(opts.pad, 'padding pad', 0);
    this.value = opts.value ?? 0;
  }

  protected computeOutShape(inShape: Shape): Shape {
    if (inShape.length !== 3) throw new InvalidArgumentError(`padding expects a [C, H, W] input, got [${inShape.join(', ')}]`);
    const [C, H, W] = inShape as [number, number, number];
    return [C, H + 2 * this.pad, W + 2 * this.pad];
  }

  forward(run: RunContext): void {
    const { view, inp, out } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    const OH = H + 2 * this.pad;
    const OW = W + 2 * this.pad;
    const x = view(inp);
    const y = view(out);
    y.fill(this.value, 0, run.N * C * OH * OW);
    for (let p = 0; p < run.N * C; p++) {
      for (let h = 0; h < H; h++) {
        const src = (p * H + h) * W;
        y.set(x.subarray(src, src + W), (p * OH + h + this.pad) * OW + this.pad);
      }
    }
  }

  backward(N: number, needDinp: boolean): void {
    if (!needDinp) return;
    const { view, dinp, dout } = this.c;
    const [C, H, W] = this.inShape as [number, number, number];
    const OH = H + 2 * this.pad;
    const OW = W + 2 * this.pad;
    const dx = view(dinp);
    const dy = view(dout);
    for (let p = 0; p < N * C; p++) {
      for (let h = 0; h < H; h++) {
        const at = (p * OH + h + this.pad) * OW + this.pad;
        dx.set(dy.subarray(at, at + W), (p * H + h) * W);
      }
    }
  }

  override backward2(N: number, needDinp: boolean): void {
    this.backward(N, needDinp);
  }

  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, pad: this.pad, value: this.value };
  }
}
