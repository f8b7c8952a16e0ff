/**
 * The ONNX wire format: the plain-object messages a ModelProto decodes to, the codec (protobufjs
 * reflection over the hand-written descriptor in onnx-schema.ts), and readers for tensors and attributes
 * shared by the exporter (onnx-export.ts) and the importer (onnx-graph.ts, onnx-import.ts).
 */
import protobuf from 'protobufjs/light.js';
import { MAGIC, ModelFileError } from './format.js';
import { DataType, ONNX_SCHEMA } from './onnx-schema.js';

/** An ONNX file that cannot be read or does not fit the model; the message names the first problem. */
export class OnnxError extends ModelFileError {
  /** Always `'OnnxError'`. */
  override name = 'OnnxError';
}

// ------------------------------------------------------------------------------------------- messages

/** int64 fields decode to numbers here (`toObject` with `longs: Number`). */
export interface OnnxTensor {
  /** The tensor's name (initializers are referenced by it). */
  name?: string;
  /** Its shape, outermost first. */
  dims?: number[];
  /** Element type, a TensorProto.DataType code (1 float32, 7 int64, 11 float64, ...). */
  dataType?: number;
  /** The elements as little-endian bytes (the usual storage), or absent when a typed field holds them. */
  rawData?: Uint8Array;
  /** float32 (and float16, bool, ...) elements, when not in `rawData`. */
  floatData?: number[];
  /** float64 elements, when not in `rawData`. */
  doubleData?: number[];
  /** int32, int16, int8, uint8 and bool elements, when not in `rawData`. */
  int32Data?: number[];
  /** int64 elements, when not in `rawData`. */
  int64Data?: number[];
  /** 0 when the data is in the file, 1 when it is in an external file (not supported by the importer). */
  dataLocation?: number;
  /** Where external data lives (location, offset, length), when `dataLocation` is 1. */
  externalData?: { key?: string; value?: string }[];
  /** Free-form documentation. */
  docString?: string;
}

/** An attribute of a node (onnx.AttributeProto), e.g. a Conv's `pads` or a Gemm's `transB`. */
export interface OnnxAttribute {
  /** The attribute's name. */
  name?: string;
  /**
   * Which field holds the value, an AttributeProto.AttributeType code (1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6
   * FLOATS, 7 INTS).
   */
  type?: number;
  /** A float value. */
  f?: number;
  /** An integer value. */
  i?: number;
  /** A string value, as UTF-8 bytes. */
  s?: Uint8Array;
  /** A tensor value (Constant nodes). */
  t?: OnnxTensor;
  /** A list of floats. */
  floats?: number[];
  /** A list of integers (`pads`, `kernel_shape`, `axes`, ...). */
  ints?: number[];
}

/** One operator of a graph (onnx.NodeProto). */
export interface OnnxNode {
  /** Names of the values it reads (graph inputs, initializers or other nodes' outputs). */
  input?: string[];
  /** Names of the values it writes. */
  output?: string[];
  /** The node's name, used in error messages. */
  name?: string;
  /** The operator, e.g. `'Conv'`, `'Gemm'`, `'Relu'`. */
  opType?: string;
  /** The operator set domain (empty for the default ONNX domain). */
  domain?: string;
  /** The operator's attributes. */
  attribute?: OnnxAttribute[];
  /** Free-form documentation. */
  docString?: string;
}

export interface OnnxDim {
  dimValue?: number;
  dimParam?: string;
}

/** A graph input, output or intermediate value with its type and shape (onnx.ValueInfoProto). */
export interface OnnxValueInfo {
  /** The value's name. */
  name?: string;
  /**
   * Its element type (a TensorProto.DataType code) and shape (each dimension a number or a symbolic name such as
   * `'N'`).
   */
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } };
  /** Free-form documentation. */
  docString?: string;
}

/**
 * The computation of an ONNX model (onnx.GraphProto): nodes in topological order, constant tensors, inputs and
 * outputs.
 */
export interface OnnxGraph {
  /** The operators, in topological order. */
  node?: OnnxNode[];
  /** The graph's name. */
  name?: string;
  /** Constant tensors (the weights), referenced by name from node inputs. */
  initializer?: OnnxTensor[];
  /** Free-form documentation. */
  docString?: string;
  /** The graph inputs. */
  input?: OnnxValueInfo[];
  /** The graph outputs. */
  output?: OnnxValueInfo[];
  /** Types and shapes of intermediate values, when the writer recorded them. */
  valueInfo?: OnnxValueInfo[];
}

/**
 * An ONNX model (onnx.ModelProto) as `decodeOnnx` returns it and `encodeOnnx` takes it; int64 fields are numbers.
 */
export interface OnnxModel {
  /** ONNX IR version (7 for files written by `toOnnx`). */
  irVersion?: number;
  /** The operator sets the graph uses, by domain (`toOnnx` writes opset 13 of the default domain). */
  opsetImport?: { domain?: string; version?: number }[];
  /** Name of the tool that wrote the model (`'lenet5'` for `toOnnx`; `'pytorch'`, `'tf2onnx'`, ...). */
  producerName?: string;
  /** Version of that tool. */
  producerVersion?: string;
  /** Reverse-DNS namespace of the model, when set. */
  domain?: string;
  /** Version of the model itself, when set. */
  modelVersion?: number;
  /** Free-form documentation. */
  docString?: string;
  /** The computation. */
  graph?: OnnxGraph;
  /** Free-form key-value metadata. */
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

// ------------------------------------------------------------------------------------------- readers

export const shapeStr = (d: readonly (number | string)[]): string => `[${d.join(', ')}]`;

export function attr(n: OnnxNode, name: string): OnnxAttribute | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

export const attrIntOf = (n: OnnxNode, name: string, dflt: number): number => attr(n, name)?.i ?? dflt;
export const attrIntsOf = (n: OnnxNode, name: string): number[] | undefined => attr(n, name)?.ints;
export const attrFloatOf = (n: OnnxNode, name: string, dflt: number): number => attr(n, name)?.f ?? dflt;
export function attrStringOf(n: OnnxNode, name: string, dflt: string): string {
  const s = attr(n, name)?.s;
  return s && s.length > 0 ? new TextDecoder().decode(s) : dflt;
}

/** The name of a TensorProto data type, for messages. */
export const dataTypeName = (t: number | undefined): string => Object.entries(DataType).find(([, v]) => v === t)?.[0] ?? String(t);

function checkStored(t: OnnxTensor, what: string, source: string): void {
  if (t.dataLocation === 1 || (t.externalData ?? []).length > 0) {
    throw new OnnxError(`${source}: ${what} is stored in an external data file; re-export the model with its weights embedded`, source);
  }
}

/** The float values of a tensor (float32 or float64 storage), checked against its dims. */
export function tensorValues(t: OnnxTensor, what: string, source: string): Float32Array {
  const dims = t.dims ?? [];
  const n = dims.reduce((a, b) => a * b, 1);
  checkStored(t, what, source);
  const raw = t.rawData;
  const hasRaw = raw !== undefined && raw.length > 0;
  let out: Float32Array;
  if (t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE) {
    const size = t.dataType === DataType.FLOAT ? 4 : 8;
    if (hasRaw) {
      if (raw.length !== n * size) {
        throw new OnnxError(`${source}: ${what}: ${raw.length} bytes of float${size * 8} data for shape ${shapeStr(dims)} (${n} values)`, source);
      }
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = size === 4 ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
    } else {
      out = Float32Array.from((size === 4 ? t.floatData : t.doubleData) ?? []);
    }
  } else {
    throw new OnnxError(`${source}: ${what} has data type ${dataTypeName(t.dataType)}; only float32 and float64 weights can be imported (export in float32)`, source);
  }
  if (out.length !== n) throw new OnnxError(`${source}: ${what}: ${out.length} values for shape ${shapeStr(dims)} (${n} expected)`, source);
  return out;
}

/** The values of an integer tensor (int64, int32 or bool storage) as numbers, checked against its dims. */
export function tensorInts(t: OnnxTensor, what: string, source: string): number[] {
  const dims = t.dims ?? [];
  const n = dims.reduce((a, b) => a * b, 1);
  checkStored(t, what, source);
  const raw = t.rawData;
  let out: number[];
  const size = t.dataType === DataType.INT64 ? 8 : t.dataType === DataType.INT32 ? 4 : t.dataType === DataType.BOOL ? 1 : 0;
  if (size === 0) throw new OnnxError(`${source}: ${what} has data type ${dataTypeName(t.dataType)}, not an integer tensor`, source);
  if (raw !== undefined && raw.length > 0) {
    if (raw.length !== n * size) throw new OnnxError(`${source}: ${what}: ${raw.length} bytes of ${dataTypeName(t.dataType)} data for shape ${shapeStr(dims)}`, source);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    out = Array.from({ length: n }, (_, i) => (size === 8 ? Number(dv.getBigInt64(i * 8, true)) : size === 4 ? dv.getInt32(i * 4, true) : dv.getUint8(i)));
  } else {
    // Bools are stored in int32_data too.
    out = (size === 8 ? t.int64Data : t.int32Data) ?? [];
  }
  if (out.length !== n) throw new OnnxError(`${source}: ${what}: ${out.length} values for shape ${shapeStr(dims)} (${n} expected)`, source);
  return out;
}
