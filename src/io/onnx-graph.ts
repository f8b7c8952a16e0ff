/**
 * Canonicalising an ONNX graph before its layers are matched (onnx-import.ts): what exporters write around
 * the layers is folded away, so that one chain of canonical steps (conv, relu, avgpool, maxpool, flatten,
 * dense, softmax) is left, each with its input shape.
 *
 *   - constants: `Constant` nodes, initializers, and the shape arithmetic on them (Shape, Gather,
 *     Unsqueeze, Squeeze, Concat, Slice, Reshape, Transpose, Cast, ConstantOfShape) are evaluated, with the
 *     batch dimension kept symbolic, so `x.view(x.size(0), -1)` is seen as a Reshape to [N, -1];
 *   - no-ops are dropped: Identity, Dropout (inference), Cast to float, a Pad whose pads are all zero, a
 *     Transpose that keeps the memory order (it only moves dimensions of size 1: NHWC with one channel);
 *   - a zero Pad folds into the Conv or AveragePool after it. For AveragePool that means the padded zeros
 *     count in the average (count_include_pad 1), which is what Pad + AveragePool computes; a Pad before an
 *     AveragePool that excludes its own padding, before a MaxPool, or with another mode or value is refused;
 *   - Flatten (axis 1) and a Reshape to [N, -1] are a flatten; Gemm (transB 0 or 1, alpha, beta) and
 *     MatMul with a constant right-hand side are dense layers, and an Add of a constant after a Conv,
 *     Gemm or MatMul is its bias; Softmax and LogSoftmax on the class axis are the output.
 *
 * The walk stops at the first node it does not understand and reports it (`failure`) with its inputs, so
 * that the matcher can say what it expected there.
 */
import { attr, attrFloatOf, attrIntOf, attrIntsOf, attrStringOf, OnnxError, shapeStr, tensorInts, tensorValues,
  type OnnxModel, type OnnxNode } from './onnx-codec.js';
import { DataType } from './onnx-schema.js';
import { FLOAT_TYPES, foldConstant, prod, Refusal, refuse, type Const, type Dim, type Readers, type Tensor, type Value } from './onnx-constants.js';

export type { Dim, Tensor } from './onnx-constants.js';

/** A node of the graph, for messages: its position, name, op and inputs. */
export interface NodeRef {
  index: number;
  op: string;
  name: string;
  /** "Pad node '/Pad'" */
  label: string;
  /** "Pad node '/Pad' (inputs: '/Relu_output_0' [N, 6, 28, 28], '/Constant_output_0' = [0, 0, 0, 0, 0, 0, 0, 0])" */
  desc: string;
}

export type Step = { node: NodeRef; inShape: Dim[] } & (
  | { op: 'conv'; weight: Tensor; bias: Tensor | null; pads: number[]; strides: number[]; dilations: number[]; group: number; folded: NodeRef[] }
  | { op: 'dense'; weight: Tensor; bias: Tensor | null; folded: NodeRef[] }
  | { op: 'avgpool' | 'maxpool'; kernel: number[]; strides: number[]; pads: number[]; countIncludePad: boolean; folded: NodeRef[] }
  | { op: 'relu' | 'flatten' | 'softmax' | 'logsoftmax' }
  | { op: 'pad'; pads: number[]; mode: string; value: number }
  | { op: 'add'; bias: Tensor });

export interface Canonical {
  steps: Step[];
  /** The first node not understood, and why; null when the whole graph was read. */
  failure: { node: NodeRef; reason: string } | null;
}

/** Reads an ONNX model as one chain of canonical steps (see the file comment). */
export function canonicalise(model: OnnxModel, source: string): Canonical {
  const g = model.graph!;
  const values = new Map<string, Value>();
  for (const t of g.initializer ?? []) {
    if (t.name) values.set(t.name, { kind: 'const', name: t.name, dims: t.dims ?? [], float: FLOAT_TYPES.includes(t.dataType ?? 0), t });
  }
  const inputs = (g.input ?? []).filter((v) => v.name && !values.has(v.name));
  if (inputs.length !== 1) {
    throw new OnnxError(`${source}: the ONNX graph has ${inputs.length} inputs (${inputs.map((v) => `'${v.name}'`).join(', ')}); LeNet-5 has one, the images`, source);
  }
  const dims = inputs[0]!.type?.tensorType?.shape?.dim;
  const inShape: Dim[] = dims && dims.length > 0 ? dims.map((d, i) => (d.dimValue ? d.dimValue : d.dimParam || `?${i}`)) : ['N', 1, 28, 28];
  values.set(inputs[0]!.name!, { kind: 'act', shape: inShape });
  let current = inputs[0]!.name!;
  const steps: Step[] = [];

  const ints = (v: Const, what: string): Dim[] => {
    if (v.vals) return v.vals;
    if (!v.t) return [];
    if (v.float) return Array.from(tensorValues(v.t, what, source));
    return tensorInts(v.t, what, source);
  };
  const nums = (v: Const, what: string): number[] => {
    const r = ints(v, what);
    if (r.some((d) => typeof d !== 'number')) refuse(`${what} depends on the symbolic dimension ${r.find((d) => typeof d !== 'number')}`);
    return r as number[];
  };
  const tensor = (v: Const, what: string): Tensor => {
    if (!v.float) refuse(`${what} '${v.name}' is an integer tensor, not weights`);
    const values = v.t && !v.vals ? tensorValues(v.t, what, source) : Float32Array.from(nums(v, what));
    return { values, dims: v.dims, name: v.name };
  };
  const describe = (name: string): string => {
    const v = values.get(name);
    if (v === undefined) return `'${name}' (not defined)`;
    if (v.kind === 'act') return `'${name}' ${shapeStr(v.shape)}`;
    const n = prod(v.dims);
    if (n <= 8) {
      try {
        // Float32 values print as the shortest decimal that reads back to them.
        const r = ints(v, name).map((d) => (v.float && typeof d === 'number' ? Number(d.toPrecision(7)) : d));
        return `'${name}' = ${v.dims.length === 0 ? String(r[0]) : shapeStr(r)}`;
      } catch {
        // Unreadable values: fall back to the shape.
      }
    }
    return `'${name}' ${shapeStr(v.dims)} ${v.float ? 'weights' : 'integers'}`;
  };

  const nodes = g.node ?? [];
  for (let index = 0; index < nodes.length; index++) {
    const n = nodes[index]!;
    const op = n.opType!;
    const ins = n.input ?? [];
    const label = `${op} node '${n.name || `#${index + 1}`}'`;
    const node: NodeRef = { index, op, name: n.name ?? '', label, desc: `${label} (inputs: ${ins.filter((s) => s).map(describe).join(', ') || 'none'})` };
    try {
      if (n.domain && n.domain !== 'ai.onnx') refuse(`the importer does not read op ${op} of domain '${n.domain}'`);
      const vals = ins.map((name) => (name ? values.get(name) : undefined));
      ins.forEach((name, k) => {
        if (name && vals[k] === undefined) {
          refuse(['Conv', 'Gemm', 'MatMul'].includes(op) && k > 0
            ? `its ${k === 1 ? 'weight' : 'bias'} '${name}' is not an initializer or constant; only models with stored weights can be imported`
            : `its input '${name}' is written by no earlier node and is not an initializer`);
        }
      });
      const acts = ins.filter((name, k) => name && vals[k]!.kind === 'act');
      const out = n.output?.[0] ?? '';
      if (acts.length === 0 || (op === 'Shape' && acts.length === 1)) {
        const v = foldConstant(n, vals as (Value | undefined)[], out, ints, nums);
        if (out) values.set(out, v);
        continue;
      }
      if (acts.length > 1) refuse(`it combines ${acts.length} computed tensors; the importer reads one chain of layers`);
      if (acts[0] !== current) refuse(`it reads '${acts[0]}', which an earlier node already consumed: the graph branches, the importer reads one chain of layers`);
      // The chain's tensor is the first input (either one for Add); the others are constants.
      const order = op === 'Add' && ins[1] === current ? [1, 0] : ins.map((_, k) => k);
      if (ins[order[0]!] !== current) refuse(`the chain's tensor '${current}' is not its data input but a parameter`);
      const x = (values.get(current) as Extract<Value, { kind: 'act' }>).shape;
      const c = (k: number, role: string): Const | undefined => {
        const v = vals[order[k] ?? k];
        if (v !== undefined && v.kind !== 'const') refuse(`its ${role} is computed, not a constant`);
        return v as Const | undefined;
      };
      const shape = readAct(op, n, node, x, c, steps, { ints, nums, tensor });
      if (shape === null) refuse(`the importer does not read op ${op}`);
      values.set(out, { kind: 'act', shape: shape! });
      current = out;
    } catch (e) {
      if (e instanceof OnnxError) throw e;
      const reason = e instanceof Refusal ? e.message : `it could not be read (${(e as Error).message})`;
      return fold(steps, { node, reason });
    }
  }
  const outputs = g.output ?? [];
  if (outputs.length !== 1 || outputs[0]!.name !== current) {
    const last = nodes.length - 1;
    return fold(steps, {
      node: { index: last, op: nodes[last]!.opType!, name: nodes[last]!.name ?? '', label: 'the graph output', desc: 'the graph output' },
      reason: `the graph has output${outputs.length === 1 ? '' : 's'} ${outputs.map((o) => `'${o.name}'`).join(', ') || 'none'}, ` +
        `where the importer expected one, the end of its chain of layers '${current}'`,
    });
  }
  return fold(steps, null);
}

/** Output spatial size of a window op along one axis. */
function windowOut(size: Dim, k: number, s: number, d: number, p0: number, p1: number, ceil = false): number {
  if (typeof size !== 'number') refuse(`its spatial size is symbolic (${size})`);
  if (!(s >= 1 && d >= 1 && k >= 1)) refuse(`its kernel ${k}, stride ${s} or dilation ${d} is not positive`);
  const span = (size as number) + p0 + p1 - d * (k - 1) - 1;
  if (span < 0) refuse(`its window ${k} does not fit the input of size ${size}`);
  return (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
}

/** Pads [top, left, bottom, right] of a Conv or pool, from `pads` or `auto_pad`. */
function windowPads(n: OnnxNode, x: Dim[], k: number[], s: number[], d: number[]): number[] {
  const auto = attrStringOf(n, 'auto_pad', 'NOTSET');
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const p = [0, 1].map((a) => {
      const size = x[2 + a] as number;
      const total = Math.max(0, (Math.ceil(size / s[a]!) - 1) * s[a]! + (k[a]! - 1) * d[a]! + 1 - size);
      const small = Math.floor(total / 2);
      return auto === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    });
    return [p[0]![0]!, p[1]![0]!, p[0]![1]!, p[1]![1]!];
  }
  const pads = attrIntsOf(n, 'pads') ?? [0, 0, 0, 0];
  if (pads.length !== 4) refuse(`its pads ${shapeStr(pads)} are not 2-D`);
  return pads;
}

/** One node on the chain: records its step and returns its output shape, or null for an op not understood. */
function readAct(op: string, n: OnnxNode, node: NodeRef, x: Dim[], c: (k: number, role: string) => Const | undefined,
  steps: Step[], r: Readers): Dim[] | null {
  const rank4 = () => {
    if (x.length !== 4) refuse(`its input has shape ${shapeStr(x)}, where ${op} needs [N, C, H, W]`);
  };
  switch (op) {
    case 'Identity':
      return x;
    case 'Dropout': {
      const mode = c(2, 'training_mode');
      if (mode !== undefined && r.nums(mode, 'training_mode')[0]) refuse('it is in training mode; export the model after model.eval()');
      return x;
    }
    case 'Cast':
      if (attrIntOf(n, 'to', 0) !== DataType.FLOAT) refuse('it casts the images to another type than float32');
      return x;
    case 'Relu':
      steps.push({ op: 'relu', node, inShape: x });
      return x;
    case 'Pad': {
      const p = c(1, 'pads');
      const pads = p ? r.nums(p, 'pads') : attrIntsOf(n, 'pads') ?? [];
      const valueIn = c(2, 'constant_value');
      const value = valueIn ? r.nums(valueIn, 'constant_value')[0] ?? 0 : attrFloatOf(n, 'value', 0);
      const axesIn = c(3, 'axes');
      const axes = axesIn ? r.nums(axesIn, 'axes').map((a) => (a < 0 ? a + x.length : a)) : x.map((_, i) => i);
      if (pads.length !== 2 * axes.length) refuse(`its pads ${shapeStr(pads)} do not fit a ${x.length}-D input`);
      const full = new Array<number>(2 * x.length).fill(0);
      axes.forEach((a, i) => {
        full[a] = pads[i]!;
        full[a + x.length] = pads[i + axes.length]!;
      });
      if (full.every((v) => v === 0)) return x;
      if (full.some((v) => v < 0)) refuse(`its pads ${shapeStr(full)} crop the input`);
      steps.push({ op: 'pad', node, inShape: x, pads: full, mode: attrStringOf(n, 'mode', 'constant'), value });
      return x.map((d, i) => (full[i] === 0 && full[i + x.length] === 0 ? d : (d as number) + full[i]! + full[i + x.length]!));
    }
    case 'Conv': {
      rank4();
      const w = r.tensor(c(1, 'weight') ?? refuse('it has no weight'), `weight '${n.input![1]}' of ${node.label}`);
      const b = c(2, 'bias');
      const bias = b ? r.tensor(b, `bias '${n.input![2]}' of ${node.label}`) : null;
      if (w.dims.length !== 4) refuse(`its weight has shape ${shapeStr(w.dims)}, not [OUT, IN, K, K]`);
      const k = [w.dims[2]!, w.dims[3]!];
      const ks = attrIntsOf(n, 'kernel_shape');
      if (ks !== undefined && (ks[0] !== k[0] || ks[1] !== k[1])) refuse(`its kernel_shape ${shapeStr(ks)} is not that of its weight ${shapeStr(w.dims)}`);
      const strides = attrIntsOf(n, 'strides') ?? [1, 1];
      const dilations = attrIntsOf(n, 'dilations') ?? [1, 1];
      const group = attrIntOf(n, 'group', 1);
      if (x[1] !== w.dims[1]! * group) refuse(`its weight ${shapeStr(w.dims)} (group ${group}) does not fit its input ${shapeStr(x)}`);
      const pads = windowPads(n, x, k, strides, dilations);
      steps.push({ op: 'conv', node, inShape: x, weight: w, bias, pads, strides, dilations, group, folded: [] });
      return [x[0]!, w.dims[0]!, windowOut(x[2]!, k[0]!, strides[0]!, dilations[0]!, pads[0]!, pads[2]!),
        windowOut(x[3]!, k[1]!, strides[1]!, dilations[1]!, pads[1]!, pads[3]!)];
    }
    case 'AveragePool':
    case 'MaxPool': {
      rank4();
      const kernel = attrIntsOf(n, 'kernel_shape') ?? [];
      if (kernel.length !== 2) refuse(`its kernel_shape ${shapeStr(kernel)} is not 2-D`);
      const strides = attrIntsOf(n, 'strides') ?? [1, 1];
      const dil = attrIntsOf(n, 'dilations') ?? [1, 1];
      if (dil.some((v) => v !== 1)) refuse(`it is dilated ${shapeStr(dil)}`);
      const pads = windowPads(n, x, kernel, strides, dil);
      const ceil = attrIntOf(n, 'ceil_mode', 0) === 1;
      const countIncludePad = op === 'AveragePool' && attrIntOf(n, 'count_include_pad', 0) === 1;
      steps.push({ op: op === 'AveragePool' ? 'avgpool' : 'maxpool', node, inShape: x, kernel, strides, pads, countIncludePad, folded: [] });
      return [x[0]!, x[1]!, windowOut(x[2]!, kernel[0]!, strides[0]!, 1, pads[0]!, pads[2]!, ceil),
        windowOut(x[3]!, kernel[1]!, strides[1]!, 1, pads[1]!, pads[3]!, ceil)];
    }
    case 'Flatten': {
      const axis = attrIntOf(n, 'axis', 1);
      if (axis !== 1 && axis !== 1 - x.length) refuse(`it flattens from axis ${axis}, where the importer expected axis 1 (a flatten to [N, -1])`);
      return flatten(node, x, steps);
    }
    case 'Reshape': {
      const target = r.ints(c(1, 'shape') ?? refuse('it has no shape input'), 'shape');
      const allowZero = attrIntOf(n, 'allowzero', 0) === 1;
      const t = target.map((d, i) => (d === 0 && !allowZero ? x[i]! : d));
      const rest = prod(x.slice(1));
      const isFlatten = t.length === 2 && ((t[0] === x[0] && (t[1] === -1 || t[1] === rest)) || (t[0] === -1 && t[1] === rest));
      if (isFlatten) return flatten(node, x, steps);
      if (t.length === x.length && t.every((d, i) => d === x[i])) return x;
      return refuse(`it reshapes ${shapeStr(x)} to ${shapeStr(target)}, where the importer expected a flatten to [N, -1]`);
    }
    case 'Squeeze': {
      const a = c(1, 'axes');
      const axes = (a ? r.nums(a, 'axes') : attrIntsOf(n, 'axes') ?? x.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0))
        .map((v) => (v < 0 ? v + x.length : v));
      const kept = x.filter((_, i) => !axes.includes(i));
      if (axes.includes(0) || axes.some((i) => x[i] !== 1) || kept.length !== 2) refuse(`it squeezes axes ${shapeStr(axes)} of ${shapeStr(x)}, which is not a flatten`);
      return flatten(node, x, steps);
    }
    case 'Transpose': {
      const perm = attrIntsOf(n, 'perm') ?? x.map((_, i) => x.length - 1 - i);
      const moved = perm.filter((p) => x[p] !== 1);
      if (perm[0] !== 0 || moved.some((p, i) => i > 0 && p < moved[i - 1]!)) {
        refuse(`its permutation ${shapeStr(perm)} of ${shapeStr(x)} reorders the data (the importer reads NCHW graphs, or NHWC with one channel)`);
      }
      return perm.map((p) => x[p]!);
    }
    case 'Gemm':
    case 'MatMul': {
      if (x.length !== 2) refuse(`its input has shape ${shapeStr(x)}, where a dense layer needs [N, features]`);
      if (op === 'Gemm' && attrIntOf(n, 'transA', 0) !== 0) refuse('it transposes its input (transA 1), which is not a dense layer');
      const what = `weight '${n.input![1]}' of ${node.label}`;
      const w = r.tensor(c(1, 'weight') ?? refuse('it has no weight'), what);
      if (w.dims.length !== 2) refuse(`its weight has shape ${shapeStr(w.dims)}, not a matrix`);
      // Our layout is (OUT, IN), what Gemm's transB = 1 stores; transB = 0 and MatMul store (IN, OUT).
      const transB = op === 'Gemm' && attrIntOf(n, 'transB', 0) === 1;
      const weight = transB ? w : { ...w, values: transpose2(w.values, w.dims[0]!, w.dims[1]!), dims: [w.dims[1]!, w.dims[0]!] };
      const alpha = op === 'Gemm' ? attrFloatOf(n, 'alpha', 1) : 1;
      if (alpha !== 1) weight.values = weight.values.map((v) => v * alpha);
      if (weight.dims[1] !== x[1]) refuse(`its weight ${shapeStr(w.dims)} does not fit its input ${shapeStr(x)}`);
      const b = op === 'Gemm' ? c(2, 'bias') : undefined;
      let bias: Tensor | null = null;
      if (b !== undefined) {
        bias = r.tensor(b, `bias '${n.input![2]}' of ${node.label}`);
        const beta = attrFloatOf(n, 'beta', 1);
        if (beta !== 1) bias = { ...bias, values: bias.values.map((v) => v * beta) };
      }
      steps.push({ op: 'dense', node, inShape: x, weight, bias, folded: [] });
      return [x[0]!, weight.dims[0]!];
    }
    case 'Add': {
      const b = c(1, 'addend') ?? refuse('it has one input');
      const t = r.tensor(b, `addend '${b.name}' of ${node.label}`);
      // A bias per channel ([C, 1, 1] on [N, C, H, W]) or per unit ([M] on [N, M]), with leading 1s or not.
      const d = [...t.dims];
      while (d.length > x.length - 1 && d[0] === 1) d.shift();
      if (d.length !== x.length - 1 || d[0] !== x[1] || d.slice(1).some((v) => v !== 1)) refuse(`it adds ${shapeStr(t.dims)} to ${shapeStr(x)}, which is not a bias per channel or unit`);
      steps.push({ op: 'add', node, inShape: x, bias: t });
      return x;
    }
    case 'Softmax':
    case 'LogSoftmax': {
      const axis = attr(n, 'axis')?.i ?? -1;
      if (x.length !== 2 || (axis !== 1 && axis !== -1)) refuse(`it normalises axis ${axis} of ${shapeStr(x)}, not the class axis of [N, classes]`);
      steps.push({ op: op === 'Softmax' ? 'softmax' : 'logsoftmax', node, inShape: x });
      return x;
    }
    default:
      return null;
  }
}

function flatten(node: NodeRef, x: Dim[], steps: Step[]): Dim[] {
  if (x.length > 2) steps.push({ op: 'flatten', node, inShape: x });
  return [x[0]!, prod(x.slice(1))];
}

function transpose2(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j]!;
  return t;
}

/** Folds Pads into the Conv or AveragePool after them and Adds into the layer before them. */
function fold(steps: Step[], failure: Canonical['failure']): Canonical {
  // A Pad right before the node that stopped the walk belongs to that node.
  while (failure !== null && steps.at(-1)?.op === 'pad') steps.pop();
  const out: Step[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const next = steps[i + 1];
    const prev = out.at(-1);
    if (s.op === 'pad') {
      const r = s.inShape.length;
      const target = next?.op === 'conv' || next?.op === 'avgpool' || next?.op === 'maxpool' ? next : undefined;
      let reason = '';
      if (target === undefined) reason = `it is followed by ${next ? next.node.label : 'nothing'}, where the importer folds a Pad only into the Conv or AveragePool right after it`;
      else if (r !== 4 || [0, 1, r, r + 1].some((k) => s.pads[k] !== 0)) reason = `it pads ${shapeStr(s.pads)}: other axes than height and width`;
      else if (s.mode !== 'constant' || s.value !== 0) reason = `it pads with ${s.mode === 'constant' ? `the value ${s.value}` : `mode '${s.mode}'`}, and only a zero Pad folds into ${target.op === 'conv' ? 'a Conv' : 'a pool'}`;
      else if (target.op === 'maxpool') reason = 'zero padding before a MaxPool is not MaxPool padding (which never wins the max)';
      else if (target.op === 'avgpool' && target.pads.some((p) => p !== 0) && !target.countIncludePad) {
        reason = `the AveragePool after it excludes its own padding ${shapeStr(target.pads)} from the average (count_include_pad 0) while the Pad's zeros count`;
      }
      if (reason) return { steps: out, failure: { node: s.node, reason } };
      const t = target!;
      t.pads = [t.pads[0]! + s.pads[2]!, t.pads[1]! + s.pads[3]!, t.pads[2]! + s.pads[6]!, t.pads[3]! + s.pads[7]!];
      t.inShape = s.inShape;
      t.folded.push(s.node);
      if (t.op === 'avgpool') t.countIncludePad = true;
      continue;
    }
    if (s.op === 'add' && (prev?.op === 'conv' || prev?.op === 'dense')) {
      const b = prev.bias;
      const values = b === null ? s.bias.values : b.values.map((v, k) => v + s.bias.values[k]!);
      prev.bias = { values, dims: [values.length], name: b === null ? s.bias.name : `${b.name} + ${s.bias.name}` };
      prev.folded.push(s.node);
      continue;
    }
    out.push(s);
  }
  return { steps: out, failure };
}
