/**
 * One prediction shape for both presets (predict, predictBatch, at(i), the threaded predictor) and one
 * save/load API in Node: saveTo/loadFrom with paths, file: URLs, http URLs, Blobs, bytes and functions,
 * saveModel/loadModel as aliases, and clear errors for the browser-only destinations.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import type { Dataset } from '../../src/data/dataset.js';
import { InvalidArgumentError, ModelFileError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/io/node.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { loadDigitsSheet as digits } from '../util/data.js';

let data: Dataset;
const dir = mkdtempSync(join(tmpdir(), 'lenet5-saveto-'));

beforeAll(async () => {
  await init();
  data = (await digits()).subset(0, 40);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe.each(['modern', 'classic'] as const)('%s: one prediction shape', (preset) => {
  it('predict gives label, probabilities and scores; predictBatch the same, batched, with at(i)', async () => {
    const net = await LeNet5.pretrained(preset);
    const batch = net.predictBatch(data.images, data.count);
    expect(batch.kind).toBe(preset === 'modern' ? 'probabilities' : 'penalties');
    expect(batch.probabilities).toHaveLength(data.count * 10);
    for (let i = 0; i < data.count; i++) {
      const p = net.predict(data.image(i));
      const q = batch.at(i);
      expect(p.label).toBe(q.label);
      expect(p.kind).toBe(batch.kind);
      expect(same(p.scores, q.scores)).toBe(true);
      expect(same(p.probabilities, q.probabilities)).toBe(true);
      expect(p.probabilities.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      // The label is the most probable class for both presets.
      expect(p.label).toBe(p.probabilities.indexOf(Math.max(...p.probabilities)));
      if (preset === 'modern') {
        expect(same(p.probabilities, p.scores)).toBe(true);
        expect(p.probabilities.buffer).toBe(p.scores.buffer);
      } else {
        // Classic: scores are the RBF penalties (least wins), probabilities the softmax of -penalties.
        expect(p.label).toBe(p.scores.indexOf(Math.min(...p.scores)));
        const m = Math.min(...p.scores);
        const e = Array.from(p.scores, (y) => Math.exp(-(y - m)));
        const sum = e.reduce((s, v) => s + v, 0);
        p.probabilities.forEach((v, c) => expect(v).toBeCloseTo(e[c]! / sum, 6));
      }
    }
    expect(batch.at(-1).label).toBe(batch.labels[data.count - 1]);
    expect(() => batch.at(data.count)).toThrow(/index 40 is outside the 40 images/);
    // A Dataset, or all the images without a count.
    expect(Array.from(net.predictBatch(data).labels)).toEqual(Array.from(batch.labels));
    expect(Array.from(net.predictBatch(data.images).labels)).toEqual(Array.from(batch.labels));
  });

  it('the threaded predictor returns the same shape', async () => {
    // The built package: its worker threads load dist/train/worker.js.
    const lib = await import('../../dist/index.node.js');
    await lib.init();
    const net = await lib.LeNet5.pretrained(preset);
    const p = await net.predictor({ threads: 2, warn: () => undefined });
    try {
      const r = await p.predict(data.images);
      const one = net.predictBatch(data.images, data.count);
      expect(r.count).toBe(data.count);
      expect(Array.from(r.labels)).toEqual(Array.from(one.labels));
      expect(r.probabilities).toHaveLength(data.count * 10);
      expect(r.at(3).label).toBe(one.labels[3]);
    } finally {
      await p.close();
    }
  });
});

describe('saveTo / loadFrom in Node', () => {
  let server: Server;
  let base = '';
  let served: Uint8Array = new Uint8Array(0);
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/model.lenet5') res.end(served);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('round-trips through a path, a file: URL, an http URL, a Blob, bytes and a function', async () => {
    const net = LeNet5.modern({ seed: 5 });
    await net.fit(data, { epochs: 1, batchSize: 8 });
    const w = net.getWeights();
    const path = join(dir, 'a.lenet5');
    await net.saveTo(path);
    expect(readFileSync(path).equals(net.save())).toBe(true);
    expect(same((await LeNet5.loadFrom(path)).getWeights(), w)).toBe(true);
    const url = pathToFileURL(join(dir, 'b c.lenet5'));
    await net.saveTo(url);
    expect(same((await LeNet5.loadFrom(url.href)).getWeights(), w)).toBe(true);
    served = net.save();
    expect(same((await LeNet5.loadFrom(`${base}/model.lenet5`)).getWeights(), w)).toBe(true);
    expect(same((await LeNet5.loadFrom(new URL(`${base}/model.lenet5`))).getWeights(), w)).toBe(true);
    expect(same((await LeNet5.loadFrom(new Blob([net.save().slice().buffer]))).getWeights(), w)).toBe(true);
    expect(same((await LeNet5.loadFrom(net.save())).getWeights(), w)).toBe(true);
    const got: Uint8Array[] = [];
    await net.saveTo(async (bytes) => { got.push(bytes); });
    expect(got).toHaveLength(1);
    expect(Buffer.from(got[0]!).equals(net.save())).toBe(true);
  });

  it('with training state, continues exactly; saveModel/loadModel are aliases', async () => {
    const a = LeNet5.modern({ seed: 2 });
    await a.fit(data, { epochs: 2, batchSize: 8 });
    const b = LeNet5.modern({ seed: 2 });
    await b.fit(data, { epochs: 1, batchSize: 8 });
    await saveModel(b, join(dir, 'half.lenet5'), { training: true });
    const c = await loadModel(join(dir, 'half.lenet5'));
    expect(c.epochsTrained).toBe(1);
    await c.fit(data, { epochs: 1, batchSize: 8 });
    expect(same(c.getWeights(), a.getWeights())).toBe(true);
  });

  it('names what is wrong', async () => {
    const net = LeNet5.modern();
    await expect(LeNet5.loadFrom(join(dir, 'missing.lenet5'))).rejects.toThrow(/missing\.lenet5: cannot read the model file \(ENOENT\)/);
    await expect(LeNet5.loadFrom(`${base}/nothing`)).rejects.toThrow(ModelFileError);
    await expect(LeNet5.loadFrom(`${base}/nothing`)).rejects.toThrow(/nothing: cannot fetch the model file \(HTTP 404\)/);
    await expect(net.saveTo('indexeddb://m')).rejects.toThrow(/there is no IndexedDB here/);
    await expect(LeNet5.loadFrom('indexeddb://m')).rejects.toThrow(InvalidArgumentError);
    await expect(net.saveTo('downloads://m')).rejects.toThrow(/downloads need a page/);
    await expect(net.saveTo('indexeddb://')).rejects.toThrow(/indexeddb:\/\/ needs a name/);
    await expect(net.saveTo('s3://bucket/m')).rejects.toThrow(/unknown scheme s3:\/\//);
    await expect(net.saveTo(`${base}/up`)).rejects.toThrow(/saving to a URL is not supported/);
    await expect(LeNet5.loadFrom(42 as never)).rejects.toThrow(/loadFrom: expected a path/);
  });
});
