/**
 * ONNX import of what real exporters write: the fixtures in test/fixtures/onnx were written by PyTorch
 * 1.13's torch.onnx.export (scripts/onnx-fixtures.py). Each one imports, and on 1,000 bundled digits the
 * imported model's classes equal onnxruntime-node's on the same file, its probabilities within 1e-4. The
 * trained fixture reproduces PyTorch's held-out accuracy exactly when the MNIST training set is at hand.
 * Then the canonicaliser's rules one by one on edited graphs: no-ops, Pad folding and its refusals,
 * Gemm transB 0, NHWC input with one channel, and the error that names the node, its inputs and what the
 * importer expected there.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backend/load.js';
import { loadDigits, loadMnist } from '../src/data/index.node.js';
import { canonicalise } from '../src/io/onnx-graph.js';
import { AttributeType, DataType } from '../src/io/onnx-schema.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { decodeOnnx, encodeOnnx, fromOnnx, OnnxError, toOnnx, type OnnxModel, type OnnxNode, type OnnxTensor } from '../src/onnx.js';
import { MNIST_TRAIN, skipTag } from './util/data.js';

const root = resolve(new URL('..', import.meta.url).pathname);
const FIXTURES = join(root, 'test', 'fixtures', 'onnx');
const AGREEMENT_IMAGES = 1000;

interface Fixture { file: string; style: string; opset: number; output: 'logits' | 'softmax' | 'logsoftmax'; batch: 'dynamic' | 1; sha256: string; trained?: string }
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { producer: string; fixtures: Fixture[] };
const trainedInfo = JSON.parse(readFileSync(join(FIXTURES, 'torch-trained.json'), 'utf8')) as {
  heldOut: { first: number; count: number }; sha256: string; pytorch: { correct: number; accuracy: number; minTop2Margin: number };
};

/** [n, 1, 28, 28] float32 pixels, byte / 255. */
let pixels: Float32Array;

beforeAll(async () => {
  await init({ backend: 'wasm' });
  const digits = await loadDigits();
  pixels = Float32Array.from(digits.images.subarray(0, AGREEMENT_IMAGES * 784), (v) => v / 255);
});

/** onnxruntime's output on n images; a graph with a fixed batch of 1 is run image by image. */
async function runOrt(bytes: Uint8Array, input: Float32Array, n: number, batch: number | 'dynamic' = 'dynamic'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = new Float32Array(n * 10);
    const step = batch === 'dynamic' ? n : batch;
    for (let i = 0; i < n; i += step) {
      const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input.subarray(i * 784, (i + step) * 784), [step, 1, 28, 28]) };
      const r = await session.run(feeds);
      out.set(r[session.outputNames[0]!]!.data as Float32Array, i * 10);
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Rows of probabilities from the graph's output: as is, exp of log-probabilities, softmax of logits. */
function probabilities(y: Float32Array, output: Fixture['output']): Float64Array {
  const p = new Float64Array(y.length);
  for (let i = 0; i < y.length / 10; i++) {
    const row = y.subarray(i * 10, i * 10 + 10);
    const m = Math.max(...row);
    const e = Array.from(row, (v) => (output === 'softmax' ? v : output === 'logsoftmax' ? Math.exp(v) : Math.exp(v - m)));
    const s = output === 'logits' ? e.reduce((a, b) => a + b, 0) : 1;
    e.forEach((v, c) => (p[i * 10 + c] = v / s));
  }
  return p;
}

const argmax = (y: ArrayLike<number>, n: number): number[] =>
  Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < 10; c++) if (y[i * 10 + c]! > y[i * 10 + best]!) best = c;
    return best;
  });

const opsOf = (m: OnnxModel): string[] => (m.graph!.node ?? []).map((n) => n.opType!);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('PyTorch fixtures', () => {
  it('cover both model styles, opsets 11, 13 and 17, logits / softmax / log-softmax and a dynamic and a fixed batch', () => {
    const f = manifest.fixtures;
    expect(manifest.producer).toMatch(/^torch\.onnx\.export, PyTorch 1\.13/);
    expect(new Set(f.map((x) => x.style.replace(/-.*/, '')))).toEqual(new Set(['forward', 'sequential']));
    expect(new Set(f.map((x) => x.opset))).toEqual(new Set([11, 13, 17]));
    expect(new Set(f.map((x) => x.output))).toEqual(new Set(['logits', 'softmax', 'logsoftmax']));
    expect(new Set(f.map((x) => x.batch))).toEqual(new Set(['dynamic', 1]));
  });

  it.each(manifest.fixtures.map((f) => [f.file, f] as const))('%s: the file is what the manifest says it is', (file, f) => {
    const bytes = readFileSync(join(FIXTURES, file));
    expect(sha256(bytes), 'the fixture changed without a rerun of scripts/onnx-fixtures.py').toBe(f.sha256);
    const m = decodeOnnx(bytes, file);
    expect(m.producerName).toBe('pytorch');
    expect(m.opsetImport!.find((o) => !o.domain)?.version).toBe(f.opset);
    const ops = opsOf(m);
    // What makes these graphs other than ours: PyTorch writes each average pooling as Pad + AveragePool.
    expect(ops.filter((o) => o === 'Pad').length).toBeGreaterThanOrEqual(2);
    if (f.style === 'forward') expect(ops).toEqual(expect.arrayContaining(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Reshape']));
    else expect(ops).toContain('Flatten');
    if (f.style === 'sequential-zeropad') expect(ops.slice(ops.indexOf('Pad'), ops.indexOf('Pad') + 2)).toEqual(['Pad', 'Conv']);
    expect(ops.at(-1)).toBe({ logits: 'Gemm', softmax: 'Softmax', logsoftmax: 'LogSoftmax' }[f.output]);
    const dim0 = m.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!;
    expect(f.batch === 'dynamic' ? dim0.dimParam : dim0.dimValue).toBe(f.batch === 'dynamic' ? 'batch' : 1);
  });

  it.each(manifest.fixtures.map((f) => [f.file, f] as const))(`%s: imports, and agrees with onnxruntime on ${AGREEMENT_IMAGES} digits`, async (file, f) => {
    const bytes = readFileSync(join(FIXTURES, file));
    const net = fromOnnx(bytes, { source: file });
    expect(net.preset).toBe('modern');
    const theirs = probabilities(await runOrt(bytes, pixels, AGREEMENT_IMAGES, f.batch), f.output);
    const ours = net.predictBatch(pixels, AGREEMENT_IMAGES);
    let max = 0;
    for (let i = 0; i < theirs.length; i++) max = Math.max(max, Math.abs(theirs[i]! - ours.scores[i]!));
    const same = argmax(theirs, AGREEMENT_IMAGES).filter((c, i) => c === ours.labels[i]).length;
    console.log(`${file}: classes equal on ${same}/${AGREEMENT_IMAGES}, max |p(onnxruntime) - p(lenet5)| = ${max.toExponential(2)}`);
    expect(same).toBe(AGREEMENT_IMAGES);
    expect(max).toBeLessThanOrEqual(1e-4);
  });
});

describe('the PyTorch-trained fixture', () => {

  it('records its file and a held-out set disjoint from the 50,000 training images', () => {
    expect(sha256(readFileSync(join(FIXTURES, 'torch-trained.onnx')))).toBe(trainedInfo.sha256);
    expect(trainedInfo.heldOut).toEqual({ first: 50000, count: 10000 });
    expect(trainedInfo.pytorch.accuracy).toBe(trainedInfo.pytorch.correct / 10000);
    // One epoch of SGD learns MNIST: far from chance, short of a long training.
    expect(trainedInfo.pytorch.correct).toBeGreaterThan(9500);
  });

  // The MNIST training set from LENET5_DATA_DIR or ../shared/data (test/util/data.ts); without it the test is
  // skipped and its name says why (CI sets the folder and requires it).
  it.skipIf(MNIST_TRAIN.dir === null)(`gives PyTorch's exact count on the held-out 10,000${skipTag(MNIST_TRAIN)}`, async () => {
    const all = await loadMnist({ dir: MNIST_TRAIN.dir!, split: 'train', download: false });
    const { first, count } = trainedInfo.heldOut;
    const held = all.subset(first, first + count);
    const x = Float32Array.from(held.images, (v) => v / 255);
    const bytes = readFileSync(join(FIXTURES, 'torch-trained.onnx'));
    const ours = fromOnnx(bytes).predictBatch(x, count);
    const correct = Array.from(ours.labels).filter((c, i) => c === held.label(i)).length;
    const theirs = argmax(await runOrt(bytes, x, count), count);
    const agree = theirs.filter((c, i) => c === ours.labels[i]).length;
    console.log(`torch-trained.onnx on MNIST train ${first}..${first + count - 1}: lenet5 ${correct}/${count}, PyTorch ${trainedInfo.pytorch.correct}/${count}, ` +
      `classes equal to onnxruntime's on ${agree}/${count}`);
    // Exact, not within 0.1%: float32 logits from two implementations differ by ~1e-6, while the closest
    // top-2 logit gap PyTorch saw on these images is recorded (~6e-3), so no prediction may flip.
    expect(trainedInfo.pytorch.minTop2Margin).toBeGreaterThan(1e-3);
    expect(correct).toBe(trainedInfo.pytorch.correct);
    expect(agree).toBe(count);
  });
});

// ------------------------------------------------------------------------------------------- rules

const ints = (name: string, v: number[]) => ({ name, type: AttributeType.INTS, ints: v });
const int = (name: string, v: number) => ({ name, type: AttributeType.INT, i: v });
const str = (name: string, v: string) => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(v) });
const i64 = (name: string, v: number[]) => ({ name, dims: [v.length], dataType: DataType.INT64, int64Data: v });

let base: LeNet5;
beforeAll(() => {
  base = LeNet5.modern({ seed: 4, backend: 'js', batchSize: 1 });
});

/** Our export of `base`, edited: `edit` inserts or replaces nodes. */
function edited(edit: (nodes: OnnxNode[], m: OnnxModel) => void): Uint8Array {
  const m = decodeOnnx(toOnnx(base));
  edit(m.graph!.node!, m);
  return encodeOnnx(m);
}
/** Inserts `node` before the node named `before`, feeding it that node's input and rewiring the latter. */
function insertBefore(nodes: OnnxNode[], before: string, node: Omit<OnnxNode, 'input' | 'output'> & { extra?: string[] }): void {
  const k = nodes.findIndex((n) => n.name === before);
  const target = nodes[k]!;
  const out = `${node.name}.out`;
  const { extra, ...rest } = node;
  nodes.splice(k, 0, { ...rest, input: [target.input![0]!, ...(extra ?? [])], output: [out] });
  target.input![0] = out;
}
const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OnnxError);
    return (e as Error).message;
  }
  throw new Error('expected an OnnxError');
};

describe('canonicalisation', () => {
  it('drops Identity, inference Dropout and an all-zero Pad; refuses Dropout in training mode', () => {
    const bytes = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('zeros', [0, 0, 0, 0, 0, 0, 0, 0]));
      insertBefore(nodes, 'conv2', { opType: 'Identity', name: 'id' });
      insertBefore(nodes, 'dense2', { opType: 'Dropout', name: 'drop' });
      insertBefore(nodes, 'pool1', { opType: 'Pad', name: 'nopad', extra: ['zeros'] });
    });
    expect(fromOnnx(bytes).getWeights()).toEqual(base.getWeights());
    const training = edited((nodes, m) => {
      m.graph!.initializer!.push({ name: 'yes', dims: [], dataType: DataType.BOOL, int32Data: [1] });
      insertBefore(nodes, 'dense2', { opType: 'Dropout', name: 'drop', extra: ['', 'yes'] });
    });
    expect(message(() => fromOnnx(training))).toMatch(/Dropout node 'drop' .*cannot be imported: it is in training mode; export the model after model\.eval\(\)/);
  });

  it('folds a zero Pad into the Conv after it, and refuses other padding there', async () => {
    const pads = [0, 0, 2, 2, 0, 0, 2, 2];
    const bytes = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('p', pads));
      nodes.find((n) => n.name === 'conv1')!.attribute!.find((a) => a.name === 'pads')!.ints = [0, 0, 0, 0];
      insertBefore(nodes, 'conv1', { opType: 'Pad', name: 'zp', extra: ['p'] });
    });
    const net = fromOnnx(bytes);
    const theirs = await runOrt(bytes, pixels, 100);
    expect(argmax(theirs, 100)).toEqual(Array.from(net.predictBatch(pixels, 100).labels));
    const reflect = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('p', pads));
      nodes.find((n) => n.name === 'conv1')!.attribute!.find((a) => a.name === 'pads')!.ints = [0, 0, 0, 0];
      insertBefore(nodes, 'conv1', { opType: 'Pad', name: 'rp', extra: ['p'], attribute: [str('mode', 'reflect')] });
    });
    expect(message(() => fromOnnx(reflect))).toMatch(
      /node 1 of the ONNX graph, Pad node 'rp' \(inputs: 'input' \[N, 1, 28, 28\], 'p' = \[0, 0, 2, 2, 0, 0, 2, 2\]\), cannot be imported: it pads with mode 'reflect', and only a zero Pad folds into a Conv; there the modern LeNet-5 has conv2d layer conv1/);
    const before = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('p', [0, 0, 1, 1, 0, 0, 1, 1]));
      insertBefore(nodes, 'relu2', { opType: 'Pad', name: 'zp', extra: ['p'] });
    });
    expect(message(() => fromOnnx(before))).toMatch(/Pad node 'zp' .*cannot be imported: it is followed by Relu node 'relu2', where the importer folds a Pad only into the Conv or AveragePool right after it/);
  });

  it('Pad + AveragePool counts the padded zeros: folded as count_include_pad 1, refused before a pool that excludes its own padding', async () => {
    // onnxruntime: constant-0 Pad then an unpadded AveragePool equals AveragePool(pads 1, count_include_pad 1),
    // and differs from count_include_pad 0 (the rule the fold follows).
    const graph = (nodes: OnnxNode[], inits: OnnxTensor[]) => encodeOnnx({
      irVersion: 7, opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'g', node: nodes, initializer: inits,
        input: [{ name: 'x', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 1 }, { dimValue: 4 }, { dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: DataType.FLOAT } } }] },
    });
    const padded = graph([
      { opType: 'Pad', name: 'pad', input: ['x', 'p'], output: ['xp'] },
      { opType: 'AveragePool', name: 'pool', input: ['xp'], output: ['y'], attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] },
    ], [i64('p', [0, 0, 1, 1, 0, 0, 1, 1])]);
    const pool = (cip: number) => graph([{ opType: 'AveragePool', name: 'pool', input: ['x'], output: ['y'],
      attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('count_include_pad', cip)] }], []);
    const x = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const run = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b);
      const r = await s.run({ x: new ort.Tensor('float32', x, [1, 1, 4, 4]) });
      await s.release();
      return Array.from(r['y']!.data as Float32Array);
    };
    expect(await run(padded)).toEqual(await run(pool(1)));
    expect(await run(padded)).not.toEqual(await run(pool(0)));
    const c = canonicalise(decodeOnnx(padded), 'padded');
    expect(c.failure).toBeNull();
    expect(c.steps).toHaveLength(1);
    expect(c.steps[0]).toMatchObject({ op: 'avgpool', pads: [1, 1, 1, 1], countIncludePad: true, inShape: [1, 1, 4, 4] });

    // In the model: folded, then refused because LeNet-5's pools are unpadded, with the fold named.
    const model = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('p', [0, 0, 1, 1, 0, 0, 1, 1]));
      insertBefore(nodes, 'pool1', { opType: 'Pad', name: 'zp', extra: ['p'] });
    });
    expect(message(() => fromOnnx(model))).toMatch(
      /pool1: AveragePool node 'pool1' \(with Pad node 'zp' folded in\) has kernel \[2, 2\], strides \[2, 2\] and pads \[1, 1, 1, 1\] \(padded zeros counted\); LeNet-5 pools 2x2 with stride 2, unpadded/);
    const excluded = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('p', [0, 0, 1, 1, 0, 0, 1, 1]));
      nodes.find((n) => n.name === 'pool1')!.attribute!.push(ints('pads', [1, 1, 1, 1]));
      insertBefore(nodes, 'pool1', { opType: 'Pad', name: 'zp', extra: ['p'] });
    });
    expect(message(() => fromOnnx(excluded))).toMatch(/Pad node 'zp' .*cannot be imported: the AveragePool after it excludes its own padding \[1, 1, 1, 1\] from the average \(count_include_pad 0\) while the Pad's zeros count/);
    const max = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('p', [0, 0, 1, 1, 0, 0, 1, 1]));
      nodes.find((n) => n.name === 'pool1')!.opType = 'MaxPool';
      insertBefore(nodes, 'pool1', { opType: 'Pad', name: 'zp', extra: ['p'] });
    });
    expect(message(() => fromOnnx(max))).toMatch(/Pad node 'zp' .*cannot be imported: zero padding before a MaxPool is not MaxPool padding/);
  });

  it('reads Gemm with transB 0 (weights stored [IN, OUT]) and alpha / beta', async () => {
    const bytes = edited((nodes, m) => {
      for (const name of ['dense1', 'dense2']) {
        const n = nodes.find((x) => x.name === name)!;
        const w = m.graph!.initializer!.find((t) => t.name === n.input![1])!;
        const [out, inp] = w.dims!;
        const v = new Float32Array(new Uint8Array(w.rawData!).buffer);
        const t = new Float32Array(v.length);
        // Stored as (IN, OUT) and halved, with alpha 2; the bias doubled, with beta 0.5.
        for (let r = 0; r < out!; r++) for (let c = 0; c < inp!; c++) t[c * out! + r] = v[r * inp! + c]! / 2;
        w.dims = [inp!, out!];
        w.rawData = new Uint8Array(t.buffer);
        const b = m.graph!.initializer!.find((x) => x.name === n.input![2])!;
        b.rawData = new Uint8Array(Float32Array.from(new Float32Array(new Uint8Array(b.rawData!).buffer), (x) => x * 2).buffer);
        n.attribute = [int('transB', 0), { name: 'alpha', type: AttributeType.FLOAT, f: 2 }, { name: 'beta', type: AttributeType.FLOAT, f: 0.5 }];
      }
    });
    const net = fromOnnx(bytes);
    expect(net.getWeights()).toEqual(base.getWeights());
    expect(argmax(await runOrt(bytes, pixels, 100), 100)).toEqual(Array.from(net.predictBatch(pixels, 100).labels));
  });

  it('reads an NHWC input of one channel (a leading Transpose that keeps the memory order); refuses a Transpose that reorders', async () => {
    const bytes = edited((nodes, m) => {
      m.graph!.input![0]!.type!.tensorType!.shape!.dim = [{ dimParam: 'N' }, { dimValue: 28 }, { dimValue: 28 }, { dimValue: 1 }];
      insertBefore(nodes, 'conv1', { opType: 'Transpose', name: 'nchw', attribute: [ints('perm', [0, 3, 1, 2])] });
    });
    const net = fromOnnx(bytes);
    expect(net.getWeights()).toEqual(base.getWeights());
    const session = await ort.InferenceSession.create(bytes);
    const r = await session.run({ input: new ort.Tensor('float32', pixels.subarray(0, 100 * 784), [100, 28, 28, 1]) });
    await session.release();
    expect(argmax(r['probabilities']!.data as Float32Array, 100)).toEqual(Array.from(net.predictBatch(pixels, 100).labels));
    const reorder = edited((nodes) => insertBefore(nodes, 'conv2', { opType: 'Transpose', name: 'nhwc', attribute: [ints('perm', [0, 2, 3, 1])] }));
    expect(message(() => fromOnnx(reorder))).toMatch(
      /Transpose node 'nhwc' \(inputs: 'pool1\.out' \[N, 6, 14, 14\]\), cannot be imported: its permutation \[0, 2, 3, 1\] of \[N, 6, 14, 14\] reorders the data/);
  });

  it('names the first node it does not read, its inputs, and what it expected there', () => {
    const elu = edited((nodes) => (nodes.find((n) => n.name === 'relu2')!.opType = 'Elu'));
    expect(message(() => fromOnnx(elu, { source: 'elu.onnx' }))).toBe(
      "elu.onnx: node 5 of the ONNX graph, Elu node 'relu2' (inputs: 'conv2.out' [N, 16, 10, 10]), cannot be imported: " +
      'the importer does not read op Elu; there the modern LeNet-5 has relu layer relu2 (the importer expected Relu)');
    const reshape = edited((nodes, m) => {
      m.graph!.initializer!.push(i64('s', [0, 16, 25]));
      const n = nodes.find((x) => x.name === 'flatten')!;
      n.opType = 'Reshape';
      n.attribute = [];
      n.input!.push('s');
    });
    expect(message(() => fromOnnx(reshape))).toMatch(
      /Reshape node 'flatten' \(inputs: 'relu3\.out' \[N, 120, 1, 1\], 's' = \[0, 16, 25\]\), cannot be imported: it reshapes \[N, 120, 1, 1\] to \[0, 16, 25\], where the importer expected a flatten to \[N, -1\]; there the modern LeNet-5 has dense layer dense1/);
    const branch = edited((nodes) => {
      const k = nodes.findIndex((n) => n.name === 'relu1');
      nodes.splice(k + 1, 0, { opType: 'Add', name: 'residual', input: ['relu1.out', 'conv1.out'], output: ['sum'] });
      nodes[k + 2]!.input![0] = 'sum';
    });
    expect(message(() => fromOnnx(branch))).toMatch(/Add node 'residual' \(inputs: 'relu1\.out' \[N, 6, 28, 28\], 'conv1\.out' \[N, 6, 28, 28\]\), cannot be imported: it combines 2 computed tensors; the importer reads one chain of layers; there the modern LeNet-5 has avgpool2d layer pool1/);
    const extra = edited((nodes, m) => {
      const last = nodes.at(-1)!;
      last.output = ['p'];
      nodes.push({ opType: 'Sigmoid', name: 'after', input: ['p'], output: ['probabilities'] });
      void m;
    });
    expect(message(() => fromOnnx(extra))).toMatch(/Sigmoid node 'after' \(inputs: 'p' \[N, 10\]\), cannot be imported: the importer does not read op Sigmoid; there the importer expected the end of the graph, after the last layer of the modern LeNet-5/);
  });
});

describe('mutated PyTorch graphs', () => {
  it('give an OnnxError or a model that predicts what onnxruntime does, never another exception', async () => {
    // Well-formed protobuf, wrong graphs: attributes, constants, wiring and op types changed at random.
    const good = readFileSync(join(FIXTURES, 'torch-sequential-zeropad-opset17.onnx'));
    let seed = 2024;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const OPS = ['Reshape', 'Slice', 'Concat', 'Gather', 'Transpose', 'Pad', 'Squeeze', 'Unsqueeze', 'Identity', 'Flatten', 'Add', 'Shape'];
    const N = Number(process.env['ONNX_MUTATIONS'] ?? 300);
    const imported: [number, Uint8Array, LeNet5][] = [];
    let refused = 0;
    for (let k = 0; k < N; k++) {
      const m = decodeOnnx(good);
      const nodes = m.graph!.node!;
      const names = nodes.flatMap((n) => n.output ?? []);
      for (let j = 0; j < 2; j++) {
        const n = nodes[rand(nodes.length)]!;
        const a = n.attribute?.[rand(Math.max(1, n.attribute.length))];
        const what = rand(5);
        if (what === 0 && a?.ints?.length) a.ints[rand(a.ints.length)] = rand(40) - 4;
        else if (what === 1 && a?.t?.rawData?.length) a.t.rawData[rand(a.t.rawData.length)] = rand(256);
        else if (what === 2 && n.input?.length) n.input[rand(n.input.length)] = names[rand(names.length)]!;
        else if (what === 3) n.opType = OPS[rand(OPS.length)]!;
        else if (a) a.i = rand(6) - 2;
      }
      const bytes = encodeOnnx(m);
      try {
        imported.push([k, bytes, fromOnnx(bytes, { backend: 'js', batchSize: 1 })]);
      } catch (e) {
        expect(e, `case ${k}: ${(e as Error).message}`).toBeInstanceOf(OnnxError);
        // The walk's guard against its own bugs: a refusal must say why, not relay an exception.
        expect((e as Error).message, `case ${k}`).not.toMatch(/could not be read/);
        refused++;
      }
    }
    // What imports must run in onnxruntime and predict the same classes (on 20 digits).
    for (const [k, bytes, net] of imported) {
      const theirs = await runOrt(bytes, pixels, 20).catch((e: Error) => e.message);
      expect(typeof theirs === 'string' ? theirs : argmax(theirs, 20), `case ${k}`).toEqual(Array.from(net.predictBatch(pixels, 20).labels));
    }
    console.log(`${N} mutated copies of torch-sequential-zeropad-opset17.onnx: ${imported.length} imported (and agree with onnxruntime), ${refused} refused`);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});
