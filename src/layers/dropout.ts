/**
 * Inverted dropout: in training each value is dropped with probability `rate` (Keras' meaning) and the
 * survivors scaled by 1/(1-rate); at inference it is the identity. The mask comes from a hash of the
 * step's seed, so a seeded run replays bit for bit on either backend.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Region } from '../memory.js';
import { Layer, sizeOf, type BindContext, type RunContext, type Shape } from './layer.js';

/**
 * Inverted dropout: in training each value is zeroed with probability `rate` and the others scaled by 1/(1 - rate);
 * identity at inference.
 */
export class Dropout extends Layer {
  /** Always `'dropout'`. */
  readonly type = 'dropout';
  /** Probability of dropping a value, in [0, 1). */
  readonly rate: number;
  /** Position in the model, mixed into the seed so two dropout layers draw different masks. */
  index = 0;
  private mask: Region | null = null;

  constructor(opts: { rate: number; name?: string }) {
    super(opts.name);
    if (!(typeof opts.rate === 'number' && opts.rate >= 0 && opts.rate < 1)) {
      throw new InvalidArgumentError(`dropout rate must be in [0, 1), got ${String(opts.rate)}`);
    }
    this.rate = opts.rate;
  }

  /** Any shape; the output has the same. */
  protected computeOutShape(inShape: Shape): Shape {
    return inShape;
  }

  /** The scratch regions bind() will allocate, for the arena's plan. */
  override scratch(capacity: number): [number, string][] {
    return [[capacity * sizeOf(this.inShape), `${this.name}.mask`]];
  }

  /** Allocates the mask. */
  override bind(ctx: BindContext): void {
    super.bind(ctx);
    this.mask = ctx.alloc(ctx.capacity * sizeOf(this.inShape), `${this.name}.mask`);
  }

  /** In training, draws the mask from the step's seed and applies it; at inference copies the input. */
  forward(run: RunContext): void {
    const { backend: k, inp, out, view } = this.c;
    const n = run.N * sizeOf(this.inShape);
    if (run.training && this.rate > 0) {
      const seed = (Math.imul(this.index + 1, 0x85ebca6b) ^ run.seed) >>> 0;
      // run.first: the shard's first sample within the batch (data-parallel training), 0 otherwise.
      k.dropoutForward(out, this.mask!, inp, n, this.rate, seed, (run.first ?? 0) * sizeOf(this.inShape));
    } else {
      // Identity; a mask of ones keeps backward (and the SDLM pass) uniform.
      view(out).set(view(inp).subarray(0, n));
      view(this.mask!).fill(1, 0, n);
    }
  }

  /** `dinp = dout * mask`. */
  backward(N: number, needDinp: boolean): void {
    if (needDinp) this.c.backend.dropoutBackward(this.c.dinp, this.c.dout, this.mask!, N * sizeOf(this.inShape));
  }

  /** Valid for the SDLM pass, which runs in inference mode (mask of ones, so mask^2 = mask). */
  override backward2(N: number, needDinp: boolean): void {
    this.backward(N, needDinp);
  }

  /** `{ type, name, rate }`. */
  config(): Record<string, unknown> {
    return { type: this.type, name: this.name, rate: this.rate };
  }
}
