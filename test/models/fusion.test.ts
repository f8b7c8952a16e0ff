/**
 * A ReLU straight after a convolution runs inside the convolution kernel and shares its storage, and an
 * average pooling after them is computed there too. The fused network must compute exactly what the same
 * layers compute one by one: the reference is the same stack with an identity (dropout of rate 0) between
 * each convolution and its ReLU, which stops both fusions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { ReLU, Softmax } from '../../src/layers/activation.js';
import { Conv2D } from '../../src/layers/conv.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import type { Layer } from '../../src/layers/layer.js';
import { AvgPool2D } from '../../src/layers/pool.js';
import { Flatten } from '../../src/layers/reshape.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { Rng } from '../util/rng.js';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

/** Modern LeNet-5's trunk; `split` puts an identity between each convolution and its ReLU. */
function stack(split: boolean): Layer[] {
  const gap = (): Layer[] => (split ? [new Dropout({ rate: 0 })] : []);
  return [
    new Conv2D({ filters: 6, kernelSize: 5, padding: 'same' }), ...gap(), new ReLU(), new AvgPool2D(),
    new Conv2D({ filters: 16, kernelSize: 5 }), ...gap(), new ReLU(), new AvgPool2D(),
    new Conv2D({ filters: 120, kernelSize: 5 }), ...gap(), new ReLU(), new Flatten(),
    new Dense({ units: 84 }), new ReLU(), new Dense({ units: 10 }), new Softmax(),
  ];
}

const spec = { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } } as const;

describe('conv + ReLU (+ average pooling) fusion', () => {
  it('the modern preset fuses its three conv + ReLU pairs (sharing their storage) and its two poolings', () => {
    const m = LeNet5.modern({ seed: 1, batchSize: 4 }).model;
    const fused = [...m.fusion.sharesInput];
    expect(fused.every((i) => m.layers[i] instanceof ReLU)).toBe(true);
    expect(fused.map((i) => m.layers[i - 1]!.type)).toEqual(['conv2d', 'conv2d', 'conv2d']);
    for (const i of fused) expect(m.activation(i).ptr).toBe(m.activation(i - 1).ptr);
    // Both average poolings are computed by the convolution before them, into their own outputs.
    const pools = m.layers.flatMap((l, i) => (l instanceof AvgPool2D ? [i] : []));
    expect(pools.map((i) => m.fusion.computedBefore.has(i))).toEqual([true, true]);
    expect([...m.fusion.conv.values()].map((e) => e.pool)).toEqual([...pools, -1]);
    // The dense + ReLU pair is not fused: it keeps its own output.
    const relus = m.layers.flatMap((l, i) => (l instanceof ReLU ? [i] : []));
    expect(relus.length).toBe(4);
    expect(m.fusion.computedBefore.has(relus[3]!)).toBe(false);
    expect(m.activation(relus[3]!).ptr).not.toBe(m.activation(relus[3]! - 1).ptr);
  });

  it('predictions, loss and every gradient equal the unfused stack, bit for bit', () => {
    const N = 5;
    const a = LeNet5.fromLayers(stack(false), spec, { seed: 3, batchSize: N }).model;
    const b = LeNet5.fromLayers(stack(true), spec, { seed: 3, batchSize: N }).model;
    expect(b.fusion.conv.size).toBe(0);
    expect(b.fusion.computedBefore.size).toBe(0);
    b.view(b.paramsRegion).set(a.view(a.paramsRegion));
    const rng = new Rng(11);
    const images = Uint8Array.from({ length: N * 784 }, () => rng.int(0, 255));
    const labels = Array.from({ length: N }, (_, i) => i % 10);
    for (const m of [a, b]) {
      m.setInput(images, N, (i) => i);
      m.setLabels(labels, N, (i) => i);
    }
    a.forward(N, false);
    b.forward(N, false);
    expect(Array.from(a.output.subarray(0, N * 10))).toEqual(Array.from(b.output.subarray(0, N * 10)));

    const step = (m: typeof a): number => {
      m.forward(N, true, 1, true);
      const loss = m.computeLoss(N);
      m.zeroGrad();
      m.backward(N);
      return loss;
    };
    expect(step(a)).toBe(step(b));
    const ga = a.view(a.gradsRegion), gb = b.view(b.gradsRegion);
    expect(ga.some((v) => v !== 0)).toBe(true);
    expect(Array.from(ga)).toEqual(Array.from(gb));
  });
});
