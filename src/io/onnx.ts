/**
 * ONNX interchange: export a trained LeNet-5 (either preset, or any Sequential of the library's layers) to
 * an ONNX model that runs in onnxruntime and friends, and import the weights of a modern LeNet-5 trained
 * elsewhere (PyTorch's `torch.onnx.export`, Keras through tf2onnx, or our own export).
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
 * The codecs come from protobufjs reflection over a hand-written descriptor of onnx.proto (onnx-schema.ts).
 */
import protobuf from 'protobufjs/light.js';
import { ReLU, Sigmoid, Softmax, Tanh } from '../layers/activation.js';
import { Conv2D } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import type { Layer } from '../layers/layer.js';
import { AvgPool2D, MaxPool2D, Subsampling } from '../layers/pool.js';
import { RBF } from '../layers/rbf.js';
import { Flatten, Padding } from '../layers/reshape.js';
import { LeNet5, type ModelOptions } from '../models/lenet5.js';
import type { ModernOptions } from '../models/presets.js';
import { Sequential } from '../models/sequential.js';
import { VERSION } from '../version.js';
import { MAGIC, ModelFileError } from './format.js';
import { AttributeType, DataType, ONNX_SCHEMA } from './onnx-schema.js';

/** Operator set of the exported graphs (ReduceSum, Unsqueeze and Pad take their axes/pads as inputs). */
export const ONNX_OPSET = 13;
/** IR version matching opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
/** Name of the exported graph's input. */
export const ONNX_INPUT_NAME = 'input';

/** An ONNX file that cannot be read or does not fit the model; the message names the first problem. */
export class OnnxError extends ModelFileError {
  override name = 'OnnxError';
}

// ------------------------------------------------------------------------------------------- messages

/** int64 fields decode to numbers here (`toObject` with `longs: Number`). */
export interface OnnxTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  doubleData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  dataLocation?: number;
  externalData?: { key?: string; value?: string }[];
  docString?: string;
}

export interface OnnxAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
}

export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: OnnxAttribute[];
  docString?: string;
}

export interface OnnxDim {
  dimValue?: number;
  dimParam?: string;
}

export interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } };
  docString?: string;
}

export interface OnnxGraph {
  node?: OnnxNode[];
  name?: string;
  initializer?: OnnxTensor[];
  docString?: string;
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion?: number;
  opsetImport?: { domain?: string; version?: number }[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: OnnxGraph;
  metadataProps?: { key?: string; value?: string }[];
}

let modelType: protobuf.Type | null = null;

/** The ModelProto codec, built on first use (no work at import time). */
function codec(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serialises an ONNX model message (the protobuf wire format of onnx.ModelProto). */
export function encodeOnnx(model: OnnxModel): Uint8Array {
  const t = codec();
  const bytes = t.encode(t.fromObject(model as Record<string, unknown>)).finish();
  // protobufjs hands back a Buffer on Node; callers get a plain Uint8Array on every platform.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses ONNX bytes into plain objects (int64 as numbers, bytes as Uint8Array). Throws an OnnxError for
 * anything that is not a protobuf ModelProto with a graph: truncated files, other formats, empty input.
 */
export function decodeOnnx(bytes: Uint8Array | ArrayBuffer, source = 'ONNX model'): OnnxModel {
  const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(data instanceof Uint8Array)) throw new OnnxError(`${source}: expected the bytes of an ONNX file (Uint8Array or ArrayBuffer)`, source);
  if (data.length === 0) throw new OnnxError(`${source}: the file is empty, not an ONNX model`, source);
  if (data.length >= 8 && MAGIC.every((b, i) => data[i] === b)) {
    throw new OnnxError(`${source}: this is a lenet5 model file, not ONNX: load it with LeNet5.load() (or convert it with \`lenet5 export\`)`, source);
  }
  let model: OnnxModel;
  try {
    const t = codec();
    model = t.toObject(t.decode(data), { longs: Number, arrays: true }) as OnnxModel;
  } catch (err) {
    // protobufjs reports truncation ("index out of range"), bad wire types and runaway nesting (a
    // RangeError from the stack) as plain errors: all of them mean "not an ONNX file".
    throw new OnnxError(`${source}: not a valid ONNX model: the protobuf data is malformed (${(err as Error).message})`, source, { cause: err });
  }
  const g = model.graph;
  if (g === undefined || g === null) {
    throw new OnnxError(`${source}: not a valid ONNX model: no graph (is this an ONNX file?)`, source);
  }
  if (!model.irVersion) throw new OnnxError(`${source}: not a valid ONNX model: no IR version`, source);
  if ((g.node ?? []).length === 0) throw new OnnxError(`${source}: the ONNX graph has no nodes`, source);
  g.node!.forEach((n, i) => {
    if (!n.opType) throw new OnnxError(`${source}: not a valid ONNX model: node ${i} has no op type`, source);
  });
  return model;
}

// ------------------------------------------------------------------------------------------- export

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

function convPad(l: Conv2D): number {
  if (l.padding === 'same') return (l.kernelSize - 1) / 2;
  return l.padding === 'valid' ? 0 : l.padding;
}

/** What the graph's output means. */
export type OnnxOutputKind = 'probabilities' | 'penalties' | 'scores';

export interface OnnxExportInfo {
  input: { name: string; shape: (number | string)[]; description: string };
  output: { name: OnnxOutputKind; shape: (number | string)[]; prediction: 'argmax' | 'argmin' };
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
 * throws naming a layer type that has no ONNX mapping. See the file comment for the input and output.
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

// ------------------------------------------------------------------------------------------- import

/** Shape-only or inference-time no-op ops that carry no weights (skipped when reading the structure). */
const PASS_THROUGH = new Set([
  'Identity', 'Dropout', 'Flatten', 'Reshape', 'Transpose', 'Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat',
  'Constant', 'Cast', 'ConstantOfShape', 'Slice',
]);

type Found =
  | { kind: 'conv'; node: string; weight: Float32Array; wDims: number[]; wName: string; bias: Float32Array | null;
    bDims: number[]; bName: string; pad: number }
  | { kind: 'dense'; op: 'Gemm' | 'MatMul'; node: string; weight: Float32Array; wDims: number[]; wName: string;
    bias: Float32Array | null; bDims: number[]; bName: string }
  | { kind: 'relu' | 'avgpool' | 'maxpool' | 'softmax' | 'other'; op: string; node: string };

const shapeStr = (d: readonly number[]): string => `[${d.join(', ')}]`;
const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** The float values of a tensor (float32 or float64 storage), checked against its dims. */
function tensorValues(t: OnnxTensor, what: string, source: string): Float32Array {
  const dims = t.dims ?? [];
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === 1 || (t.externalData ?? []).length > 0) {
    throw new OnnxError(`${source}: ${what} is stored in an external data file; re-export the model with its weights embedded`, source);
  }
  const raw = t.rawData;
  const hasRaw = raw !== undefined && raw.length > 0;
  let out: Float32Array;
  if (t.dataType === DataType.FLOAT) {
    if (hasRaw) {
      if (raw.length !== n * 4) throw new OnnxError(`${source}: ${what}: ${raw.length} bytes of float32 data for shape ${shapeStr(dims)} (${n} values)`, source);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
    } else {
      out = Float32Array.from(t.floatData ?? []);
    }
  } else if (t.dataType === DataType.DOUBLE) {
    if (hasRaw) {
      if (raw.length !== n * 8) throw new OnnxError(`${source}: ${what}: ${raw.length} bytes of float64 data for shape ${shapeStr(dims)} (${n} values)`, source);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
    } else {
      out = Float32Array.from(t.doubleData ?? []);
    }
  } else {
    const names = Object.entries(DataType).find(([, v]) => v === t.dataType)?.[0] ?? String(t.dataType);
    throw new OnnxError(`${source}: ${what} has data type ${names}; only float32 and float64 weights can be imported (export in float32)`, source);
  }
  if (out.length !== n) throw new OnnxError(`${source}: ${what}: ${out.length} values for shape ${shapeStr(dims)} (${n} expected)`, source);
  return out;
}

function attr(n: OnnxNode, name: string): OnnxAttribute | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

const attrIntOf = (n: OnnxNode, name: string, dflt: number): number => attr(n, name)?.i ?? dflt;
const attrIntsOf = (n: OnnxNode, name: string): number[] | undefined => attr(n, name)?.ints;

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

/** Reads the compute ops of a graph in order, with the weights of Conv / Gemm / MatMul+Add. */
function readStructure(model: OnnxModel, source: string): Found[] {
  const g = model.graph!;
  const consts = new Map<string, OnnxTensor>();
  for (const t of g.initializer ?? []) if (t.name) consts.set(t.name, t);
  for (const n of g.node ?? []) {
    if (n.opType === 'Constant') {
      const v = attr(n, 'value')?.t;
      if (v !== undefined && n.output?.[0]) consts.set(n.output[0], v);
    }
  }
  // Identity of a constant (PyTorch sometimes shares weights that way) is that constant.
  for (const n of g.node ?? []) {
    if (n.opType === 'Identity' && n.input?.[0] && n.output?.[0] && consts.has(n.input[0])) consts.set(n.output[0], consts.get(n.input[0])!);
  }
  const label = (n: OnnxNode, i: number): string => (n.name ? `'${n.name}'` : `#${i}`);
  const weightOf = (n: OnnxNode, i: number, k: number, role: string): { t: OnnxTensor; name: string; values: Float32Array } | null => {
    const name = n.input?.[k];
    if (!name) return null;
    const t = consts.get(name);
    if (t === undefined) {
      throw new OnnxError(`${source}: ${n.opType} node ${label(n, i)}: its ${role} '${name}' is not an initializer or constant; ` +
        'only models with stored weights can be imported', source);
    }
    return { t, name, values: tensorValues(t, `${role} '${name}' of ${n.opType} node ${label(n, i)}`, source) };
  };

  const nodes = g.node ?? [];
  const consumed = new Set<number>();
  const found: Found[] = [];
  nodes.forEach((n, i) => {
    if (consumed.has(i)) return;
    const op = n.opType!;
    if (n.domain && n.domain !== 'ai.onnx') {
      throw new OnnxError(`${source}: node ${label(n, i)} uses op ${op} of domain '${n.domain}', which the modern LeNet-5 does not have`, source);
    }
    if (PASS_THROUGH.has(op)) return;
    const node = n.name || `#${i}`;
    switch (op) {
      case 'Conv': {
        const w = weightOf(n, i, 1, 'weight')!;
        const b = weightOf(n, i, 2, 'bias');
        const wDims = w.t.dims ?? [];
        const group = attrIntOf(n, 'group', 1);
        const strides = attrIntsOf(n, 'strides') ?? [1, 1];
        const dil = attrIntsOf(n, 'dilations') ?? [1, 1];
        if (group !== 1) throw new OnnxError(`${source}: Conv node ${label(n, i)} is grouped (group ${group}); LeNet-5 convolutions are not`, source);
        if (strides.some((s) => s !== 1)) throw new OnnxError(`${source}: Conv node ${label(n, i)} has strides ${shapeStr(strides)}; LeNet-5 convolutions use stride 1`, source);
        if (dil.some((s) => s !== 1)) throw new OnnxError(`${source}: Conv node ${label(n, i)} is dilated ${shapeStr(dil)}; LeNet-5 convolutions are not`, source);
        const auto = attr(n, 'auto_pad')?.s;
        const autoPad = auto ? new TextDecoder().decode(auto) : 'NOTSET';
        let pad: number;
        if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
          pad = ((wDims[2] ?? 1) - 1) / 2;
        } else if (autoPad === 'VALID') {
          pad = 0;
        } else {
          const pads = attrIntsOf(n, 'pads') ?? [0, 0, 0, 0];
          if (pads.some((p) => p !== pads[0])) {
            throw new OnnxError(`${source}: Conv node ${label(n, i)} pads unevenly ${shapeStr(pads)}; LeNet-5 pads the same on every side`, source);
          }
          pad = pads[0] ?? 0;
        }
        found.push({
          kind: 'conv', node, weight: w.values, wDims, wName: w.name, bias: b?.values ?? null, bDims: b?.t.dims ?? [], bName: b?.name ?? '', pad,
        });
        return;
      }
      case 'Gemm': {
        if (attrIntOf(n, 'transA', 0) !== 0) throw new OnnxError(`${source}: Gemm node ${label(n, i)} transposes its input (transA); not a dense layer`, source);
        const w = weightOf(n, i, 1, 'weight')!;
        const b = weightOf(n, i, 2, 'bias');
        const dims = w.t.dims ?? [];
        if (dims.length !== 2) throw new OnnxError(`${source}: Gemm node ${label(n, i)}: weight '${w.name}' has shape ${shapeStr(dims)}, not a matrix`, source);
        // Our layout is (OUT, IN), what transB = 1 stores; transB = 0 stores (IN, OUT).
        const transB = attrIntOf(n, 'transB', 0) === 1;
        let weight = transB ? w.values : transpose(w.values, dims[0]!, dims[1]!);
        const wDims = transB ? dims : [dims[1]!, dims[0]!];
        const alpha = attr(n, 'alpha')?.f ?? 1;
        const beta = attr(n, 'beta')?.f ?? 1;
        if (alpha !== 1) weight = weight.map((v) => v * alpha);
        const bias = b === null ? null : beta !== 1 ? b.values.map((v) => v * beta) : b.values;
        found.push({ kind: 'dense', op: 'Gemm', node, weight, wDims, wName: w.name, bias, bDims: b?.t.dims ?? [], bName: b?.name ?? '' });
        return;
      }
      case 'MatMul': {
        const w = weightOf(n, i, 1, 'weight')!;
        const dims = w.t.dims ?? [];
        if (dims.length !== 2) throw new OnnxError(`${source}: MatMul node ${label(n, i)}: weight '${w.name}' has shape ${shapeStr(dims)}, not a matrix`, source);
        // x (N, IN) @ W (IN, OUT), usually followed by Add of the bias.
        let bias: { t: OnnxTensor; name: string; values: Float32Array } | null = null;
        const out = n.output?.[0];
        const j = nodes.findIndex((m, k) => k > i && m.opType === 'Add' && (m.input ?? []).includes(out ?? '\u0000'));
        if (j >= 0) {
          const add = nodes[j]!;
          const other = (add.input ?? []).findIndex((name) => name !== out);
          if (other >= 0 && consts.has(add.input![other]!)) {
            bias = weightOf(add, j, other, 'bias');
            consumed.add(j);
          }
        }
        found.push({
          kind: 'dense', op: 'MatMul', node, weight: transpose(w.values, dims[0]!, dims[1]!), wDims: [dims[1]!, dims[0]!], wName: w.name,
          bias: bias?.values ?? null, bDims: bias?.t.dims ?? [], bName: bias?.name ?? '',
        });
        return;
      }
      case 'Relu':
        found.push({ kind: 'relu', op, node });
        return;
      case 'AveragePool':
      case 'MaxPool': {
        const k = attrIntsOf(n, 'kernel_shape') ?? [];
        const s = attrIntsOf(n, 'strides') ?? [1, 1];
        if (!sameDims(k, [2, 2]) || !sameDims(s, [2, 2])) {
          throw new OnnxError(`${source}: ${op} node ${label(n, i)} has kernel ${shapeStr(k)} and strides ${shapeStr(s)}; LeNet-5 pools 2x2 with stride 2`, source);
        }
        found.push({ kind: op === 'AveragePool' ? 'avgpool' : 'maxpool', op, node });
        return;
      }
      case 'Softmax':
      case 'LogSoftmax':
        found.push({ kind: 'softmax', op, node });
        return;
      default:
        found.push({ kind: 'other', op, node });
    }
  });
  return found;
}

/** What the target layer expects, in the ONNX reader's vocabulary. */
function expectedKind(l: Layer): Found['kind'] | null {
  if (l instanceof Conv2D) return 'conv';
  if (l instanceof Dense) return 'dense';
  if (l instanceof ReLU) return 'relu';
  if (l instanceof AvgPool2D) return 'avgpool';
  if (l instanceof MaxPool2D) return 'maxpool';
  if (l instanceof Softmax) return 'softmax';
  return null; // Flatten, Dropout: nothing to match
}

const describeFound = (f: Found): string => `${f.kind === 'conv' ? 'Conv' : f.op} (node '${f.node}')`;

export interface FromOnnxOptions extends ModelOptions, ModernOptions {
  /** Names the input in error messages (e.g. the file path). */
  source?: string;
}

/**
 * A modern LeNet-5 with the weights of an ONNX model of the same architecture: conv 6@5x5 same, avg pool,
 * conv 16@5x5, avg pool, conv 120@5x5 (or the equivalent dense 400 -> 120), dense 84, dense 10, ReLUs,
 * optional final softmax. Weights are matched by the graph's structure (op order and shapes), not by
 * initializer names, so `torch.onnx.export` and tf2onnx models load as well as our own. Every tensor's
 * shape is checked; the first mismatch is named in an OnnxError.
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, opts: FromOnnxOptions = {}): LeNet5 {
  const source = opts.source ?? 'ONNX model';
  const model = decodeOnnx(bytes, source);
  const found = readStructure(model, source);
  const { source: _s, ...modelOpts } = opts;
  void _s;
  const net = LeNet5.modern(modelOpts);
  const m = net.model;
  const params = net.getWeights();
  const arch = 'the modern LeNet-5';
  let k = 0;
  m.layers.forEach((l, i) => {
    const want = expectedKind(l);
    if (want === null) return;
    const f = found[k];
    if (f === undefined) {
      // A graph that ends in logits (PyTorch's usual export, trained with CrossEntropyLoss) is the same model.
      if (want === 'softmax' && i === m.layers.length - 1) return;
      throw new OnnxError(`${source}: the ONNX graph ends early: ${arch} has ${l.type} layer ${l.name} next, the graph has no more ops`, source);
    }
    const put = (j: number, values: Float32Array, have: readonly number[], tname: string, label: string, reshaped?: number[]) => {
      const spec = l.params()[j]!;
      const dims = reshaped ?? have;
      if (!sameDims(dims, spec.shape)) {
        throw new OnnxError(`${source}: ${l.name}.${spec.name}: the ONNX model's ${label} '${tname}' of ${describeFound(f)} has shape ` +
          `${shapeStr(have)}, ${arch} needs ${shapeStr(spec.shape)}`, source);
      }
      params.set(values, m.paramOffsets[i]![j]!);
    };
    if (want === 'conv' && l instanceof Conv2D) {
      const K = l.kernelSize;
      const [C, H, W] = l.inShape as [number, number, number];
      if (f.kind === 'conv') {
        put(0, f.weight, f.wDims, f.wName, 'weight');
        if (f.pad !== convPad(l)) {
          throw new OnnxError(`${source}: ${l.name}: Conv node '${f.node}' pads by ${f.pad}, ${arch}'s ${l.name} pads by ${convPad(l)}` +
            `${l.padding === 'same' ? " ('same')" : ''}`, source);
        }
      } else if (f.kind === 'dense' && convPad(l) === 0 && H === K && W === K) {
        // A conv whose kernel covers its whole input is a dense layer over the flattened maps (the
        // PyTorch tutorial's Linear(16*5*5, 120)); (OUT, C*K*K) is the same memory as (OUT, C, K, K).
        const reshaped = f.wDims.length === 2 && f.wDims[1] === C * K * K ? [f.wDims[0]!, C, K, K] : undefined;
        put(0, f.weight, f.wDims, f.wName, 'weight', reshaped);
      } else {
        throw new OnnxError(`${source}: op ${k + 1} of the ONNX graph is ${describeFound(f)}, where ${arch} has conv2d layer ${l.name}`, source);
      }
      if (f.bias !== null) put(1, f.bias, f.bDims, f.bName, 'bias');
      else params.fill(0, m.paramOffsets[i]![1]!, m.paramOffsets[i]![1]! + l.filters);
    } else if (want === 'dense' && l instanceof Dense) {
      if (f.kind !== 'dense') throw new OnnxError(`${source}: op ${k + 1} of the ONNX graph is ${describeFound(f)}, where ${arch} has dense layer ${l.name}`, source);
      put(0, f.weight, f.wDims, f.wName, 'weight');
      if (f.bias !== null) {
        // A MatMul's bias may come as (1, OUT).
        const bd = f.bDims.length === 2 && f.bDims[0] === 1 ? [f.bDims[1]!] : f.bDims;
        put(1, f.bias, f.bDims, f.bName, 'bias', bd);
      } else {
        params.fill(0, m.paramOffsets[i]![1]!, m.paramOffsets[i]![1]! + l.units);
      }
    } else if (f.kind !== want) {
      throw new OnnxError(`${source}: op ${k + 1} of the ONNX graph is ${describeFound(f)}, where ${arch} has ${l.type} layer ${l.name}`, source);
    }
    k++;
  });
  if (k < found.length) {
    const f = found[k]!;
    throw new OnnxError(`${source}: the ONNX graph has more ops than ${arch}: ${describeFound(f)} after its last layer`, source);
  }
  net.setWeights(params);
  return net;
}
