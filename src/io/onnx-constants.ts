/**
 * Constant folding for the ONNX importer (onnx-graph.ts): the values of initializers, `Constant` nodes and
 * the shape arithmetic exporters write around the layers (PyTorch's `x.view(x.size(0), -1)` is Shape,
 * Gather, Unsqueeze, Concat; its ZeroPad2d computes the pads with ConstantOfShape, Concat, Reshape, Slice,
 * Transpose and Cast). Integer values may hold a symbolic dimension (the batch), carried by name.
 */
import { attr, attrIntOf, attrIntsOf, shapeStr, tensorInts, tensorValues, type OnnxNode, type OnnxTensor } from './onnx-codec.js';
import { DataType } from './onnx-schema.js';

/** A dimension: a number, or a symbolic one by name (the batch). */
export type Dim = number | string;

/** A weight or bias read from the graph. */
export interface Tensor {
  values: Float32Array;
  dims: number[];
  name: string;
}

export type Value = { kind: 'act'; shape: Dim[] } | { kind: 'const'; name: string; dims: number[]; float: boolean; t?: OnnxTensor; vals?: Dim[] };
export type Const = Extract<Value, { kind: 'const' }>;

export const FLOAT_TYPES: readonly number[] = [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16];
const MAX_CONST = 1 << 20;
export const prod = (d: readonly Dim[]): number => d.reduce<number>((a, b) => a * (typeof b === 'number' ? b : NaN), 1);

/** Thrown inside the walk; becomes the Canonical's failure. */
export class Refusal extends Error {}
export const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

export interface Readers {
  ints: (v: Const, what: string) => Dim[];
  nums: (v: Const, what: string) => number[];
  tensor: (v: Const, what: string) => Tensor;
}

/** Evaluates a node all of whose inputs are constants (or the shape of the chain's tensor). */
export function foldConstant(n: OnnxNode, vals: (Value | undefined)[], out: string, ints: Readers['ints'], nums: Readers['nums']): Const {
  const op = n.opType!;
  const cin = (k: number): Const => {
    const v = vals[k];
    if (v === undefined || v.kind !== 'const') return refuse(`its input ${k + 1} is missing`);
    return v;
  };
  const make = (dims: number[], v: Dim[], float: boolean): Const => {
    if (dims.some((d) => !Number.isInteger(d) || d < 0) || v.length !== prod(dims)) refuse(`it makes ${v.length} values for shape ${shapeStr(dims)}`);
    return { kind: 'const', name: out, dims, float, vals: v };
  };
  if (op !== 'Constant' && vals[0] === undefined) refuse('it has no data input');
  const axesOf = (k: number, rank: number): number[] =>
    (vals[k] ? nums(cin(k), 'axes') : attrIntsOf(n, 'axes') ?? []).map((a) => (a < 0 ? a + rank : a));
  switch (op) {
    case 'Constant': {
      const t = attr(n, 'value')?.t;
      if (t) return { kind: 'const', name: out, dims: t.dims ?? [], float: FLOAT_TYPES.includes(t.dataType ?? 0), t };
      const a = n.attribute?.[0];
      if (a?.name === 'value_float' || a?.name === 'value_int') return make([], [a.name === 'value_int' ? a.i ?? 0 : a.f ?? 0], a.name === 'value_float');
      if (a?.name === 'value_floats' || a?.name === 'value_ints') {
        const v = (a.name === 'value_ints' ? a.ints : a.floats) ?? [];
        return make([v.length], v, a.name === 'value_floats');
      }
      return refuse('it holds no tensor the importer reads');
    }
    case 'Shape': {
      const v = vals[0]!;
      const shape = v.kind === 'act' ? v.shape : v.dims;
      const start = attrIntOf(n, 'start', 0);
      const end = attr(n, 'end')?.i ?? shape.length;
      const s = shape.slice(start < 0 ? start + shape.length : start, end < 0 ? end + shape.length : end);
      return make([s.length], s, false);
    }
    case 'Identity':
      return { ...cin(0), name: out };
    case 'Cast': {
      const to = attrIntOf(n, 'to', 0);
      const a = cin(0);
      const v = ints(a, 'input');
      return make(a.dims, FLOAT_TYPES.includes(to) ? v : v.map((d) => (typeof d === 'number' ? Math.trunc(d) : d)), FLOAT_TYPES.includes(to));
    }
    case 'ConstantOfShape': {
      const dims = nums(cin(0), 'shape');
      const size = prod(dims);
      if (dims.some((d) => !Number.isInteger(d) || d < 0) || !(size <= MAX_CONST)) refuse(`it makes a tensor of shape ${shapeStr(dims)}`);
      const t = attr(n, 'value')?.t;
      const fill = t ? (FLOAT_TYPES.includes(t.dataType ?? 0) ? tensorValues(t, 'value', 'ConstantOfShape')[0]! : tensorInts(t, 'value', 'ConstantOfShape')[0]!) : 0;
      return make(dims, new Array<Dim>(size).fill(fill), t ? FLOAT_TYPES.includes(t.dataType ?? 0) : true);
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const a = cin(0);
      const rank = op === 'Unsqueeze' ? a.dims.length + axesOf(1, 0).length : a.dims.length;
      const axes = axesOf(1, rank);
      const dims = op === 'Squeeze' ? a.dims.filter((d, i) => (axes.length === 0 ? d !== 1 : !axes.includes(i))) : [...a.dims];
      if (op === 'Unsqueeze') for (const ax of [...axes].sort((p, q) => p - q)) dims.splice(ax, 0, 1);
      return make(dims, ints(a, 'input'), a.float);
    }
    case 'Reshape': {
      const a = cin(0);
      const t = nums(cin(1), 'shape').map((d, i) => (d === 0 ? a.dims[i]! : d));
      const known = t.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
      return make(t.map((d) => (d === -1 ? prod(a.dims) / known : d)), ints(a, 'input'), a.float);
    }
    case 'Gather':
    case 'Concat':
    case 'Slice':
    case 'Transpose':
      return foldIndexing(op, n, vals.map((v, k) => (v ? cin(k) : undefined)), make, ints, nums);
    default:
      return refuse(`the importer does not read op ${op}`);
  }
}

/** Gather, Concat, Slice and Transpose of constants, in any rank (index arithmetic over row-major data). */
function foldIndexing(op: string, n: OnnxNode, c: (Const | undefined)[], make: (dims: number[], v: Dim[], float: boolean) => Const,
  ints: Readers['ints'], nums: Readers['nums']): Const {
  const a = c[0]!;
  const v = ints(a, 'input');
  const rank = a.dims.length;
  const strides = a.dims.map((_, i) => prod(a.dims.slice(i + 1)));
  const at = (idx: number[]): Dim => v[idx.reduce((s, x, i) => s + x * strides[i]!, 0)]!;
  /** All index tuples of a shape, row-major. */
  const each = (dims: number[], f: (idx: number[]) => void): void => {
    const idx = new Array<number>(dims.length).fill(0);
    for (let k = 0; k < prod(dims); k++) {
      f(idx);
      for (let d = dims.length - 1; d >= 0 && ++idx[d]! === dims[d]!; d--) idx[d] = 0;
    }
  };
  const out: Dim[] = [];
  if (op === 'Concat') {
    const axis = (attrIntOf(n, 'axis', 0) + rank) % Math.max(rank, 1);
    const parts = c.filter((p): p is Const => p !== undefined);
    if (rank !== 1 || axis !== 0 || parts.some((p) => p.dims.length !== 1)) refuse('it concatenates constants of rank > 1');
    const all = parts.flatMap((p) => ints(p, 'input'));
    return make([all.length], all, a.float);
  }
  if (op === 'Gather') {
    const axis = (attrIntOf(n, 'axis', 0) + rank) % Math.max(rank, 1);
    const ix = c[1] ?? refuse('it has no indices');
    const indices = nums(ix, 'indices').map((i) => (i < 0 ? i + a.dims[axis]! : i));
    if (indices.some((i) => !(i >= 0 && i < a.dims[axis]!))) refuse(`its indices ${shapeStr(indices)} are out of range`);
    const dims = [...a.dims.slice(0, axis), ...ix.dims, ...a.dims.slice(axis + 1)];
    each(dims, (idx) => {
      const flat = idx.slice(axis, axis + ix.dims.length).reduce((s, x, i) => s * ix.dims[i]! + x, 0);
      out.push(at([...idx.slice(0, axis), indices[flat]!, ...idx.slice(axis + ix.dims.length)]));
    });
    return make(dims, out, a.float);
  }
  if (op === 'Transpose') {
    const perm = attrIntsOf(n, 'perm') ?? a.dims.map((_, i) => rank - 1 - i);
    const dims = perm.map((p) => a.dims[p]!);
    each(dims, (idx) => {
      const src = new Array<number>(rank);
      perm.forEach((p, i) => (src[p] = idx[i]!));
      out.push(at(src));
    });
    return make(dims, out, a.float);
  }
  // Slice: starts/ends/axes/steps from inputs (opset 10+) or attributes.
  const list = (k: number, name: string): number[] | undefined => (c[k] ? nums(c[k]!, name) : attrIntsOf(n, name));
  const starts = list(1, 'starts') ?? [];
  const ends = list(2, 'ends') ?? [];
  const axes = (list(3, 'axes') ?? starts.map((_, i) => i)).map((x) => (x < 0 ? x + rank : x));
  const steps = list(4, 'steps') ?? starts.map(() => 1);
  const first = a.dims.map(() => 0);
  const step = a.dims.map(() => 1);
  const dims = [...a.dims];
  axes.forEach((ax, i) => {
    const d = a.dims[ax]!;
    const s = steps[i]!;
    const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x < 0 ? x + d : x, lo), hi);
    const b = s > 0 ? clamp(starts[i]!, 0, d) : clamp(starts[i]!, -1, d - 1);
    const e = s > 0 ? clamp(ends[i]!, 0, d) : clamp(ends[i]!, -1, d - 1);
    if (s === 0) refuse('it slices with step 0');
    first[ax] = b;
    step[ax] = s;
    dims[ax] = Math.max(0, Math.ceil((e - b) / s));
  });
  each(dims, (idx) => out.push(at(idx.map((x, i) => first[i]! + x * step[i]!))));
  return make(dims, out, a.float);
}

