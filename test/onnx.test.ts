/**
 * ONNX interop: both presets exported after a little training and run in onnxruntime-node on 100 held-out
 * digits against lenet5's own outputs; export -> import round trip; PyTorch- and Keras-shaped graphs
 * imported by structure; shape mismatches and malformed files rejected with clear errors; the CLI command.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backend/load.js';
import type { Dataset } from '../src/data/dataset.js';
import { loadDigits } from '../src/data/index.node.js';
import { Softmax } from '../src/layers/activation.js';
import { Conv2D } from '../src/layers/conv.js';
import { Dense } from '../src/layers/dense.js';
import { Layer, type Shape } from '../src/layers/layer.js';
import { Flatten } from '../src/layers/reshape.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { TABLE_I } from '../src/models/presets.js';
import { adam, sgd } from '../src/train/optimizers.js';
import { decodeOnnx, encodeOnnx, fromOnnx, OnnxError, toOnnx, type OnnxAttribute, type OnnxModel,
  type OnnxNode, type OnnxTensor } from '../src/onnx.js';
import { AttributeType, DataType } from '../src/io/onnx-schema.js';

const root = resolve(new URL('..', import.meta.url).pathname);
const TEST_IMAGES = 100;

let train: Dataset;
let test: Dataset;
/** The 100 test images as the ONNX input: float32 [100, 1, 28, 28], byte / 255. */
let pixels: Float32Array;

beforeAll(async () => {
  await init({ backend: 'wasm' });
  const all = await loadDigits();
  [train, test] = all.split(4000, { seed: 7 });
  pixels = Float32Array.from(test.images.subarray(0, TEST_IMAGES * 784), (v) => v / 255);
});

async function runOnnx(bytes: Uint8Array, input: Float32Array, n: number): Promise<{ name: string; data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [n, 1, 28, 28]) };
    const out = await session.run(feeds);
    const name = session.outputNames[0]!;
    const t = out[name]!;
    return { name, data: t.data as Float32Array, dims: t.dims };
  } finally {
    await session.release();
  }
}

/** Worst |a - b| and where; the test prints it so regressions show how far off they are. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; at: number; maxRel: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let at = -1;
  let maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max || Number.isNaN(d)) {
      max = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
    maxRel = Math.max(maxRel, d / Math.max(1, Math.abs(b[i]!)));
  }
  return { max, at, maxRel };
}

function classes(scores: ArrayLike<number>, C: number, byMin: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < scores.length / C; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) {
      const v = scores[i * C + c]!;
      const b = scores[i * C + best]!;
      if (byMin ? v < b : v > b) best = c;
    }
    out.push(best);
  }
  return out;
}

const opTypes = (m: OnnxModel): string[] => (m.graph?.node ?? []).map((n) => n.opType!);

describe('toOnnx', () => {
  it('modern: runs in onnxruntime-node with the same probabilities and classes on 100 test digits', async () => {
    const net = LeNet5.modern({ seed: 3 });
    await net.fit(train.subset(0, 2000), { epochs: 1, optimizer: adam({ lr: 1e-3 }), seed: 3 });
    const bytes = toOnnx(net);
    const model = decodeOnnx(bytes);
    // The default domain '' is proto2's default, so it may be absent on the wire.
    expect(model.opsetImport!.map((o) => [o.domain ?? '', o.version])).toEqual([['', 13]]);
    expect(new Set(opTypes(model))).toEqual(new Set(['Conv', 'Relu', 'AveragePool', 'Flatten', 'Gemm', 'Softmax']));
    const input = model.graph!.input![0]!;
    expect(input.name).toBe('input');
    expect(input.type!.tensorType!.shape!.dim).toEqual([{ dimParam: 'N' }, { dimValue: 1 }, { dimValue: 28 }, { dimValue: 28 }]);

    const ours = net.predictBatch(pixels, TEST_IMAGES);
    const theirs = await runOnnx(bytes, pixels, TEST_IMAGES);
    expect(theirs.name).toBe('probabilities');
    expect(theirs.dims).toEqual([TEST_IMAGES, 10]);
    const d = maxDiff(theirs.data, ours.scores);
    console.log(`modern: max |onnxruntime - lenet5| over ${TEST_IMAGES}x10 probabilities = ${d.max.toExponential(2)} at ${d.at}`);
    expect(d.max).toBeLessThanOrEqual(1e-4);
    expect(classes(theirs.data, 10, false)).toEqual(Array.from(ours.labels));
    // The training did something: far better than chance on held-out digits.
    const correct = Array.from(ours.labels).filter((l, i) => l === test.label(i)).length;
    expect(correct).toBeGreaterThan(50);
    // The batch dimension is symbolic: one image runs too.
    const one = await runOnnx(bytes, pixels.subarray(0, 784), 1);
    expect(maxDiff(one.data, ours.scores.subarray(0, 10)).max).toBeLessThanOrEqual(1e-4);
  });

  it('classic: Pad + input levels, C3 zeros per Table I, subsampling, scaled tanh, RBF penalties match lenet5', async () => {
    const net = LeNet5.classic({ seed: 5 });
    await net.fit(train.subset(0, 320), { epochs: 1, optimizer: sgd({ lr: 0.005, momentum: 0.9 }), seed: 5 });
    const bytes = toOnnx(net);
    const model = decodeOnnx(bytes);
    const ops = opTypes(model);
    expect(ops.slice(0, 4)).toEqual(['Pad', 'Mul', 'Add', 'Conv']);
    expect(ops.slice(-4)).toEqual(['Unsqueeze', 'Sub', 'Mul', 'ReduceSum']);
    expect(ops.filter((o) => o === 'AveragePool')).toHaveLength(2);
    expect(ops.filter((o) => o === 'Tanh')).toHaveLength(6);

    // C3's weights: exactly zero where Table I has no connection, trained (non-zero) where it has one.
    const c3 = model.graph!.initializer!.find((t) => t.name === 'C3.weight')!;
    expect(c3.dims).toEqual([16, 6, 5, 5]);
    const w = new Float32Array(new Uint8Array(c3.rawData!).buffer);
    for (let oc = 0; oc < 16; oc++) {
      for (let c = 0; c < 6; c++) {
        const block = w.subarray((oc * 6 + c) * 25, (oc * 6 + c + 1) * 25);
        const connected = TABLE_I[oc]!.includes(c);
        expect(block.some((v) => v !== 0), `C3 map ${oc} <- S2 map ${c}`).toBe(connected);
      }
    }
    const layerC3 = net.model.layers.find((l) => l.name === 'C3') as Conv2D;
    expect(layerC3.inputsOf(14)).toEqual([0, 2, 3, 5]);

    const ours = net.predictBatch(pixels, TEST_IMAGES);
    const theirs = await runOnnx(bytes, pixels, TEST_IMAGES);
    expect(theirs.name).toBe('penalties');
    const d = maxDiff(theirs.data, ours.scores);
    const range = [Math.min(...ours.scores), Math.max(...ours.scores)];
    console.log(`classic: penalties in [${range[0]!.toFixed(1)}, ${range[1]!.toFixed(1)}]; max |onnxruntime - lenet5| = ` +
      `${d.max.toExponential(2)} at ${d.at}, max relative (to max(1, |y|)) = ${d.maxRel.toExponential(2)}`);
    // Penalties are sums of 84 squared differences (tens to hundreds), so float32 rounding alone is
    // ~1e-5 absolute on them; 1e-4 absolute still holds here, and the relative error is far below it.
    expect(d.max).toBeLessThanOrEqual(1e-4);
    expect(d.maxRel).toBeLessThanOrEqual(1e-6);
    expect(classes(theirs.data, 10, true)).toEqual(Array.from(ours.labels));
  });

  it('names a layer it cannot export', () => {
    class Mystery extends Layer {
      readonly type = 'mystery';
      protected computeOutShape(s: Shape): Shape {
        return s;
      }
      forward(): void {}
      backward(): void {}
      config(): Record<string, unknown> {
        return { type: this.type };
      }
    }
    const net = LeNet5.fromLayers([new Flatten(), new Mystery(), new Dense({ units: 10 }), new Softmax()],
      { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } }, { backend: 'js', batchSize: 1 });
    expect(() => toOnnx(net)).toThrow(/layer 1 \(mystery_1\) of type 'mystery' has no ONNX mapping/);
  });
});

// ------------------------------------------------------------------------------------------- import

/** Builds ONNX graphs the way other exporters write them (names and op choices differ from ours). */
class Foreign {
  nodes: OnnxNode[] = [];
  inits: OnnxTensor[] = [];
  private k = 0;
  tensor(dims: number[], values: ArrayLike<number>, asConstantNode = false): string {
    const name = `onnx::W_${this.k++}`;
    const raw = new Uint8Array(Float32Array.from(values).buffer);
    const t: OnnxTensor = { name, dims, dataType: DataType.FLOAT, rawData: raw };
    if (asConstantNode) {
      this.nodes.push({ opType: 'Constant', name: `/Constant_${this.k}`, output: [name], attribute: [{ name: 'value', type: AttributeType.TENSOR, t }] });
    } else {
      this.inits.push(t);
    }
    return name;
  }
  op(opType: string, input: string[], attribute: OnnxNode['attribute'] = []): string {
    const out = `/${opType.toLowerCase()}_${this.nodes.length}/output_0`;
    this.nodes.push({ opType, name: `/${opType}_${this.nodes.length}`, input, output: [out], attribute });
    return out;
  }
  bytes(output: string): Uint8Array {
    const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
    const vi = (name: string, dims: (number | string)[]) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map(dim) } } } });
    this.nodes[this.nodes.length - 1]!.output = ['logits'];
    void output;
    return encodeOnnx({
      irVersion: 8,
      producerName: 'pytorch',
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'main_graph', node: this.nodes, initializer: this.inits, input: [vi('x', ['batch', 1, 28, 28])], output: [vi('logits', ['batch', 10])] },
    });
  }
}

const ints = (name: string, v: number[]) => ({ name, type: AttributeType.INTS, ints: v });
const int = (name: string, v: number) => ({ name, type: AttributeType.INT, i: v });

/** The weights of a modern net by layer name. */
function weightsOf(net: LeNet5): Record<string, Float32Array> {
  const w = net.getWeights();
  const out: Record<string, Float32Array> = {};
  net.model.layers.forEach((l, i) => l.params().forEach((p, j) => {
    const at = net.model.paramOffsets[i]![j]!;
    out[`${l.name}.${p.name}`] = w.slice(at, at + p.shape.reduce((a, b) => a * b, 1));
  }));
  return out;
}

function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

interface ForeignOptions {
  /** PyTorch tutorial: conv3 as Linear(400, 120); Keras/tf2onnx: dense layers as MatMul (IN, OUT) + Add. */
  style: 'pytorch' | 'keras';
  pool?: 'AveragePool' | 'MaxPool';
  conv2Kernel?: number;
  dense1Out?: number;
  /** conv1's zero padding (the model's 'same' is 2). */
  conv1Pad?: number;
}

/** A modern LeNet-5 graph as another framework would export it, holding `net`'s weights. */
function foreignGraph(net: LeNet5, o: ForeignOptions): Uint8Array {
  const W = weightsOf(net);
  const f = new Foreign();
  const keras = o.style === 'keras';
  const pool = (x: string) => f.op(o.pool ?? 'AveragePool', [x], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), ints('pads', [0, 0, 0, 0])]);
  const conv = (x: string, name: string, oc: number, c: number, k: number, same: boolean) => {
    const attrs: OnnxAttribute[] = [ints('dilations', [1, 1]), int('group', 1), ints('kernel_shape', [k, k]), ints('strides', [1, 1])];
    if (same && keras) attrs.push({ name: 'auto_pad', type: AttributeType.STRING, s: new TextEncoder().encode('SAME_UPPER') });
    else attrs.push(ints('pads', Array<number>(4).fill(same ? o.conv1Pad ?? 2 : 0)));
    const weight = k === 5 ? W[`${name}.weight`]! : new Float32Array(oc * c * k * k);
    return f.op('Conv', [x, f.tensor([oc, c, k, k], weight, keras), f.tensor([oc], W[`${name}.bias`]!, keras)], attrs);
  };
  const dense = (x: string, name: string, out: number, inp: number) => {
    const fits = W[`${name}.weight`]!.length === out * inp;
    const w = fits ? W[`${name}.weight`]! : new Float32Array(out * inp);
    const b = fits ? W[`${name}.bias`]! : new Float32Array(out);
    if (keras) return f.op('Add', [f.op('MatMul', [x, f.tensor([inp, out], transposed(w, out, inp))]), f.tensor([out], b)]);
    return f.op('Gemm', [x, f.tensor([out, inp], w), f.tensor([out], b)], [{ name: 'alpha', type: AttributeType.FLOAT, f: 1 }, int('transB', 1)]);
  };
  let x = conv('x', 'conv1', 6, 1, 5, true);
  x = pool(f.op('Relu', [x]));
  x = conv(x, 'conv2', 16, 6, o.conv2Kernel ?? 5, false);
  x = pool(f.op('Relu', [x]));
  if (keras) {
    x = f.op('Relu', [conv(x, 'conv3', 120, 16, 5, false)]);
    x = f.op('Reshape', [x, (() => {
      const name = 'shape_const';
      f.inits.push({ name, dims: [2], dataType: DataType.INT64, int64Data: [-1, 120] });
      return name;
    })()]);
  } else {
    x = f.op('Flatten', [x], [int('axis', 1)]);
    x = f.op('Relu', [dense(x, 'conv3', 120, 400)]);
  }
  x = f.op('Relu', [dense(x, 'dense1', o.dense1Out ?? 84, 120)]);
  x = dense(x, 'dense2', 10, o.dense1Out ?? 84);
  if (keras) x = f.op('Softmax', [x], [int('axis', -1)]);
  return f.bytes(x);
}

function softmaxRows(z: Float32Array, C: number): Float32Array {
  const p = new Float32Array(z.length);
  for (let i = 0; i < z.length / C; i++) {
    const row = z.subarray(i * C, (i + 1) * C);
    const m = Math.max(...row);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(row[c]! - m);
    for (let c = 0; c < C; c++) p[i * C + c] = Math.exp(row[c]! - m) / s;
  }
  return p;
}

describe('fromOnnx', () => {
  let trained: LeNet5;
  beforeAll(async () => {
    trained = LeNet5.modern({ seed: 11 });
    await trained.fit(train.subset(0, 320), { epochs: 1, seed: 11 });
  });

  it('export -> import gives identical weights and identical predictions', () => {
    const back = fromOnnx(toOnnx(trained));
    expect(back.preset).toBe('modern');
    const a = trained.getWeights();
    const b = back.getWeights();
    expect(b.length).toBe(a.length);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(back.predictBatch(pixels, TEST_IMAGES).scores).toEqual(trained.predictBatch(pixels, TEST_IMAGES).scores);
  });

  it.each(['pytorch', 'keras'] as const)('imports a %s-shaped graph by structure, and predicts what onnxruntime computes from it', async (style) => {
    const bytes = foreignGraph(trained, { style });
    const net = fromOnnx(bytes);
    expect(net.getWeights()).toEqual(trained.getWeights());
    const ort_ = await runOnnx(bytes, pixels, TEST_IMAGES);
    const probs = style === 'keras' ? ort_.data : softmaxRows(ort_.data, 10);
    const ours = net.predictBatch(pixels, TEST_IMAGES);
    const d = maxDiff(probs, ours.scores);
    console.log(`${style}-shaped graph: max |onnxruntime - lenet5 (imported)| = ${d.max.toExponential(2)}`);
    expect(d.max).toBeLessThanOrEqual(1e-4);
    expect(classes(probs, 10, false)).toEqual(Array.from(ours.labels));
  });

  it('names the first tensor whose shape does not fit', () => {
    expect(() => fromOnnx(foreignGraph(trained, { style: 'pytorch', conv2Kernel: 3 }))).toThrow(
      /conv2\.weight: the ONNX model's weight 'onnx::W_2' of Conv \(node '\/Conv_3'\) has shape \[16, 6, 3, 3\], the modern LeNet-5 needs \[16, 6, 5, 5\]/);
    expect(() => fromOnnx(foreignGraph(trained, { style: 'keras', dense1Out: 100 }))).toThrow(
      /dense1\.weight: .*MatMul .* has shape \[100, 120\], the modern LeNet-5 needs \[84, 120\]/);
    expect(() => fromOnnx(foreignGraph(trained, { style: 'pytorch', pool: 'MaxPool' }))).toThrow(
      /node 3 of the ONNX graph is MaxPool node '\/MaxPool_2' \(inputs: '\/relu_1\/output_0' \[batch, 6, 28, 28\]\), where the modern LeNet-5 has avgpool2d layer pool1 \(the importer expected AveragePool 2x2 with stride 2\)/);
    expect(() => fromOnnx(foreignGraph(trained, { style: 'pytorch', conv1Pad: 0 }))).toThrow(
      /conv1: Conv node '\/Conv_0' pads by 0, the modern LeNet-5's conv1 pads by 2 \('same'\)/);
    const err = (() => {
      try {
        fromOnnx(foreignGraph(trained, { style: 'pytorch', conv2Kernel: 3 }), { source: 'lenet.onnx' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as OnnxError).message).toMatch(/^lenet\.onnx: /);
  });

  it('rejects the classic model (its graph is not the modern architecture)', () => {
    const classic = LeNet5.classic({ backend: 'js', batchSize: 1 });
    expect(() => fromOnnx(toOnnx(classic))).toThrow(OnnxError);
    // The input Pad (2 on each side) would fold into conv1, but the input levels' Mul stops the import first.
    expect(() => fromOnnx(toOnnx(classic))).toThrow(new RegExp("node 2 of the ONNX graph, Mul node 'input\\.scale' \\(inputs: 'input\\.pad\\.out' \\[N, 1, 32, 32\\], " +
      "'input\\.range' = 1\\.275\\), cannot be imported: the importer does not read op Mul; there the modern LeNet-5 has conv2d layer conv1 " +
      '\\(the importer expected Conv 6@5x5 padded by 2 on \\[N, 1, 28, 28\\]\\)'));
  });

  it('rejects weights that are not stored in the file', () => {
    const bytes = toOnnx(trained);
    const m = decodeOnnx(bytes);
    m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== 'conv2.weight');
    expect(() => fromOnnx(encodeOnnx(m))).toThrow(/Conv node 'conv2' \(inputs: .*'conv2\.weight' \(not defined\).*\), cannot be imported: its weight 'conv2\.weight' is not an initializer or constant/);
    const ext = decodeOnnx(bytes);
    ext.graph!.initializer![0]!.dataLocation = 1;
    ext.graph!.initializer![0]!.rawData = new Uint8Array(0);
    expect(() => fromOnnx(encodeOnnx(ext))).toThrow(/external data file/);
    const f16 = decodeOnnx(bytes);
    f16.graph!.initializer![0]!.dataType = DataType.FLOAT16;
    expect(() => fromOnnx(encodeOnnx(f16))).toThrow(/data type FLOAT16; only float32 and float64/);
  });

  it('rejects malformed bytes with a clear error, never a crash or a hang', () => {
    const good = toOnnx(trained);
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /the file is empty/],
      ['truncated', good.subarray(0, Math.floor(good.length / 2)), /not a valid ONNX model: the protobuf data is malformed/],
      ['text', new TextEncoder().encode('{"format": "not onnx"}\n'), /not a valid ONNX model/],
      ['lenet5 model file', trained.save(), /this is a lenet5 model file, not ONNX/],
      ['png header', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13), /not a valid ONNX model/],
    ];
    for (const [what, bytes, pattern] of cases) {
      expect(() => fromOnnx(bytes, { source: what }), what).toThrow(OnnxError);
      expect(() => fromOnnx(bytes, { source: what }), what).toThrow(pattern);
    }
    // Random bytes and single-byte corruptions of a good file: always an OnnxError or a working model.
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 0xff;
    for (let k = 0; k < 200; k++) {
      const bytes = k < 100 ? Uint8Array.from({ length: 1 + (k * 37) % 4000 }, rand) : Uint8Array.from(good);
      if (k >= 100) for (let j = 0; j < 4; j++) bytes[(rand() << 8 | rand()) % Math.min(bytes.length, 4096)] = rand();
      try {
        fromOnnx(bytes, { backend: 'js', batchSize: 1 });
      } catch (e) {
        expect(e, `case ${k}: ${(e as Error).message}`).toBeInstanceOf(OnnxError);
      }
    }
  });
});

// ------------------------------------------------------------------------------------------- CLI

describe('lenet5 export', () => {
  const cli = join(root, 'dist/cli/main.js');
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lenet5-onnx-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, [cli, ...args], { cwd: dir }, (err, stdout, stderr) => done({ code: err ? (err.code as number) : 0, stdout, stderr }));
  });

  it('writes an ONNX file that onnxruntime runs like the model (--json), and fails with exit codes 1 and 2', async () => {
    const net = LeNet5.classic({ seed: 2, backend: 'js', batchSize: 8 });
    const model = join(dir, 'classic.lenet5');
    writeFileSync(model, net.save());
    const r = await run(['export', '--model-file', model, '--out', join(dir, 'classic.onnx'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(res).toMatchObject({ out: join(dir, 'classic.onnx'), model: 'classic', opset: 13, input: { name: 'input', shape: ['N', 1, 28, 28] },
      output: { name: 'penalties', shape: ['N', 10], prediction: 'argmin' } });
    const bytes = readFileSync(join(dir, 'classic.onnx'));
    expect(res.bytes).toBe(bytes.length);
    const theirs = await runOnnx(bytes, pixels.subarray(0, 8 * 784), 8);
    expect(maxDiff(theirs.data, net.predictBatch(pixels, 8).scores).maxRel).toBeLessThanOrEqual(1e-6);

    // Default output name, human text.
    writeFileSync(join(dir, 'm.lenet5'), LeNet5.modern({ backend: 'js', batchSize: 1 }).save());
    const text = await run(['export', '--model-file', 'm.lenet5']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/wrote m\.onnx \(modern LeNet-5, ONNX opset 13/);
    expect(text.stdout).toMatch(/input {2}'input': float32 \[N, 1, 28, 28\] \(NCHW\), pixels in \[0, 1\]/);
    expect(text.stdout).toMatch(/output 'probabilities': float32 \[N, 10\], predicted class = argmax/);
    expect(fromOnnx(readFileSync(join(dir, 'm.onnx')), { backend: 'js' }).paramCount()).toBe(61706);

    const missing = await run(['export', '--model-file', join(dir, 'nope.lenet5')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^lenet5: .*nope\.lenet5: cannot read the model file/m);
    const usage = await run(['export']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--model-file/);
  });
});
