/**
 * Save/load: the file round-trips to identical predictions (and, with training state, to an identical
 * continuation of training); every kind of damage is rejected with a message naming what is wrong.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import type { Dataset } from '../../src/data/dataset.js';
import { decodeModel, encodeModel, ModelFileError, crc32 } from '../../src/io/format.js';
import { loadModel, saveModel } from '../../src/io/node.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { fashionOrDigits } from '../util/data.js';

let train: Dataset;
let test: Dataset;
const dir = mkdtempSync(join(tmpdir(), 'lenet5-io-'));

beforeAll(async () => {
  await init();
  // Fashion-MNIST when the data folder has it, else the packaged digits: either is real data to train on.
  const d = await fashionOrDigits('save/load');
  train = d.train.subset(0, 256);
  test = d.test.subset(0, 64);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bitsEqual = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

describe.each(['modern', 'classic'] as const)('%s: save -> load -> predict', (preset) => {
  const make = (): LeNet5 => (preset === 'modern' ? LeNet5.modern({ seed: 11 }) : LeNet5.classic({ seed: 11 }));

  it('gives identical outputs and summary, on either backend', async () => {
    const net = make();
    await net.fit(train, { epochs: 1, batchSize: 16 });
    const bytes = net.save();
    const back = LeNet5.load(bytes);
    expect(back.preset).toBe(preset);
    expect(back.summary()).toBe(net.summary());
    expect(bitsEqual(back.getWeights(), net.getWeights())).toBe(true);
    const a = net.predictBatch(test.images, test.count);
    const b = back.predictBatch(test.images, test.count);
    expect(bitsEqual(b.scores, a.scores)).toBe(true);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    // The same file on the js backend predicts the same classes.
    const js = LeNet5.load(bytes, { backend: 'js' });
    expect(Array.from(js.predictBatch(test.images, 16).labels)).toEqual(Array.from(a.labels.subarray(0, 16)));
  });

  it('with training state, resumes exactly where an uninterrupted run would be', async () => {
    const straight = make();
    await straight.fit(train, { epochs: 2, batchSize: 16 });
    const first = make();
    await first.fit(train, { epochs: 1, batchSize: 16 });
    const resumed = LeNet5.load(first.save({ training: true }));
    expect(resumed.epochsTrained).toBe(1);
    await resumed.fit(train, { epochs: 1, batchSize: 16 });
    expect(bitsEqual(resumed.getWeights(), straight.getWeights())).toBe(true);
  });
});

describe('model files on disk (Node)', () => {
  it('saveModel/loadModel round-trip; a missing file is named', async () => {
    const net = LeNet5.modern({ seed: 1 });
    const path = join(dir, 'm.lenet5');
    await saveModel(net, path);
    const back = await loadModel(path);
    expect(bitsEqual(back.getWeights(), net.getWeights())).toBe(true);
    await expect(loadModel(join(dir, 'nope.lenet5'))).rejects.toThrow(/nope\.lenet5: cannot read the model file \(ENOENT\)/);
  });
});

describe('corrupted files are rejected with clear errors', () => {
  const good = (): Uint8Array => LeNet5.modern({ seed: 1 }).save();
  const headerOf = (b: Uint8Array): { json: Record<string, unknown>; H: number } => {
    const H = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
    return { json: JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + H))), H };
  };
  /** Rebuilds a file with an edited header (payload and its CRC unchanged). */
  const withHeader = (b: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array => {
    const { json, H } = headerOf(b);
    edit(json);
    let text = new TextEncoder().encode(JSON.stringify(json));
    const padded = new Uint8Array(Math.ceil(text.length / 4) * 4).fill(0x20);
    padded.set(text);
    text = padded;
    const out = new Uint8Array(16 + text.length + (b.length - 16 - H));
    out.set(b.subarray(0, 16));
    new DataView(out.buffer).setUint32(12, text.length, true);
    out.set(text, 16);
    out.set(b.subarray(16 + H), 16 + text.length);
    return out;
  };
  const rejects = (bytes: Uint8Array, pattern: RegExp): void => {
    let err: unknown;
    try {
      LeNet5.load(bytes, { source: 'net.lenet5' });
    } catch (e) {
      err = e;
    }
    expect(err, `expected ${pattern} to be thrown`).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(/^net\.lenet5: /);
    expect((err as Error).message).toMatch(pattern);
  };

  it('empty, too short, wrong magic, text-mode damage, future version', () => {
    rejects(new Uint8Array(0), /only 0 bytes: too short/);
    rejects(good().subarray(0, 10), /too short/);
    rejects(new TextEncoder().encode('{"weights": [1, 2, 3], "padding": "xxxxxxxx"}'), /not a lenet5 model file/);
    const crlf = good();
    crlf[6] = 0x0a; // "\r\n" -> "\n\n": what a text-mode copy does
    rejects(crlf, /line break after "LENET5" was altered/);
    const future = good();
    new DataView(future.buffer).setUint32(8, 99, true);
    rejects(future, /format version 99 is newer than this library reads \(1\)/);
  });

  it('truncated header, truncated payload, appended bytes', () => {
    const b = good();
    const { H } = headerOf(b);
    rejects(b.subarray(0, 16 + H - 8), /the header claims \d+ bytes but only \d+ follow \(truncated file\)/);
    rejects(b.subarray(0, b.length - 4), /the payload holds \d+ bytes but the header declares \d+ \(truncated file\)/);
    const longer = new Uint8Array(b.length + 4);
    longer.set(b);
    rejects(longer, /extra bytes appended/);
  });

  it('flipped payload bits fail the checksum; a broken header is not JSON', () => {
    const b = good();
    b[b.length - 100]! ^= 0x10;
    rejects(b, /payload checksum mismatch.*corrupted data/);
    const c = good();
    c[16] = 0x23; // "#" instead of the opening "{"
    rejects(c, /the header is not valid JSON/);
  });

  it('an architecture that does not match the tensors, unknown layers, NaN weights', () => {
    rejects(withHeader(good(), (h) => { h.tensors[0].shape = [6, 1, 3, 3]; }),
      /tensor conv1\.weight has shape \[6,1,3,3\] in the file but the architecture needs \[6, 1, 5, 5\]/);
    rejects(withHeader(good(), (h) => { h.tensors.splice(1, 1); }), /tensor conv1\.bias \(shape \[6\]\) is missing/);
    rejects(withHeader(good(), (h) => { h.model.layers[0].filters = 7; }), /tensor conv1\.weight has shape/);
    rejects(withHeader(good(), (h) => { h.model.layers[3].type = 'conv3d'; }), /invalid model: layer 3: unknown layer type "conv3d"/);
    rejects(withHeader(good(), (h) => { h.model.layers[11].rate = 1.5; }), /invalid model: .*dropout rate must be in \[0, 1\)/);
    rejects(withHeader(good(), (h) => { delete h.model; }), /no model architecture/);
    rejects(withHeader(good(), (h) => { h.format = 'keras'; }), /does not describe a lenet5 model/);
    // NaN in the payload with a matching checksum: caught by the value check, named by tensor.
    const net = LeNet5.modern({ seed: 1 });
    const w = net.getWeights();
    w[160] = NaN;
    const bytes = encodeModel({ model: net.model, params: w, preset: 'modern', seed: 1 });
    rejects(bytes, /tensor conv2\.weight at element 4 holds NaN/);
  });

  it('decodes a valid file into its parts', () => {
    const d = decodeModel(good());
    expect(d.header.formatVersion).toBe(1);
    expect(d.header.model.layers).toHaveLength(14);
    expect(d.params.length).toBe(d.model.paramBlockLength);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    writeFileSync(join(dir, 'ok.lenet5'), good());
  });
});
