/**
 * Which layers of a Sequential run inside another's kernel: the plan is data, worked out once from the
 * layer list and read by the model when it lays out memory, binds the layers and runs them. The layers
 * themselves are not changed by it (a Conv2D is told its epilogue at bind time).
 *
 * - A ReLU straight after a convolution runs inside the convolution kernel, on each sample's maps while they
 *   are in cache, and its output shares the convolution's storage (a separate pass streamed the batch's
 *   maps from memory twice). Its backward is unchanged: reluBackward reads the output, which is > 0 exactly
 *   where the pre-activation was.
 * - An AvgPool2D after them (or straight after the convolution) is computed by the convolution kernel too,
 *   into the pooling layer's own output.
 * - With a cross-entropy loss, the final Softmax is folded into the loss during training: a forward for the
 *   loss stops before it and the loss kernel writes the probabilities and the gradient of the logits.
 * Every fused path is bit-identical to the unfused layers (test/models/fusion.test.ts).
 */
import { AvgPool2D } from '../layers/pool.js';
import { Conv2D } from '../layers/conv.js';
import { ReLU } from '../layers/activation.js';
import type { Layer } from '../layers/layer.js';

export interface ConvEpilogue {
  /** The ReLU layer applied in the kernel, or -1. */
  readonly relu: number;
  /** The AvgPool2D layer computed by the kernel, or -1. */
  readonly pool: number;
}

export interface FusionPlan {
  /** Per convolution layer (by index) that does more than convolve: what its kernel also computes. */
  readonly conv: ReadonlyMap<number, ConvEpilogue>;
  /** Layers whose forward the model skips: the convolution before them computes their output. */
  readonly computedBefore: ReadonlySet<number>;
  /** Layers whose output is their input's storage (a ReLU applied in the convolution before it). */
  readonly sharesInput: ReadonlySet<number>;
  /** The final Softmax folded into the cross-entropy loss in training. */
  readonly softmaxInLoss: boolean;
}

export function planFusion(layers: readonly Layer[], lossKind: string): FusionPlan {
  const conv = new Map<number, ConvEpilogue>();
  const computedBefore = new Set<number>();
  const sharesInput = new Set<number>();
  layers.forEach((l, i) => {
    if (!(l instanceof Conv2D)) return;
    let j = i + 1;
    let relu = -1;
    if (layers[j] instanceof ReLU) {
      relu = j;
      computedBefore.add(j);
      sharesInput.add(j);
      j++;
    }
    const pool = layers[j] instanceof AvgPool2D ? j : -1;
    if (pool >= 0) computedBefore.add(pool);
    if (relu >= 0 || pool >= 0) conv.set(i, { relu, pool });
  });
  return { conv, computedBefore, sharesInput, softmaxInLoss: lossKind === 'crossentropy' };
}
