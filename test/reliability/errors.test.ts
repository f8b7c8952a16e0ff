/**
 * Every bad input a clear error: one table of distinct bad inputs (IDX files, model files, images, API
 * misuse), each checked for its typed error class, that it is a Lenet5Error, and that the message says
 * what was wrong and where. The CLI maps the classes to exit codes 1 and 2 with one line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { init } from '../../src/backend/load.js';
import { exitCodeOf } from '../../src/cli/errors.js';
import { Dataset } from '../../src/data/dataset.js';
import { decodeImage } from '../../src/data/decode.js';
import { parseIdx, parseIdxImages, parseIdxLabels, readIdx, writeIdx } from '../../src/data/idx.js';
import { preprocessImage } from '../../src/data/image.js';
import * as errors from '../../src/errors.js';
import {
  CheckpointError, DataFormatError, DisposedError, ImageDecodeError, InvalidArgumentError, Lenet5Error, MemoryLimitError,
  ModelFileError, NoInkError, NotInitializedError, TrainingDivergedError,
} from '../../src/errors.js';
import * as api from '../../src/index.js';
import { crc32, encodeModel } from '../../src/io/format.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { adam, sgd } from '../../src/train/optimizers.js';

const dir = mkdtempSync(join(tmpdir(), 'lenet5-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
await init();

type ErrorClass = new (...args: never[]) => Lenet5Error;
interface Case {
  what: string;
  run: () => unknown;
  cls: ErrorClass;
  /** What the message must say: the problem, where, and (where it helps) what to do. */
  says: RegExp;
}

// ---------------------------------------------------------------- inputs

const idx = writeIdx([3, 2, 2], new Uint8Array(12).fill(7));
const edit = (b: Uint8Array, f: (o: Uint8Array, dv: DataView) => void): Uint8Array => {
  const o = b.slice();
  f(o, new DataView(o.buffer));
  return o;
};
const tiny = (): LeNet5 => LeNet5.modern({ seed: 1 });
const model = tiny().save();
const header = (b: Uint8Array): { json: Record<string, any>; H: number } => {
  const H = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
  return { json: JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + H))), H };
};
/** A copy of a model file with an edited header; the CRC is kept valid so the deeper checks run. */
const withHeader = (b: Uint8Array, f: (h: Record<string, any>) => void, payload?: Uint8Array): Uint8Array => {
  const { json, H } = header(b);
  const body = payload ?? b.subarray(16 + H);
  f(json);
  if (json['crc32'] !== undefined && payload) json['crc32'] = crc32(body);
  const text = new TextEncoder().encode(JSON.stringify(json));
  const h = Math.ceil(text.length / 4) * 4;
  const out = new Uint8Array(16 + h + body.length).fill(0x20, 16, 16 + h);
  out.set(b.subarray(0, 16));
  new DataView(out.buffer).setUint32(12, h, true);
  out.set(text, 16);
  out.set(body, 16 + h);
  return out;
};
const withTraining = (() => {
  const net = tiny();
  const opt = { type: 'adam' };
  const P = net.model.paramBlockLength;
  return encodeModel({ model: net.model, params: net.getWeights(), preset: 'modern', seed: 1,
    training: { optimizer: opt, steps: 3, epochsTrained: 1, state: [new Float32Array(P), new Float32Array(P)] } });
})();

const png = (w: number, h: number, fill = 0, draw = false): Uint8Array => {
  const data = new Uint8Array(w * h).fill(fill);
  if (draw) for (let y = 2; y < h - 2; y++) data[y * w + Math.floor(w / 2)] = 255 - fill;
  return encodePng({ width: w, height: h, data, channels: 1, depth: 8 });
};
const pngClaiming = (w: number, h: number): Uint8Array =>
  edit(png(8, 8, 0, true), (o, dv) => {
    dv.setUint32(16, w);
    dv.setUint32(20, h);
    dv.setUint32(29, crc32(o.subarray(12, 29)));
  });

const data = (n: number): { images: Uint8Array; labels: Uint8Array } => ({
  images: new Uint8Array(n * 784).map((_, i) => (i * 13) % 256),
  labels: new Uint8Array(n).map((_, i) => i % 10),
});

// ---------------------------------------------------------------- the table

const cases: Case[] = [
  // IDX files
  { what: 'IDX: wrong magic', run: () => parseIdx(edit(idx, (o) => (o[0] = 1)), { name: 'a.idx' }), cls: DataFormatError, says: /a\.idx: .*magic/i },
  { what: 'IDX: unknown dtype', run: () => parseIdx(edit(idx, (o) => (o[2] = 0x42)), { name: 'a.idx' }), cls: DataFormatError, says: /a\.idx: .*(type|0x42)/i },
  { what: 'IDX: truncated header', run: () => parseIdx(idx.subarray(0, 6), { name: 'a.idx' }), cls: DataFormatError, says: /a\.idx: .*(truncated|short)/i },
  { what: 'IDX: truncated data', run: () => parseIdx(idx.subarray(0, idx.length - 3), { name: 'a.idx' }), cls: DataFormatError, says: /a\.idx: .*(truncated|short|bytes)/i },
  { what: 'IDX: trailing bytes', run: () => parseIdx(Uint8Array.from([...idx, 1, 2]), { name: 'a.idx' }), cls: DataFormatError, says: /a\.idx: .*(trailing|extra|bytes)/i },
  { what: 'IDX: absurd dims', run: () => parseIdx(edit(idx, (_, dv) => dv.setUint32(4, 0xffffffff)), { name: 'a.idx' }), cls: DataFormatError, says: /a\.idx: /i },
  { what: 'IDX: rank 0', run: () => parseIdx(Uint8Array.from([0, 0, 8, 0]), { name: 'a.idx' }), cls: DataFormatError, says: /a\.idx: /i },
  { what: 'IDX: images with a 1-d shape', run: () => parseIdxImages(writeIdx([4], new Uint8Array(4)), { name: 'i.idx' }), cls: DataFormatError, says: /i\.idx: / },
  { what: 'IDX: labels out of range', run: () => parseIdxLabels(writeIdx([3], Uint8Array.from([1, 12, 3])), { name: 'l.idx', numClasses: 10 }), cls: DataFormatError, says: /l\.idx: .*12/ },
  { what: 'IDX: corrupt gzip', run: () => readIdx(edit(new Uint8Array(gzipSync(idx)), (o) => o.fill(0x55, 12, 20)), { name: 'a.idx.gz' }), cls: DataFormatError, says: /a\.idx\.gz: / },
  { what: 'IDX: image/label count mismatch', run: () => new Dataset({ images: new Uint8Array(3 * 784), labels: new Uint8Array(2), height: 28, width: 28 }), cls: Lenet5Error, says: /disagree|3.*2|2.*3/ },

  // model files (the saveload tests cover magic, version, truncation, CRC, shapes, unknown layers, NaN weights)
  { what: 'model: header length claims 4 GB', run: () => LeNet5.load(edit(model, (_, dv) => dv.setUint32(12, 0xfffffff0, true)), { source: 'm.lenet5' }), cls: ModelFileError, says: /m\.lenet5: the header claims \d+ bytes but only \d+ follow/ },
  { what: 'model: payloadFloats claims 10^12', run: () => LeNet5.load(withHeader(model, (h) => { h.payloadFloats = 1e12; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /m\.lenet5: the payload holds \d+ bytes but the header declares/ },
  { what: 'model: a dense layer of 10^9 units', run: () => LeNet5.load(withHeader(model, (h) => { h.model.layers[9].units = 1e9; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /m\.lenet5: / },
  { what: 'model: tensor shape with huge dims', run: () => LeNet5.load(withHeader(model, (h) => { h.tensors[0].shape = [1e9, 1e9]; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /m\.lenet5: tensor conv1\.weight has shape/ },
  { what: 'model: malformed tensor entry', run: () => LeNet5.load(withHeader(model, (h) => { h.tensors[2] = 7; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /tensor entry 2 is malformed/ },
  { what: 'model: format version 0', run: () => LeNet5.load(edit(model, (_, dv) => dv.setUint32(8, 0, true)), { source: 'm.lenet5' }), cls: ModelFileError, says: /format version 0 is not a valid version/ },
  { what: 'model: unknown architecture (input normalisation)', run: () => LeNet5.load(withHeader(model, (h) => { h.model.input.normalization = 'imagenet'; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /invalid model: .*normalization/ },
  { what: 'model: loss that does not fit the last layer', run: () => LeNet5.load(withHeader(model, (h) => { h.model.loss = { kind: 'rbf-penalty' }; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /invalid model: .*RBF last layer/ },
  { what: 'model: training state names an unknown optimizer', run: () => LeNet5.load(withHeader(withTraining, (h) => { h.training.optimizer = { type: 'rmsprop' }; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /invalid optimizer .*rmsprop/ },
  { what: 'model: optimizer state of the wrong size', run: () => LeNet5.load(withHeader(withTraining, (h) => { h.training.optimizer = { type: 'sgd', lr: 0.1 }; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /optimizer sgd needs 1 state tensors/ },
  { what: 'model: negative step counter', run: () => LeNet5.load(withHeader(withTraining, (h) => { h.training.steps = -4; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /training\.steps" must be an integer >= 0/ },
  { what: 'model: malformed resume progress', run: () => LeNet5.load(withHeader(withTraining, (h) => { h.training.progress = { epoch: 'x' }; }), { source: 'm.lenet5' }), cls: ModelFileError, says: /training\.progress\.\w+" must be/ },
  {
    what: 'model: NaN in the optimizer state',
    run: () => {
      const { H } = header(withTraining);
      const body = withTraining.slice(16 + H);
      new DataView(body.buffer).setFloat32(body.length - 8, NaN, true);
      return LeNet5.load(withHeader(withTraining, () => {}, body), { source: 'm.lenet5' });
    },
    cls: ModelFileError, says: /optimizer\.1 at element \d+ holds NaN/,
  },
  { what: 'model: not bytes', run: () => LeNet5.load('model.lenet5' as never), cls: ModelFileError, says: /expected the file contents as bytes/ },
  { what: 'model: a PNG passed as a model', run: () => LeNet5.load(png(4, 4), { source: 'x.png' }), cls: ModelFileError, says: /x\.png: not a lenet5 model file/ },

  // images
  { what: 'image: not an image (text)', run: () => decodeImage(new TextEncoder().encode('hello world, not a picture'), { name: 'a.png' }), cls: ImageDecodeError, says: /a\.png: not a PNG or JPEG file/ },
  { what: 'image: unsupported format (GIF)', run: () => decodeImage(new TextEncoder().encode('GIF89a\x01\x00\x01\x00'), { name: 'a.gif' }), cls: ImageDecodeError, says: /a\.gif: not a PNG or JPEG file .*convert it to PNG or JPEG/ },
  { what: 'image: unsupported format (BMP)', run: () => decodeImage(Uint8Array.from([0x42, 0x4d, 0, 0, 0, 0, 0, 0, 0, 0]), { name: 'a.bmp' }), cls: ImageDecodeError, says: /a\.bmp: not a PNG or JPEG/ },
  { what: 'image: 0-sized PNG', run: () => decodeImage(pngClaiming(0, 8), { name: 'z.png' }), cls: ImageDecodeError, says: /z\.png: image size 0x8 is empty/ },
  { what: 'image: gigantic PNG (refused before decoding)', run: () => decodeImage(pngClaiming(100000, 100000), { name: 'g.png' }), cls: ImageDecodeError, says: /g\.png: 100000x100000 is over the \d+-pixel limit/ },
  { what: 'image: truncated PNG', run: () => decodeImage(png(16, 16).subarray(0, 40), { name: 't.png' }), cls: ImageDecodeError, says: /t\.png: / },
  { what: 'image: blank (no ink)', run: () => decodeImage(png(28, 28, 255)).then((g) => preprocessImage(g, { name: 'blank.png' })), cls: NoInkError, says: /blank\.png: .*no ink/i },
  { what: 'image: raster with a 0 size', run: () => preprocessImage({ width: 0, height: 5, data: new Uint8Array(0) }, { name: 'r' }), cls: InvalidArgumentError, says: /r: image size 0x5 is not a positive integer size/ },
  { what: 'image: raster whose data does not match its size', run: () => preprocessImage({ width: 4, height: 4, data: new Uint8Array(15) }, { name: 'r' }), cls: InvalidArgumentError, says: /r: 15 values do not make a 4x4 image/ },

  // API misuse
  { what: 'API: predict with the wrong input length', run: () => tiny().predict(new Uint8Array(100)), cls: InvalidArgumentError, says: /predict: one image must have 28x28 = 784 values, got 100 .*resize/ },
  { what: 'API: predict with null', run: () => tiny().predict(null as never), cls: InvalidArgumentError, says: /predict: expected 28x28 pixel values/ },
  { what: 'API: predictBatch with too few values', run: () => tiny().predictBatch(new Uint8Array(784), 2), cls: InvalidArgumentError, says: /predict: 2 images of 28x28 need 1568 values, got 784/ },
  { what: 'API: batch size 0', run: () => tiny().fit(data(8), { batchSize: 0 }), cls: InvalidArgumentError, says: /fit: batchSize must be an integer >= 1 and at most 8 .*got 0/ },
  { what: 'API: batch size larger than the dataset', run: () => tiny().fit(data(8), { batchSize: 9 }), cls: InvalidArgumentError, says: /fit: batchSize must be .*at most 8 \(the number of training samples\), got 9/ },
  { what: 'API: NaN learning rate', run: () => tiny().fit(data(8), { batchSize: 4, optimizer: adam({ lr: NaN }) }), cls: InvalidArgumentError, says: /adam lr must be a finite number >= 0, got NaN/ },
  { what: 'API: negative learning rate', run: () => tiny().fit(data(8), { batchSize: 4, optimizer: sgd({ lr: -0.1 }) }), cls: InvalidArgumentError, says: /sgd lr must be a finite number >= 0, got -0\.1/ },
  { what: 'API: a schedule that returns NaN', run: () => tiny().fit(data(8), { batchSize: 4, schedule: () => NaN }), cls: InvalidArgumentError, says: /learning rate of epoch 1 is NaN/ },
  { what: 'API: epochs 0', run: () => tiny().fit(data(8), { epochs: 0 }), cls: InvalidArgumentError, says: /fit: epochs must be an integer >= 1, got 0/ },
  { what: 'API: epochs -2', run: () => tiny().fit(data(8), { epochs: -2 }), cls: InvalidArgumentError, says: /fit: epochs must be an integer >= 1, got -2/ },
  { what: 'API: fractional epochs', run: () => tiny().fit(data(8), { epochs: 1.5 }), cls: InvalidArgumentError, says: /got 1\.5/ },
  { what: 'API: empty training data', run: () => tiny().fit({ images: new Uint8Array(0), labels: new Uint8Array(0) }), cls: InvalidArgumentError, says: /training data is empty/ },
  { what: 'API: images of the wrong size', run: () => tiny().fit(new Dataset({ images: new Uint8Array(4 * 1024), labels: new Uint8Array(4), height: 32, width: 32 })), cls: InvalidArgumentError, says: /training data: images are 32x32 but the model reads 28x28/ },
  { what: 'API: images not pixels', run: () => tiny().fit({ images: 'abc' as never, labels: [1] }), cls: InvalidArgumentError, says: /training data: expected a Dataset or \{ images, labels \}/ },
  { what: 'API: images of the wrong length', run: () => tiny().fit({ images: [0.1, 0.2, 0.3], labels: [1] }), cls: InvalidArgumentError, says: /1 labels need 1 images of 28x28 = 784 pixels, got 3/ },
  { what: 'API: clipGradNorm 0', run: () => tiny().fit(data(8), { batchSize: 4, clipGradNorm: 0 }), cls: InvalidArgumentError, says: /clipGradNorm must be a finite number > 0/ },
  { what: 'API: maxMemoryBytes -1', run: () => LeNet5.modern({ maxMemoryBytes: -1 }), cls: InvalidArgumentError, says: /maxMemoryBytes must be a positive integer/ },
  { what: 'API: setWeights with the wrong length', run: () => tiny().setWeights(new Float32Array(10)), cls: InvalidArgumentError, says: /expected 61706 parameter values, got 10/ },
  { what: 'API: a layer with 0 units', run: () => new api.Dense({ units: 0 }), cls: InvalidArgumentError, says: /units must be an integer >= 1, got 0/ },
  { what: 'API: checkpoint without a destination', run: () => tiny().fit(data(8), { batchSize: 4, checkpoint: { every: 1 } }), cls: InvalidArgumentError, says: /checkpoint needs a path \(Node\) or a write\(bytes\) callback/ },
  {
    what: 'API: a model used after dispose()',
    run: () => {
      const n = tiny();
      n.dispose();
      return n.predict(new Uint8Array(784));
    },
    cls: DisposedError, says: /this LeNet5 model was disposed; create or load a new one/,
  },
  {
    what: 'API: fit after dispose()',
    run: () => {
      const n = tiny();
      n.dispose();
      n.dispose();
      return n.fit(data(8));
    },
    cls: DisposedError, says: /disposed/,
  },
  { what: 'weights: setWeights with a NaN', run: () => { const n = tiny(); const w = n.getWeights(); w[5] = NaN; n.setWeights(w); }, cls: InvalidArgumentError, says: /setWeights: value 5 \(layer conv1, weight\[5\]\) is NaN; weights must be finite/ },
  { what: 'resources: a model over the memory maximum', run: () => LeNet5.modern({ maxMemoryBytes: 1 << 20 }), cls: MemoryLimitError, says: /needs \d+ bytes but the arena is limited to 1048576 bytes .*smaller batch or raise the memory limit/ },
  { what: 'training: weights that are NaN', run: () => { const n = tiny(); const w = n.getWeights(); w[5] = NaN; n.model.setParams(w); return n.fit(data(8), { batchSize: 4 }); }, cls: TrainingDivergedError, says: /training diverged at step 1 \(epoch 1, batch 1\): the loss is NaN in layer conv1 \(conv2d\), output/ },
];

describe(`${cases.length} distinct bad inputs, each a typed error that says what, where and what to do`, () => {
  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    let err: unknown;
    try {
      await c.run();
    } catch (e) {
      err = e;
    }
    expect(err, 'nothing was thrown').toBeDefined();
    expect(err).toBeInstanceOf(Lenet5Error);
    expect(err).toBeInstanceOf(c.cls);
    expect((err as Error).name).toBe((err as Error).constructor.name);
    expect((err as Error).message).toMatch(c.says);
    expect((err as Error).message).not.toMatch(/\n/);
  });

  it('calling before init() is a NotInitializedError', async () => {
    vi.resetModules();
    const fresh = await import('../../src/backend/load.js');
    const { LeNet5: Fresh } = await import('../../src/models/lenet5.js');
    const { NotInitializedError: Fresh404 } = await import('../../src/errors.js');
    expect(() => fresh.createBackend()).toThrow(Fresh404);
    expect(() => Fresh.modern()).toThrow(/call `await init\(\)` before creating a model/);
    // A second copy of the module throws a different class object, so callers who hold the package's
    // class (or another copy's) recognise it by name and code: both match the package's class.
    let err: unknown;
    try {
      Fresh.modern();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Fresh404);
    expect(Fresh404).not.toBe(NotInitializedError);
    const mine = new NotInitializedError('x');
    expect((err as Error).name).toBe(mine.name);
    expect((err as NotInitializedError).code).toBe(mine.code);
    expect(mine.code).toBe('E_NOT_INITIALIZED');
    // The js backend is a chunk of its own: before it is loaded, the error says how.
    expect(() => Fresh.modern({ backend: 'js' })).toThrow(Fresh404);
    expect(() => Fresh.modern({ backend: 'js' })).toThrow(/the js backend is not loaded; call `await init\(\{ backend: 'js' \}\)`/);
    await fresh.init({ backend: 'js' });
    expect(Fresh.modern({ backend: 'js' }).paramCount()).toBe(61706);
    expect(fresh.createBackend().name).toBe('js');
  });
});

describe('one exported hierarchy', () => {
  it('every error class is exported from the package entry and derives from Lenet5Error', () => {
    const classes = Object.entries(errors).filter(([, v]) => typeof v === 'function') as [string, ErrorClass][];
    expect(classes.length).toBeGreaterThanOrEqual(14);
    for (const [name, cls] of classes) {
      expect((api as Record<string, unknown>)[name], `${name} exported from the entry`).toBe(cls);
      expect(cls === Lenet5Error || cls.prototype instanceof Lenet5Error, name).toBe(true);
    }
    expect(ModelFileError.prototype).toBeInstanceOf(DataFormatError);
    expect(new ModelFileError('x: y').code).toBe('E_MODEL_FILE');
    expect(new CheckpointError('x').code).toBe('E_CHECKPOINT');
  });

  it('the CLI maps data/model errors to exit 1 and usage/API misuse to exit 2', async () => {
    expect(exitCodeOf(new DataFormatError('x'))).toBe(1);
    expect(exitCodeOf(new ModelFileError('x'))).toBe(1);
    expect(exitCodeOf(new ImageDecodeError('x'))).toBe(1);
    expect(exitCodeOf(new NoInkError('x'))).toBe(1);
    expect(exitCodeOf(new MemoryLimitError('x', 1, 1))).toBe(1);
    expect(exitCodeOf(new TrainingDivergedError('x', { step: 0, epoch: 0, batch: 0, layer: 'l', quantity: 'loss' }))).toBe(1);
    expect(exitCodeOf(new InvalidArgumentError('x'))).toBe(2);
    expect(exitCodeOf(new NotInitializedError('x'))).toBe(2);
    // A flag value the library refuses (batch larger than the data) exits 2 with one line.
    const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');
    const r = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(process.execPath, [cli, 'train', '--data', 'digits', '--epochs', '1', '--batch-size', '1000000', '--out', join(dir, 'x.lenet5')],
        { cwd: dir, timeout: 60_000 }, (err, _stdout, stderr) => done({ code: err ? (err.code as number) : 0, stderr }));
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^lenet5: fit: batchSize must be an integer >= 1 and at most \d+/);
  }, 60_000);
});
