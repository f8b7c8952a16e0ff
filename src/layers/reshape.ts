/** Layers that move data without arithmetic: Flatten (a view) and Padding (a constant border). */
import { InvalidArgumentError } from '../errors.js';
import { checkInt, Layer, sizeOf, type RunContext, type Shape } from './layer.js';

/** [C, H, W] to [C*H*W]. NCHW is already flat per sample, so the output shares the input's storage. */
export class Flatten extends Layer {
  /** Always `'flatten'`. */
  readonly type = 'flatten';

  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  /** Takes any shape, returns `[size]`. */
  protected computeOutShape(inShape: Shape): Shape {
    return [sizeOf(inShape)];
  }

  /** True: the output shares the input's storage. */
  override get aliasesInput(): boolean {
    return true;
  }

  /** Nothing to do: the output is the input. */
  forward(_run: RunContext): void {}
  /** Nothing to do: the input gradient is the output gradient. */
  backward(_N: number, _needDinp: boolean): void {}
  /** Second derivatives pass through unchanged. */
  override backward2(_N: number, _needDinp: boolean): void {}

  /** `{ type, name }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}

/**
 * Pads every map by `pad` on each side with a constant `value` (the classic model pads its 28x28 input
 * to 32x32 with the background level -0.1). A copy, not arithmetic: it runs host-side over the views.
 */
export class Padding extends Layer {
  /** Always `'padding'`. */
  readonly type = 'padding';
  /** Pixels added on each side of every map. */
  readonly pad: number;
  /** The value of the border (default 0; -0.1 in the classic preset, the background level). */
  readonly value: number;

  constructor(opts: { pad: number; value?: number; name?: string }) {
    super(opts.name);
    this.pad = checkInt(opts.pad, 'padding pad', 0);
    this.value = opts.value ?? 0;
  }

  /** Takes `[C, H, W]`, returns `[C, H + 2 pad, W + 2 pad]`. */
  protected computeOutShape(inShape: Shape): Shape {
    if (inShape.length !== 3) throw new InvalidArgumentError(`padding expects a [C, H, W] input, got [${inShape.join(', ')}]`);
    const [C, H, W] = inShape as [number, number, number];
    return [C, H + 2 * this.pad, W + 2 * this.pad];
  }

  /** Copies each map into the middle of the output and fills the border with `value`. */
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

  /** The input gradient is the middle of the output gradient. */
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

  /** Second derivatives: the middle of the output's. */
  override backward2(N: number, needDinp: boolean): void {
    this.backward(N, needDinp);
  }

  /** `{ type, name, pad, value }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, pad: this.pad, value: this.value };
  }
}
