/**
 * Bounded resources when reading files: devices, pipes and folders are refused by name, a file is checked
 * for its size and magic before it is read whole, a model's whole arena layout is checked against the
 * memory limit before the memory grows, and gzip inflation stops past the size the IDX header declares.
 * Peak memory is measured in child processes running dist/ (built by `npm test` before vitest), each
 * bounded: the inputs are at most a few hundred MB before the fix.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { createJsBackend } from '../../src/backend/js-backend.js';
import { readImageFile } from '../../src/data/decode.node.js';
import { readIdx } from '../../src/data/idx.js';
import { loadMnist } from '../../src/data/mnist.node.js';
import { inflateIdx } from '../../src/data/read.node.js';
import { DataFormatError, ImageDecodeError, MemoryLimitError, ModelFileError } from '../../src/errors.js';
import { encodeModel } from '../../src/io/format.js';
import { loadModel } from '../../src/io/node.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Flatten, Padding } from '../../src/layers/reshape.js';
import { MaxPool2D } from '../../src/layers/pool.js';
import { Softmax } from '../../src/layers/activation.js';
import type { Layer } from '../../src/layers/layer.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { Sequential } from '../../src/models/sequential.js';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = pathToFileURL(resolve(here, '../../dist/index.node.js')).href;
const unix = process.platform !== 'win32';
let dir: string;

beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), 'lenet5-limits-'));
});

afterAll(() => {
  execFileSync('rm', ['-rf', dir]);
});

/** A sparse file of `size` bytes (no disk used) starting with `head`. */
function sparse(path: string, size: number, head: Uint8Array = new Uint8Array(0)): string {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  if (head.length > 0) writeSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  return path;
}

/** An IDX header: magic 00 00 08 <rank>, then the dims. */
function idxHeader(dims: number[]): Uint8Array {
  const b = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x800 + dims.length);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  return b;
}

/** Runs `body` (an ES module's text, `lib` = dist's lenet5/node) in a child; resolves with its last line and peak RSS. */
function child(body: string): Promise<{ out: string; peakMB: number }> {
  const script = `const lib = await import(${JSON.stringify(DIST)}); await lib.init();
let out; try { out = await (async () => { ${body} })(); } catch (e) { out = (e instanceof lib.Lenet5Error ? '' : 'foreign ') + e.name + ': ' + e.message; }
console.log(JSON.stringify({ out, peakMB: Math.round(process.resourceUsage().maxRSS / 1024) }));`;
  return new Promise((res, rej) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${err.message}\n${stderr}`));
      else res(JSON.parse(stdout.trim().split('\n').pop()!) as { out: string; peakMB: number });
    });
  });
}

describe('only regular files are read, and their names are in the errors', () => {
  it.skipIf(!unix)('/dev/zero as a model or an image: refused at once, naming the path', async () => {
    const m = await loadModel('/dev/zero').catch((e: unknown) => e);
    expect(m).toBeInstanceOf(ModelFileError);
    expect((m as Error).message).toBe('/dev/zero: is a character device, not a regular file; refusing to read it as a model file');
    const i = await readImageFile('/dev/zero').catch((e: unknown) => e);
    expect(i).toBeInstanceOf(ImageDecodeError);
    expect((i as Error).message).toBe('/dev/zero: is a character device, not a regular file; refusing to read it as an image');
  });

  it.skipIf(!unix)('a FIFO (which would block) and a folder', async () => {
    const fifo = join(dir, 'pipe.lenet5');
    execFileSync('mkfifo', [fifo]);
    await expect(loadModel(fifo)).rejects.toThrow(new ModelFileError(`${fifo}: is a named pipe (FIFO), not a regular file; refusing to read it as a model file`, fifo));
    await expect(readImageFile(dir)).rejects.toThrow(ImageDecodeError);
    await expect(readImageFile(dir)).rejects.toThrow(new RegExp(`^${dir}: is a folder`));
  });

  it('a 3 GB IDX file: a DataFormatError naming the file and the limit, nothing read', async () => {
    const d = join(dir, 'big');
    mkdirSync(d);
    const images = sparse(join(d, 't10k-images-idx3-ubyte'), 3e9, idxHeader([3_826_530, 28, 28]));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), new Uint8Array([...idxHeader([2]), 0, 1]));
    const err = await loadMnist({ dir: d, split: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toBe(`${images}: 3000000000 bytes, over the 1073742848-byte limit for an IDX file; refusing to read it ` +
      '(not the expected file, or corrupt)');
  });

  it('a raw IDX file whose size differs from its header: refused from the header, before the rest is read', async () => {
    const d = join(dir, 'padded');
    mkdirSync(d);
    const images = sparse(join(d, 't10k-images-idx3-ubyte'), 200e6, idxHeader([10, 28, 28]));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), new Uint8Array([...idxHeader([10]), ...new Uint8Array(10)]));
    await expect(loadMnist({ dir: d, split: 'test' })).rejects.toThrow(new DataFormatError(
      `${images}: the IDX header declares 7856 bytes (header and elements) but the file holds 200000000: the file has trailing bytes`, images));
  });
});

describe('peak memory, in a child process', () => {
  it('a 300 MB junk file as a model: refused from its first bytes, not read whole', async () => {
    const junk = sparse(join(dir, 'junk.lenet5'), 300e6);
    const r = await child(`return lib.loadModel(${JSON.stringify(junk)}).then(() => 'loaded');`);
    expect(r.out).toBe(`ModelFileError: ${junk}: not a lenet5 model file (the first bytes are not "LENET5")`);
    expect(r.peakMB).toBeLessThan(150);
  });

  it('a 1.4 KB model declaring huge activations: a MemoryLimitError before the memory grows', async () => {
    // Padding 900 makes a 1828x1828 map: 32 samples of it, its gradient and the pooled maps need over 1 GiB together.
    const path = join(dir, 'crafted.lenet5');
    writeFileSync(path, craftedModel(900));
    const r = await child(`return lib.loadModel(${JSON.stringify(path)}, { maxMemoryBytes: 2 ** 30 }).then(() => 'loaded');`);
    expect(r.out).toBe("MemoryLimitError: arena: maxpool2d_2.out needs 26732672 bytes but the arena is limited to 1073741824 bytes " +
      "(1069508784 already used); use a smaller batch or raise the memory limit (maxMemoryBytes)");
    expect(r.peakMB).toBeLessThan(150);
  });

  it('a gzip bomb (1 MB inflating to 256 MB) declaring 10 labels: stops past 18 bytes', async () => {
    const d = join(dir, 'bomb');
    mkdirSync(d);
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), new Uint8Array([...idxHeader([10, 28, 28]), ...new Uint8Array(7840)]));
    const bomb = new Uint8Array(256 << 20);
    bomb.set(idxHeader([10]));
    const labels = join(d, 't10k-labels-idx1-ubyte.gz');
    writeFileSync(labels, gzipSync(bomb, { level: 9 }));
    const r = await child(`return lib.loadMnist({ dir: ${JSON.stringify(d)}, split: 'test' }).then(() => 'loaded');`);
    expect(r.out).toBe(`DataFormatError: ${labels}: gzip data inflates to more than the 18 bytes its header declares; ` +
      'refusing (corrupt file or not a dataset)');
    expect(r.peakMB).toBeLessThan(150);
  });
});

/** A valid model file (a few hundred parameters) whose Padding layer declares a (28 + 2 pad)^2 map. */
function craftedModel(pad: number): Uint8Array {
  const layers: Layer[] = [new Padding({ pad })];
  for (let s = 28 + 2 * pad; s > 4; s = Math.floor(s / 2)) layers.push(new MaxPool2D());
  layers.push(new Flatten(), new Dense({ units: 10 }), new Softmax());
  const model = new Sequential(layers, { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } });
  return encodeModel({ model, params: new Float32Array(model.paramBlockLength).fill(0.01), preset: null, seed: 1 });
}

describe('gzip inflation is capped at the size the IDX header declares', () => {
  const bomb = new Uint8Array(8 << 20);
  bomb.set(idxHeader([10]));
  const gz = new Uint8Array(gzipSync(bomb));

  it('node:zlib (the Node loaders)', () => {
    expect(() => inflateIdx(gz, 'bomb.gz')).toThrow(
      new DataFormatError('bomb.gz: gzip data inflates to more than the 18 bytes its header declares; refusing (corrupt file or not a dataset)', 'bomb.gz'));
  });

  it('DecompressionStream (readIdx, browsers)', async () => {
    await expect(readIdx(gz, { name: 'bomb.gz' })).rejects.toThrow(
      new DataFormatError('bomb.gz: gzip data inflates to more than the 18 bytes its header declares; refusing (corrupt file or not a dataset)', 'bomb.gz'));
  });

  it('a header declaring more than the limit is refused before inflating', () => {
    const huge = new Uint8Array(gzipSync(idxHeader([60000, 60000, 60000])));
    expect(() => inflateIdx(huge, 'huge.gz')).toThrow(/^huge\.gz: dims \[60000, 60000, 60000\] describe 216000000000000 bytes of uint8, over the 1073741824-byte limit; refusing$/);
  });

  it('valid gzipped files still inflate whole', async () => {
    const raw = new Uint8Array([...idxHeader([3]), 1, 2, 3]);
    expect(inflateIdx(new Uint8Array(gzipSync(raw)), 'ok.gz')).toEqual(raw);
    expect(Array.from((await readIdx(new Uint8Array(gzipSync(raw)))).data)).toEqual([1, 2, 3]);
  });
});

describe("a model's layout is checked whole before the arena grows", () => {
  const models: [string, () => Sequential][] = [
    ['modern', () => LeNet5.modern({ backend: 'js', seed: 1 }).model],
    ['classic', () => LeNet5.classic({ backend: 'js', seed: 1 }).model],
  ];
  it.each(models)('%s: the planned layout ends exactly where the real one does', (_name, make) => {
    const m = make();
    expect(m.layoutEnd(32)).toBe(m.backend.arena.used);
  });

  it('a custom net with dropout, max pooling and an MSE loss', () => {
    const m = new Sequential([new MaxPool2D(), new Flatten(), new Dropout({ rate: 0.5 }), new Dense({ units: 10 })],
      { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'mse' } }).build(createJsBackend(), 7);
    expect(m.layoutEnd(7)).toBe(m.backend.arena.used);
  });

  it('over the limit: refused with nothing allocated', () => {
    const m = new Sequential([new Padding({ pad: 900 }), new Flatten(), new Dense({ units: 10 }), new Softmax()],
      { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } });
    const b = createJsBackend(2 ** 28);
    expect(() => m.build(b, 32)).toThrow(MemoryLimitError);
    expect(b.arena.used).toBe(0);
    expect(b.arena.capacity).toBeLessThan(2 ** 20);
  });
});
