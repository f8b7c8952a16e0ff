/**
 * ONNX export: a trained LeNet-5 (either preset, or any Sequential of the library's layers) as an ONNX
 * model that runs in onnxruntime and friends.
 *
 * The exported graph (opset 13, IR version 7, batch dimension symbolic):
 *
 *   input   float32 [N, 1, 28, 28]: pixels in [0, 1] (byte / 255), ink bright on a dark background (the
 *           MNIST polarity), row-major — the same images `LeNet5.predict` takes, for both presets. The
 *           classic model's input recipe is part of the graph: Pad by 2 with 0, then x * 1.275 - 0.1
 *           (background -0.1, full ink 1.175, the paper's 32x32 input).
 *   output  `probabilities` [N, 10] (softmax models, predict = argmax) or `penalties` [N, 10] (the
 *           classic RBF output, predict = argmin); `scores` for other heads.
 *
 * Layers map one to one: Conv2D -> Conv (a connection table becomes zero weights, e.g. C3's Table I),
 * subsampling -> AveragePool x (4 coeff) + bias per map (the 2x2 sum is 4x the average), the paper's
 * f(a) = 1.7159 tanh(2a/3) -> Mul/Tanh/Mul, Dense -> Gemm (transB), RBF -> Unsqueeze/Sub/Mul/ReduceSum
 * against the constant prototypes, dropout omitted (identity at inference).
 *
 * The wire format is in onnx-codec.ts; the importer (fromOnnx) in onnx-import.ts.
 */
import { ReLU, Sigmoid, Softmax, Tanh } from '../layers/activation.js';
import { Conv2D } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import type { Layer } from '../layers/layer.js';
import { AvgPool2D, MaxPool2D, Subsampling } from '../layers/pool.js';
import { RBF } from '../layers/rbf.js';
import { Flatten, Padding } from '../layers/reshape.js';
import type { LeNet5 } from '../models/lenet5.js';
import { Sequential } from '../models/sequential.js';
import { VERSION } from '../version.js';
import { encodeOnnx, OnnxError, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-codec.js';
import { AttributeType, DataType } from './onnx-schema.js';

/** Operator set of the exported graphs (ReduceSum, Unsqueeze and Pad take their axes/pads as inputs). */
export const ONNX_OPSET = 13;
/** IR version matching opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
/** Name of the exported graph's input. */
export const ONNX_INPUT_NAME = 'input';

/** Float32 values as little-endian bytes (ONNX raw_data is little-endian on every host). */
function f32le(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i]!, true);
  return out;
}

const attrInt = (name: string, i: number): OnnxAttribute => ({ name, type: AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): OnnxAttribute => ({ name, type: AttributeType.INTS, ints });

/** Accumulates nodes and initializers with unique names. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();

  private unique(name: string): string {
    let n = name;
    for (let k = 2; this.used.has(n); k++) n = `${name}_${k}`;
    this.used.add(n);
    return n;
  }

  constant(name: string, dims: number[], values: ArrayLike<number>): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims, dataType: DataType.FLOAT, rawData: f32le(values) });
    return n;
  }

  int64(name: string, values: number[]): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dims: [values.length], dataType: DataType.INT64, int64Data: values });
    return n;
  }

  node(opType: string, name: string, inputs: string[], attribute: OnnxAttribute[] = [], output?: string): string {
    const n = this.unique(name);
    const out = output ?? this.unique(`${name}.out`);
    this.nodes.push({ opType, name: n, input: inputs, output: [out], attribute });
    return out;
  }
}

export function convPad(l: Conv2D): number {
  if (l.padding === 'same') return (l.kernelSize - 1) / 2;
  return l.padding === 'valid' ? 0 : l.padding;
}

/** What the graph's output means. */
export type OnnxOutputKind = 'probabilities' | 'penalties' | 'scores';

/** What `onnxExportInfo` returns: the input and output of the graph `toOnnx` writes for a model. */
export interface OnnxExportInfo {
  /** The graph input: its name (`'input'`), shape (`['N', 1, 28, 28]`) and what it holds. */
  input: { name: string; shape: (number | string)[]; description: string };
  /**
   * The graph output: its name (the kind of its values), shape (`['N', 10]`) and how to read a prediction from it.
   */
  output: { name: OnnxOutputKind; shape: (number | string)[]; prediction: 'argmax' | 'argmin' };
  /** The ONNX operator set version of the graph (13). */
  opset: number;
}

/** Input and output of the graph `toOnnx` writes for a model. */
export function onnxExportInfo(net: LeNet5 | Sequential): OnnxExportInfo {
  const m = net instanceof Sequential ? net : net.model;
  const [h, w] = m.imageSize;
  const last = m.layers[m.layers.length - 1]!;
  const kind: OnnxOutputKind = last instanceof Softmax ? 'probabilities' : last instanceof RBF ? 'penalties' : 'scores';
  const recipe = m.input.normalization === 'classic'
    ? `; the graph pads by ${m.inputPad} and maps to the paper's levels (background -0.1, ink 1.175)`
    : '';
  return {
    input: {
      name: ONNX_INPUT_NAME,
      shape: ['N', m.input.shape[0]!, h, w],
      description: `float32 [N, 1, ${h}, ${w}] (NCHW), pixels in [0, 1] (byte / 255), bright ink on a dark background` + recipe,
    },
    output: { name: kind, shape: ['N', m.classes], prediction: m.predictsByMin ? 'argmin' : 'argmax' },
    opset: ONNX_OPSET,
  };
}

function valueInfo(name: string, shape: (number | string)[], docString: string): OnnxValueInfo {
  return {
    name,
    docString,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * The model as ONNX bytes (opset 13). Works for both presets and for custom stacks of the library's layers;
 * throws naming a layer type that has no ONNX mapping. See `onnxExportInfo` for the input and output.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { init, LeNet5 } from 'lenet5';
 * import { toOnnx } from 'lenet5/onnx';
 *
 * await init();
 * const net = await LeNet5.pretrained('modern');
 * await writeFile('lenet5.onnx', toOnnx(net)); // input [N, 1, 28, 28] in 0..1, output probabilities [N, 10]
 * ```
 */
export function toOnnx(net: LeNet5 | Sequential): Uint8Array {
  const m = net instanceof Sequential ? net : net.model;
  const preset = net instanceof Sequential ? null : net.preset;
  const params = m.getParams();
  const info = onnxExportInfo(m);
  const g = new GraphBuilder();
  const tensor = (i: number, j: number): Float32Array => {
    const p = m.layers[i]!.params()[j]!;
    const at = m.paramOffsets[i]![j]!;
    return params.subarray(at, at + p.shape.reduce((a, b) => a * b, 1));
  };

  let x = ONNX_INPUT_NAME;
  // The model's input recipe (Sequential.setInput on float pixels): pad with the blank pixel, then map
  // [0, 1] onto the levels [lo, hi]. Identity for the modern model.
  const pad = m.inputPad;
  if (pad > 0) {
    x = g.node('Pad', 'input.pad', [x, g.int64('input.pads', [0, 0, pad, pad, 0, 0, pad, pad])]);
  }
  const [lo, hi] = m.inputRange;
  if (lo !== 0 || hi !== 1) {
    x = g.node('Mul', 'input.scale', [x, g.constant('input.range', [], [hi - lo])]);
    x = g.node('Add', 'input.shift', [x, g.constant('input.background', [], [lo])]);
  }

  const scale = new Map<string, string>();
  const scalar = (name: string, v: number): string => {
    let s = scale.get(name);
    if (s === undefined) {
      s = g.constant(name, [], [v]);
      scale.set(name, s);
    }
    return s;
  };

  m.layers.forEach((l: Layer, i) => {
    const name = l.name;
    if (l instanceof Conv2D) {
      const [OC, C, K] = [l.filters, l.inShape[0]!, l.kernelSize];
      const wt = Float32Array.from(tensor(i, 0));
      // A connection table (Table I) is a mask: weights of unread maps are exactly zero in the graph.
      for (let oc = 0; oc < OC; oc++) {
        const reads = new Set(l.inputsOf(oc));
        for (let c = 0; c < C; c++) if (!reads.has(c)) wt.fill(0, (oc * C + c) * K * K, (oc * C + c + 1) * K * K);
      }
      const p = convPad(l);
      x = g.node('Conv', name, [x, g.constant(`${name}.weight`, [OC, C, K, K], wt), g.constant(`${name}.bias`, [OC], tensor(i, 1))], [
        attrInts('kernel_shape', [K, K]), attrInts('pads', [p, p, p, p]), attrInts('strides', [1, 1]),
        attrInts('dilations', [1, 1]), attrInt('group', 1),
      ]);
    } else if (l instanceof Subsampling) {
      // coeff * (sum of the 2x2 block) + bias = (4 coeff) * average + bias; x4 is exact in float32.
      const C = l.inShape[0]!;
      const coeff = Float32Array.from(tensor(i, 0), (v) => 4 * v);
      x = g.node('AveragePool', `${name}.pool`, [x], [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])]);
      x = g.node('Mul', `${name}.coeff`, [x, g.constant(`${name}.coeff_x4`, [1, C, 1, 1], coeff)]);
      x = g.node('Add', `${name}.bias`, [x, g.constant(`${name}.bias`, [1, C, 1, 1], tensor(i, 1))]);
    } else if (l instanceof AvgPool2D || l instanceof MaxPool2D) {
      x = g.node(l instanceof AvgPool2D ? 'AveragePool' : 'MaxPool', name, [x], [
        attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2]),
      ]);
    } else if (l instanceof Tanh) {
      // The paper's squashing function f(a) = A tanh(S a), A = 1.7159, S = 2/3 (Appendix A).
      x = g.node('Mul', `${name}.S`, [x, scalar('tanh.S', 2 / 3)]);
      x = g.node('Tanh', `${name}.tanh`, [x]);
      x = g.node('Mul', `${name}.A`, [x, scalar('tanh.A', 1.7159)]);
    } else if (l instanceof ReLU) {
      x = g.node('Relu', name, [x]);
    } else if (l instanceof Sigmoid) {
      x = g.node('Sigmoid', name, [x]);
    } else if (l instanceof Flatten) {
      x = g.node('Flatten', name, [x], [attrInt('axis', 1)]);
    } else if (l instanceof Padding) {
      x = g.node('Pad', name, [x, g.int64(`${name}.pads`, [0, 0, l.pad, l.pad, 0, 0, l.pad, l.pad]),
        g.constant(`${name}.value`, [], [l.value])]);
    } else if (l instanceof Dropout) {
      // Identity at inference.
    } else if (l instanceof Dense) {
      const IN = l.inShape[0]!;
      x = g.node('Gemm', name, [x, g.constant(`${name}.weight`, [l.units, IN], tensor(i, 0)), g.constant(`${name}.bias`, [l.units], tensor(i, 1))], [
        attrInt('transB', 1),
      ]);
    } else if (l instanceof Softmax) {
      x = g.node('Softmax', name, [x], [attrInt('axis', 1)]);
    } else if (l instanceof RBF) {
      // y_i = sum_j (x_j - w_ij)^2: [N, 1, IN] - [units, IN] broadcasts to [N, units, IN].
      const IN = l.inShape[0]!;
      const u = g.node('Unsqueeze', `${name}.unsqueeze`, [x, g.int64(`${name}.axes1`, [1])]);
      const d = g.node('Sub', `${name}.sub`, [u, g.constant(`${name}.prototypes`, [l.units, IN], l.prototypes)]);
      const sq = g.node('Mul', `${name}.square`, [d, d]);
      x = g.node('ReduceSum', `${name}.sum`, [sq, g.int64(`${name}.axes2`, [2])], [attrInt('keepdims', 0)]);
    } else {
      throw new OnnxError(`toOnnx: layer ${i} (${name}) of type '${l.type}' has no ONNX mapping`, m.name);
    }
  });
  // Name the last tensor as the graph output.
  const lastNode = g.nodes[g.nodes.length - 1];
  if (lastNode !== undefined) lastNode.output = [info.output.name];
  else g.node('Identity', 'output', [x], [], info.output.name);

  const meta: Record<string, string> = {
    'lenet5.preset': preset ?? 'custom',
    'lenet5.input': info.input.description,
    'lenet5.output': `${info.output.name} [N, ${m.classes}], predicted class = ${info.output.prediction}`,
    'lenet5.version': VERSION,
  };
  return encodeOnnx({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'lenet5',
    producerVersion: VERSION,
    modelVersion: 1,
    docString: `LeNet-5 (${preset ?? m.name}) exported by lenet5 ${VERSION}. Input: ${info.input.description}. ` +
      `Output: ${meta['lenet5.output']}.`,
    graph: {
      name: m.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(info.input.name, info.input.shape, info.input.description)],
      output: [valueInfo(info.output.name, info.output.shape, meta['lenet5.output']!)],
    },
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
  });
}
