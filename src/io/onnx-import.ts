/**
 * ONNX import: the weights of a modern LeNet-5 written by another exporter (PyTorch's torch.onnx.export,
 * Keras through tf2onnx) or by our own toOnnx. The graph is first canonicalised (onnx-graph.ts: constants
 * folded, no-ops dropped, Pads folded into the layer after them) into one chain of steps, which is then
 * matched layer by layer against the modern LeNet-5, checking every tensor's shape.
 */
import { ReLU, Softmax } from '../layers/activation.js';
import { Conv2D } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { AvgPool2D, MaxPool2D } from '../layers/pool.js';
import { LeNet5, type ModelOptions } from '../models/lenet5.js';
import type { ModernOptions } from '../models/presets.js';
import { decodeOnnx, OnnxError, shapeStr } from './onnx-codec.js';
import { convPad } from './onnx-export.js';
import { canonicalise, type Dim, type Step, type Tensor } from './onnx-graph.js';

/**
 * Options of `fromOnnx`: those of `LeNet5.modern` (seed, backend, batch size, dropout, ...), plus a name for
 * messages.
 */
export interface FromOnnxOptions extends ModelOptions, ModernOptions {
  /** Names the input in error messages (e.g. the file path). */
  source?: string;
}

const ARCH = 'the modern LeNet-5';
const sameDims = (a: readonly Dim[], b: readonly Dim[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** The step kind a layer takes, or null for layers with nothing in the graph (Flatten, Dropout). */
function expectedKind(l: Layer): Step['op'] | null {
  if (l instanceof Conv2D) return 'conv';
  if (l instanceof Dense) return 'dense';
  if (l instanceof ReLU) return 'relu';
  if (l instanceof AvgPool2D) return 'avgpool';
  if (l instanceof MaxPool2D) return 'maxpool';
  if (l instanceof Softmax) return 'softmax';
  return null;
}

/** What the importer expects in the graph for a layer, in ONNX terms. */
function expectation(l: Layer): string {
  if (l instanceof Conv2D) {
    const p = convPad(l);
    return `Conv ${l.filters}@${l.kernelSize}x${l.kernelSize}${p ? ` padded by ${p}` : ''} on [N, ${l.inShape.join(', ')}]` +
      (l.inShape[1] === l.kernelSize && p === 0 ? ` (or Gemm / MatMul from ${l.inShape.reduce((a, b) => a * b, 1)} to ${l.filters})` : '');
  }
  if (l instanceof Dense) return `Gemm, or MatMul + Add, from ${l.inShape[0]} to ${l.units}`;
  if (l instanceof ReLU) return 'Relu';
  if (l instanceof AvgPool2D || l instanceof MaxPool2D) return `${l instanceof AvgPool2D ? 'AveragePool' : 'MaxPool'} 2x2 with stride 2`;
  if (l instanceof Softmax) return 'Softmax, LogSoftmax or the end of the graph';
  return l.type;
}

/** "Conv (node '/conv1/Conv')": how shape errors name the step a tensor belongs to. */
const short = (s: Step): string => `${s.node.op} (node '${s.node.name || `#${s.node.index + 1}`}')`;

/**
 * A modern LeNet-5 with the weights of an ONNX model of the same architecture: conv `6@5x5` same, avg pool,
 * conv `16@5x5`, avg pool, conv `120@5x5` (or the equivalent dense 400 to 120), dense 84, dense 10, ReLUs,
 * optional final softmax (or log-softmax; a graph that ends in logits gets our softmax). Weights are matched
 * by the graph's structure (op order and shapes), not by initializer names. The first node that does not
 * fit is named in an OnnxError, with its inputs and what the importer expected there.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { init } from 'lenet5';
 * import { fromOnnx } from 'lenet5/onnx';
 *
 * await init();
 * // e.g. written by torch.onnx.export from a PyTorch LeNet-5 of the same architecture
 * const net = fromOnnx(await readFile('lenet5.onnx'), { source: 'lenet5.onnx' });
 * console.log(net.predict(new Uint8Array(784)).label);
 * ```
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, opts: FromOnnxOptions = {}): LeNet5 {
  const source = opts.source ?? 'ONNX model';
  const model = decodeOnnx(bytes, source);
  const { steps, failure } = canonicalise(model, source);
  const { source: _s, ...modelOpts } = opts;
  void _s;
  const net = LeNet5.modern(modelOpts);
  const m = net.model;
  const params = net.getWeights();
  const fail = (msg: string): never => {
    throw new OnnxError(`${source}: ${msg}`, source);
  };
  // Flatten steps need no layer: a dense step after them checks the feature count.
  const chain = steps.filter((s) => s.op !== 'flatten');
  let k = 0;
  m.layers.forEach((l, i) => {
    const want = expectedKind(l);
    if (want === null) return;
    const s = chain[k];
    const there = `${ARCH} has ${l.type} layer ${l.name} (the importer expected ${expectation(l)})`;
    if (s === undefined) {
      if (failure !== null) fail(`node ${failure.node.index + 1} of the ONNX graph, ${failure.node.desc}, cannot be imported: ${failure.reason}; there ${there}`);
      // A graph that ends in logits (PyTorch's usual export, trained with CrossEntropyLoss) is the same model.
      if (want === 'softmax' && i === m.layers.length - 1) return;
      fail(`the ONNX graph ends early: ${ARCH} has ${l.type} layer ${l.name} next (${expectation(l)}), the graph has no more ops`);
    }
    const step = s!;
    const mismatch = (why = ''): never =>
      fail(`node ${step.node.index + 1} of the ONNX graph is ${step.node.desc}${why ? `, which ${why}` : ''}, where ${there}`);
    const put = (j: number, t: Tensor, what: string, reshaped?: number[]) => {
      const spec = l.params()[j]!;
      if (!sameDims(reshaped ?? t.dims, spec.shape)) {
        fail(`${l.name}.${spec.name}: the ONNX model's ${what} '${t.name}' of ${short(step)} has shape ${shapeStr(t.dims)}, ${ARCH} needs ${shapeStr(spec.shape)}`);
      }
      params.set(t.values, m.paramOffsets[i]![j]!);
    };
    const putBias = (j: number, b: Tensor | null, n: number) => {
      // A bias may come as (1, OUT) or (1, C, 1, 1).
      if (b !== null) put(j, b, 'bias', b.values.length === n ? [n] : undefined);
      else params.fill(0, m.paramOffsets[i]![j]!, m.paramOffsets[i]![j]! + n);
    };
    const folded = (s: Step): string => ('folded' in s && s.folded.length > 0 ? ` (with ${s.folded.map((f) => f.label).join(', ')} folded in)` : '');
    if (l instanceof Conv2D) {
      const K = l.kernelSize;
      const [C, H, W] = l.inShape as [number, number, number];
      if (step.op === 'conv') {
        if (!sameDims(step.inShape.slice(1), l.inShape)) mismatch(`takes ${shapeStr(step.inShape)}`);
        put(0, step.weight, 'weight');
        if (step.group !== 1) fail(`${l.name}: ${step.node.label} is grouped (group ${step.group}); LeNet-5 convolutions are not`);
        if (step.strides.some((v) => v !== 1)) fail(`${l.name}: ${step.node.label} has strides ${shapeStr(step.strides)}; LeNet-5 convolutions use stride 1`);
        if (step.dilations.some((v) => v !== 1)) fail(`${l.name}: ${step.node.label} is dilated ${shapeStr(step.dilations)}; LeNet-5 convolutions are not`);
        const p = convPad(l);
        if (step.pads.some((v) => v !== p)) {
          const pads = step.pads.every((v) => v === step.pads[0]) ? String(step.pads[0]) : `${shapeStr(step.pads)} (top, left, bottom, right)`;
          fail(`${l.name}: ${step.node.label}${folded(step)} pads by ${pads}, ${ARCH}'s ${l.name} pads by ${p}${l.padding === 'same' ? " ('same')" : ''}`);
        }
      } else if (step.op === 'dense' && convPad(l) === 0 && H === K && W === K && step.inShape[1] === C * K * K) {
        // A conv whose kernel covers its whole input is a dense layer over the flattened maps (the
        // PyTorch tutorial's Linear(16*5*5, 120)); (OUT, C*K*K) is the same memory as (OUT, C, K, K).
        put(0, step.weight, 'weight', step.weight.dims[1] === C * K * K ? [step.weight.dims[0]!, C, K, K] : undefined);
      } else {
        mismatch();
      }
      putBias(1, step.op === 'conv' || step.op === 'dense' ? step.bias : null, l.filters);
    } else if (l instanceof Dense) {
      if (step.op !== 'dense') mismatch();
      else {
        if (step.inShape[1] !== l.inShape[0]) mismatch(`takes ${shapeStr(step.inShape)}`);
        put(0, step.weight, 'weight');
        putBias(1, step.bias, l.units);
      }
    } else if (want === 'avgpool' || want === 'maxpool') {
      if (step.op !== want) mismatch();
      else if (!sameDims(step.kernel, [2, 2]) || !sameDims(step.strides, [2, 2]) || step.pads.some((v) => v !== 0)) {
        fail(`${l.name}: ${step.node.label}${folded(step)} has kernel ${shapeStr(step.kernel)}, strides ${shapeStr(step.strides)} and pads ` +
          `${shapeStr(step.pads)}${step.countIncludePad ? ' (padded zeros counted)' : ''}; LeNet-5 pools 2x2 with stride 2, unpadded`);
      }
    } else if (want === 'softmax') {
      if (step.op !== 'softmax' && step.op !== 'logsoftmax') mismatch();
    } else if (step.op !== want) {
      mismatch();
    }
    k++;
  });
  if (k < chain.length) {
    const s = chain[k]!;
    fail(`the ONNX graph has more ops than ${ARCH}: node ${s.node.index + 1}, ${s.node.desc}, after its last layer`);
  }
  if (failure !== null) {
    fail(`node ${failure.node.index + 1} of the ONNX graph, ${failure.node.desc}, cannot be imported: ${failure.reason}; there the importer expected the end of the graph, after the last layer of ${ARCH}`);
  }
  net.setWeights(params);
  return net;
}
