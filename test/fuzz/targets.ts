/**
 * Fuzz targets shared by `test/fuzz/run.ts` (>= 10,000 cases per target) and the CI tests
 * (`test/reliability/fuzz.test.ts`, a few hundred): generated and mutated inputs for the IDX parser, the
 * model loader and the image decoder + preprocessing. The property is the same everywhere: the call
 * either returns a well-formed result or throws one of our typed errors (a Lenet5Error), never anything
 * else, and no case takes longer than CASE_MS.
 */
import fc from 'fast-check';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { gzipSync } from 'node:zlib';
import { decodeImage } from '../../src/data/decode.js';
import { parseIdxImages, parseIdxLabels, readIdx, writeIdx, type IdxData } from '../../src/data/idx.js';
import { preprocessImage, type RasterImage } from '../../src/data/image.js';
import { Lenet5Error } from '../../src/errors.js';
import { crc32, encodeModel } from '../../src/io/format.js';
import { inflateIdx } from '../../src/data/read.node.js';
import { Sequential } from '../../src/models/sequential.js';
import { Padding } from '../../src/layers/reshape.js';
import { MaxPool2D } from '../../src/layers/pool.js';
import type { Layer } from '../../src/layers/layer.js';
import { Dense } from '../../src/layers/dense.js';
import { Flatten } from '../../src/layers/reshape.js';
import { Softmax } from '../../src/layers/activation.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { adam } from '../../src/train/optimizers.js';

/** Upper bound of one case, in milliseconds. */
export const CASE_MS = 2000;

export interface FuzzTarget<T = Uint8Array> {
  name: string;
  /** Generated and mutated inputs. */
  arbitrary: fc.Arbitrary<T>;
  /** Runs one case; resolves with the outcome ('ok' or the error class), throws on a foreign error. */
  run(input: T): Promise<string>;
}

/** Classifies a thrown value: our typed errors are outcomes, anything else is a finding. */
function typed(err: unknown, where: string): string {
  if (err instanceof Lenet5Error) {
    if (typeof err.message !== 'string' || err.message.length < 10) throw new Error(`${where}: ${err.name} with an empty message`);
    return err.name;
  }
  const e = err as Error;
  throw new Error(`${where}: foreign error ${e?.name ?? typeof err}: ${e?.message ?? String(err)}`, { cause: err });
}

/** Fails the case when it ran longer than CASE_MS (synchronous work cannot be interrupted from inside). */
async function timed(where: string, body: () => Promise<string>): Promise<string> {
  const t0 = performance.now();
  const out = await body();
  const ms = performance.now() - t0;
  if (ms > CASE_MS) throw new Error(`${where}: one case took ${ms.toFixed(0)} ms (limit ${CASE_MS})`);
  return out;
}

// ---------------------------------------------------------------- byte-level mutation

/** Overwrites, inserts, cuts and appends bytes of `base`; `keep` leading bytes (magic) stay intact. */
export function mutateBytes(base: fc.Arbitrary<Uint8Array>, keep = 0): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      base,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.uint8Array({ maxLength: 12 }),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x00, 0xff, 0x7f, 0x80)), { maxLength: 2 }),
    )
    .map(([bytes, edits, cut, tail, extremes]) => {
      const out = new Uint8Array(bytes.length + tail.length);
      out.set(bytes);
      out.set(tail, bytes.length);
      const span = out.length - keep;
      if (span > 0) {
        for (const [pos, val] of edits) out[keep + (pos % span)] = val;
        // Runs of 0xff / 0x00 make big-endian and little-endian sizes absurd.
        for (const [pos, val] of extremes) out.fill(val, keep + (pos % span), Math.min(out.length, keep + (pos % span) + 4));
      }
      return cut === undefined ? out : out.subarray(0, Math.max(Math.min(keep, out.length), cut % (out.length + 1)));
    });
}

// ---------------------------------------------------------------- IDX

const IDX_TYPES = ['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'] as const;

function idxSample(type: (typeof IDX_TYPES)[number], n: number): IdxData {
  switch (type) {
    case 'uint8': return new Uint8Array(n).map((_, i) => i * 7);
    case 'int8': return new Int8Array(n).map((_, i) => i - 3);
    case 'int16': return new Int16Array(n).map((_, i) => i * 300 - 1000);
    case 'int32': return new Int32Array(n).map((_, i) => i * 70000 - 5);
    case 'float32': return new Float32Array(n).map((_, i) => i / 3);
    case 'float64': return new Float64Array(n).map((_, i) => i / 7);
  }
}

const validIdx = fc
  .record({
    type: fc.constantFrom(...IDX_TYPES),
    dims: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ type, dims }) => writeIdx(dims, idxSample(type, dims.reduce((a, b) => a * b, 1))));

const mnistLikeIdx = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.boolean())
  .map(([n, labels]) => (labels ? writeIdx([n], new Uint8Array(n).map((_, i) => (i * 3) % 12)) : writeIdx([n, 4, 4], new Uint8Array(n * 16).fill(9))));

export const idxTarget: FuzzTarget = {
  name: 'IDX parser (readIdx, parseIdxImages, parseIdxLabels; raw and gzip)',
  arbitrary: fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    validIdx,
    validIdx.map((raw) => new Uint8Array(gzipSync(raw))),
    mutateBytes(validIdx),
    mutateBytes(mnistLikeIdx),
    // Gzip: keep the magic so the gzip path is taken, mutate the stream and what it inflates to.
    mutateBytes(mutateBytes(validIdx).map((raw) => new Uint8Array(gzipSync(raw))), 3),
  ),
  run: (bytes) =>
    timed('idx', async () => {
      const outcomes: string[] = [];
      try {
        const r = await readIdx(bytes, { name: 'fuzz.idx' });
        if (r.data.length !== r.dims.reduce((a, b) => a * b, 1)) throw new Error('idx: data length differs from the dims');
        outcomes.push('ok');
      } catch (err) {
        outcomes.push(typed(err, 'readIdx'));
      }
      for (const parse of [parseIdxImages, parseIdxLabels]) {
        try {
          parse(bytes, { name: 'fuzz.idx' });
        } catch (err) {
          typed(err, parse.name);
        }
      }
      return outcomes[0]!;
    }),
};

// ---------------------------------------------------------------- model files

/** Valid model files to mutate: a small custom net (with Adam state and a mid-run checkpoint), the presets. */
export async function modelSeeds(): Promise<Uint8Array[]> {
  const tiny = (): LeNet5 => LeNet5.fromLayers([new Flatten(), new Dense({ units: 12 }), new Dense({ units: 10 }), new Softmax()],
    { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } }, { seed: 3, batchSize: 4 });
  const images = new Uint8Array(16 * 784).map((_, i) => (i * 31) % 256);
  const labels = new Uint8Array(16).map((_, i) => i % 10);
  const net = tiny();
  let checkpoint: Uint8Array | null = null;
  await net.fit({ images, labels }, {
    epochs: 1, batchSize: 4, optimizer: adam(),
    checkpoint: { every: 2, write: (b) => { checkpoint ??= b; } },
  });
  const seeds = [tiny().save(), net.save({ training: true }), checkpoint!, LeNet5.modern({ seed: 1 }).save(), LeNet5.classic({ seed: 1 }).save()];
  for (const n of [net]) n.dispose();
  return seeds;
}

interface Parsed { json: Record<string, unknown>; payload: Uint8Array; version: number }

function parseFile(b: Uint8Array): Parsed {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const H = dv.getUint32(12, true);
  return { json: JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + H))), payload: b.slice(16 + H), version: dv.getUint32(8, true) };
}

/** Re-assembles a file from its parts; the CRC is recomputed unless `keepCrc` (so deeper checks run). */
function buildFile(p: Parsed, keepCrc = false): Uint8Array {
  if (!keepCrc && p.json && typeof p.json === 'object') p.json['crc32'] = crc32(p.payload);
  const text = new TextEncoder().encode(JSON.stringify(p.json));
  const H = Math.ceil(text.length / 4) * 4;
  const out = new Uint8Array(16 + H + p.payload.length).fill(0x20, 16, 16 + H);
  out.set([0x4c, 0x45, 0x4e, 0x45, 0x54, 0x35, 0x0d, 0x0a]);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, p.version, true);
  dv.setUint32(12, H, true);
  out.set(text, 16);
  out.set(p.payload, 16 + H);
  return out;
}

/** Every path (list of keys) in a JSON value. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1e9, 2 ** 31, 2 ** 53, 1e308, -1e308, 0.5, null, '', 'NaN', [], {}, [1e9, 1e9], [0]),
);

/** A structural edit of the JSON header: replace or delete one node, or give it a hostile value. */
const headerEdit = fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'replace'), hostile, fc.boolean());

function applyHeaderEdit(file: Uint8Array, [pick, action, value, keepCrc]: [number, string, unknown, boolean]): Uint8Array {
  const p = parseFile(file);
  const all = paths(p.json).filter((x) => x.length > 0);
  const path = all[pick % all.length]!;
  let node = p.json as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (action === 'delete') {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else {
    node[last] = value;
  }
  return buildFile(p, keepCrc && !path.includes('crc32'));
}

/** Random float32 bit patterns (NaN, Inf, denormals, huge) written into the payload, CRC fixed. */
const payloadEdit = fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x7fc00000, 0x7f800000, 0xff800000, 0x00000001, 0x7f7fffff, 0x3f800000)),
  { minLength: 1, maxLength: 3 });

function applyPayloadEdit(file: Uint8Array, edits: [number, number][]): Uint8Array {
  const p = parseFile(file);
  const n = p.payload.length / 4;
  const dv = new DataView(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength);
  for (const [at, bits] of edits) if (n > 0) dv.setUint32((at % n) * 4, bits, true);
  return buildFile(p);
}

export function modelTarget(seeds: Uint8Array[]): FuzzTarget {
  const seed = fc.constantFrom(...seeds);
  // Header edits on the small files only: rebuilding a 250 KB preset file per case is slow and adds nothing.
  const small = fc.constantFrom(...seeds.slice(0, 3));
  return {
    name: 'model loader (LeNet5.load / decodeModel)',
    arbitrary: fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([0x4c, 0x45, 0x4e, 0x45, 0x54, 0x35, 0x0d, 0x0a, ...b])) },
      { weight: 3, arbitrary: mutateBytes(seed) },
      { weight: 2, arbitrary: mutateBytes(seed, 16) },
      { weight: 6, arbitrary: fc.tuple(small, headerEdit).map(([f, e]) => applyHeaderEdit(f, e)) },
      { weight: 2, arbitrary: fc.tuple(small, headerEdit, headerEdit).map(([f, a, b]) => applyHeaderEdit(applyHeaderEdit(f, a), b)) },
      { weight: 2, arbitrary: fc.tuple(seed, payloadEdit).map(([f, e]) => applyPayloadEdit(f, e)) },
    ),
    run: (bytes) =>
      timed('model', async () => {
        let net: LeNet5;
        try {
          net = LeNet5.load(bytes, { source: 'fuzz.lenet5' });
        } catch (err) {
          return typed(err, 'LeNet5.load');
        }
        // Whatever loads must run: one prediction with finite scores.
        try {
          const [h, w] = net.model.imageSize;
          const r = net.predict(new Uint8Array(h * w).fill(128));
          if (!(r.label >= 0 && r.label < net.model.classes)) throw new Error(`model: predicted label ${r.label}`);
          return 'ok';
        } finally {
          net.dispose();
        }
      }),
  };
}

// ---------------------------------------------------------------- images

function ring(w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h).fill(235);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const r = Math.hypot((x - w / 2) / (w / 2.5), (y - h / 2) / (h / 2.5));
      if (r <= 1 && r >= 0.7) data[y * w + x] = 20;
    }
  return data;
}

function imageSeeds(): Uint8Array[] {
  const g = ring(16, 16);
  const rgba = new Uint8Array(16 * 16 * 4).map((_, i) => (i % 4 === 3 ? 255 : g[Math.floor(i / 4)]!));
  return [
    encodePng({ width: 16, height: 16, data: g, channels: 1, depth: 8 }),
    encodePng({ width: 16, height: 16, data: rgba, channels: 4, depth: 8 }),
    encodePng({ width: 8, height: 8, data: new Uint8Array(64).fill(255), channels: 1, depth: 8 }), // blank
    new Uint8Array(jpeg.encode({ width: 16, height: 16, data: rgba }, 80).data),
  ];
}

/** A PNG whose IHDR claims `w` x `h` (CRC fixed): gigantic or zero sizes must be refused before decoding. */
function pngClaiming(png: Uint8Array, w: number, h: number): Uint8Array {
  const o = png.slice();
  const dv = new DataView(o.buffer);
  dv.setUint32(16, w);
  dv.setUint32(20, h);
  dv.setUint32(29, crc32(o.subarray(12, 29)));
  return o;
}

export const imageTarget: FuzzTarget = {
  name: 'image decoder + preprocessing (decodeImage -> preprocessImage)',
  arbitrary: (() => {
    const seeds = imageSeeds();
    const seed = fc.constantFrom(...seeds);
    return fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
      { weight: 4, arbitrary: mutateBytes(fc.constantFrom(seeds[0]!, seeds[1]!, seeds[2]!), 8) },
      { weight: 4, arbitrary: mutateBytes(fc.constant(seeds[3]!), 3) },
      { weight: 1, arbitrary: mutateBytes(seed) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom(seeds[0]!, seeds[1]!), fc.constantFrom(0, 1, 16, 65535, 2 ** 31 - 1, 2 ** 32 - 1), fc.constantFrom(0, 1, 16, 65535, 2 ** 31 - 1))
          .map(([png, w, h]) => pngClaiming(png, w, h)),
      },
    );
  })(),
  run: (bytes) =>
    timed('image', async () => {
      let g;
      try {
        g = await decodeImage(bytes, { name: 'fuzz.png', maxPixels: 1 << 20 });
      } catch (err) {
        return typed(err, 'decodeImage');
      }
      if (g.data.length !== g.width * g.height) throw new Error('image: pixel count differs from width x height');
      try {
        const out = preprocessImage(g, { name: 'fuzz.png' });
        if (out.data.length !== 784) throw new Error(`image: preprocessing gave ${out.data.length} pixels`);
        return 'ok';
      } catch (err) {
        return typed(err, 'preprocessImage');
      }
    }),
};

/** Raw rasters straight into preprocessing: odd sizes (0, huge), wrong lengths, channels, blank or noisy. */
export const rasterTarget: FuzzTarget<RasterImage> = {
  name: 'preprocessImage on raw rasters (sizes, channels, lengths)',
  arbitrary: fc
    .record({
      w: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(-1, 1.5, 1e6, NaN)),
      h: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(-3, 2.5, 1e6)),
      channels: fc.constantFrom(1, 2, 3, 4, 5, 0),
      fill: fc.oneof(fc.constant('noise'), fc.constant('blank'), fc.constant('short')),
      seed: fc.nat(),
    })
    .map(({ w, h, channels, fill, seed }) => {
      const n = Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0 && w * h * channels < 1e5 ? w * h * channels : 16;
      const data = new Uint8Array(fill === 'short' ? Math.max(0, n - 1) : n);
      if (fill === 'noise') for (let i = 0; i < data.length; i++) data[i] = (Math.imul(i + 1, seed | 1) >>> 13) & 255;
      else data.fill(255);
      return { width: w, height: h, data, channels } as RasterImage;
    }),
  run: (img) =>
    timed('raster', async () => {
      try {
        const out = preprocessImage(img, { name: 'raster' });
        if (out.data.length !== 784) throw new Error(`raster: preprocessing gave ${out.data.length} pixels`);
        return 'ok';
      } catch (err) {
        return typed(err, 'preprocessImage');
      }
    }),
};

// ---------------------------------------------------------------- declared sizes (bounded resources)

/** An IDX header of `type` code and dims, then `payload` bytes of 0 (labels 0 stay valid). */
function idxWithHeader(code: number, dims: number[], payload: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload);
  const v = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d >>> 0));
  return out;
}

const hugeDim = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(2 ** 32 - 1, 2 ** 31, 65536, 1e6, 60000), fc.nat());

/** A valid model whose Padding layer declares a (28 + 2 pad)^2 map: a few hundred bytes of weights. */
function paddedModel(pad: number): Uint8Array {
  const layers: Layer[] = [new Padding({ pad })];
  for (let s = 28 + 2 * pad; s > 4; s = Math.floor(s / 2)) layers.push(new MaxPool2D());
  layers.push(new Flatten(), new Dense({ units: 10 }), new Softmax());
  const model = new Sequential(layers, { input: { shape: [1, 28, 28], normalization: 'modern' }, loss: { kind: 'crossentropy' } });
  return encodeModel({ model, params: new Float32Array(model.paramBlockLength).fill(0.01), preset: null, seed: 1 });
}

type BoundsCase =
  | { kind: 'idx'; bytes: Uint8Array; gzip: boolean }
  | { kind: 'model'; bytes: Uint8Array; batchSize: number };

/** Memory limit of the models this target loads: a crafted one must be refused before it grows past it. */
const BOUNDS_MEMORY = 64 << 20;

/**
 * Crafted headers that declare huge shapes (IDX dims, model activations) and gzip bombs whose IDX header
 * declares a small size: each must be refused (a Lenet5Error) or parsed, before allocating what it declares.
 */
export const boundsTarget: FuzzTarget<BoundsCase> = {
  name: 'declared sizes (huge IDX dims raw and gzipped, gzip bombs, models declaring huge activations)',
  arbitrary: fc.oneof(
    fc.record({
      code: fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x07),
      dims: fc.array(hugeDim, { minLength: 1, maxLength: 5 }),
      payload: fc.integer({ min: 0, max: 64 }),
      gzip: fc.boolean(),
    }).map(({ code, dims, payload, gzip }) => ({ kind: 'idx' as const, bytes: idxWithHeader(code, dims, payload), gzip })),
    // Bombs: a small declared size, inflating to up to 1 MiB more.
    fc.record({ n: fc.integer({ min: 0, max: 50 }), extra: fc.integer({ min: 1, max: 1 << 20 }), rank3: fc.boolean() })
      .map(({ n, extra, rank3 }) => ({
        kind: 'idx' as const, gzip: true,
        bytes: rank3 ? idxWithHeader(0x08, [n, 2, 2], n * 4 + extra) : idxWithHeader(0x08, [n], n + extra),
      })),
    fc.record({ pad: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 200, max: 3000 })), batchSize: fc.integer({ min: 1, max: 64 }) })
      .map(({ pad, batchSize }) => ({ kind: 'model' as const, bytes: paddedModel(pad), batchSize })),
  ),
  run: (c) =>
    timed('bounds', async () => {
      if (c.kind === 'model') {
        let net: LeNet5;
        try {
          net = LeNet5.load(c.bytes, { source: 'fuzz.lenet5', batchSize: c.batchSize, maxMemoryBytes: BOUNDS_MEMORY });
        } catch (err) {
          return typed(err, 'LeNet5.load');
        }
        const bytes = net.backend.arena.capacity;
        net.dispose();
        if (bytes > BOUNDS_MEMORY) throw new Error(`model: the arena grew to ${bytes} bytes over its ${BOUNDS_MEMORY}-byte limit`);
        return 'ok';
      }
      const input = c.gzip ? new Uint8Array(gzipSync(c.bytes)) : c.bytes;
      let node: string;
      try {
        const raw = inflateIdx(input, 'fuzz.idx.gz');
        // Inflation may never return more than the header declares (the parser then checks it exactly).
        if (raw.length > c.bytes.length) throw new Error('bounds: inflated past the input');
        parseIdxImages(raw, { name: 'fuzz.idx' });
        node = 'ok';
      } catch (err) {
        node = typed(err, 'inflateIdx/parseIdx');
      }
      try {
        await readIdx(input, { name: 'fuzz.idx' });
      } catch (err) {
        typed(err, 'readIdx');
      }
      return node;
    }),
};
