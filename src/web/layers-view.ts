/**
 * Which activations the demo draws, read straight from the model's arena after a forward pass.
 *
 * Every "trunk" layer (convolution, pooling/subsampling, dense, RBF) is shown with the output of the
 * activation that follows it (C1 = conv + squash), so a map is what the next layer actually reads.
 * Reshapes and dropout are skipped. For the two presets the trunk layers get the paper's names
 * (C1, S2, C3, S4, C5, F6, output), so the modern model's conv1/pool1/... line up with the classic one.
 */
import type { LeNet5 } from '../models/lenet5.js';
import type { Sequential } from '../models/sequential.js';

export interface LayerView {
  /** C1, S2, ... for the presets; the layer's own name otherwise. */
  title: string;
  /** What produced it, e.g. "conv2d 5x5 + tanh". */
  detail: string;
  /** Index of the layer whose output is read (`model.activation(index)`). */
  index: number;
  /** 'maps' for C x H x W with H*W > 1, 'vector' for flat outputs (C5 is 120 maps of 1x1: a vector). */
  kind: 'maps' | 'vector';
  channels: number;
  height: number;
  width: number;
}

const TRUNK = new Set(['conv2d', 'avgpool2d', 'maxpool2d', 'subsampling', 'dense', 'rbf']);
const FOLLOWERS = new Set(['relu', 'tanh', 'sigmoid', 'softmax', 'dropout']);
const PAPER_NAMES = ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'output'];

/** The layers to draw, in order. */
export function layerViews(net: LeNet5): LayerView[] {
  const layers = net.model.layers;
  const views: LayerView[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    if (!TRUNK.has(l.type)) continue;
    const parts = [describe(l as unknown as Record<string, unknown>)];
    let j = i;
    while (j + 1 < layers.length && FOLLOWERS.has(layers[j + 1]!.type)) {
      j++;
      if (layers[j]!.type !== 'dropout') parts.push(layers[j]!.type);
    }
    const shape = layers[j]!.outShape;
    const [c, h, w] = shape.length === 3 ? [shape[0]!, shape[1]!, shape[2]!] : [shape[0]!, 1, 1];
    views.push({
      title: l.name,
      detail: parts.join(' + '),
      index: j,
      kind: h * w > 1 ? 'maps' : 'vector',
      channels: c,
      height: h,
      width: w,
    });
  }
  if (net.preset !== null && views.length === PAPER_NAMES.length) {
    views.forEach((v, k) => {
      const paper = PAPER_NAMES[k]!;
      if (v.title !== paper) v.detail = `${v.title}: ${v.detail}`;
      v.title = paper;
    });
  }
  return views;
}

function describe(l: Record<string, unknown>): string {
  switch (l['type']) {
    case 'conv2d': return `conv ${String(l['kernelSize'])}x${String(l['kernelSize'])}`;
    case 'dense': return 'dense';
    case 'rbf': return 'Euclidean RBF';
    case 'subsampling': return 'subsampling 2x2';
    case 'avgpool2d': return 'avg pool 2x2';
    case 'maxpool2d': return 'max pool 2x2';
    default: return String(l['type']);
  }
}

/** Row `row` of the activation a view reads (copied: the arena is reused by the next pass). */
export function readActivation(model: Sequential, view: LayerView, row = 0): Float32Array {
  const size = view.channels * view.height * view.width;
  const all = model.view(model.activation(view.index));
  return Float32Array.from(all.subarray(row * size, (row + 1) * size));
}
