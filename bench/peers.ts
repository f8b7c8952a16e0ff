/**
 * TensorFlow.js side by side (repo only, never shipped: src/ does not import TF.js). `npm run bench --
 * --peers` runs the SAME network with the SAME weights in TF.js (cpu and wasm backends, 4.22.0, dev
 * dependencies) and times inference at batch 256 and batch 1 in the same run as lenet5's own figure.
 *
 * The TF.js forward is built from tf ops, layer by layer from `net.model.layers`, with the weights read
 * from the model's params block (`model.view(model.paramsRegion)` at `model.paramOffsets`) and transposed
 * from our layouts to TF's: activations NCHW -> NHWC, conv weights (OC, C, KH, KW) -> HWIO (KH, KW, C, OC),
 * dense weights (OUT, IN) -> (IN, OUT). Convolutions and dense layers use TF.js' fused ops (bias and a
 * following ReLU in the same kernel), the fastest path TF.js offers and the one its own layers take.
 * Input: bytes -> lo + (hi - lo) * v / 255 (Sequential.inputRange; [0, 1] for the modern preset), padded
 * with the background level if the model pads (classic), exactly as Sequential.setInput does.
 *
 * Before any figure is printed the TF.js network is CHECKED against ours on the timed images: same class
 * for every image and every probability within 1e-4, or `PeerMismatchError` (a side-by-side of two
 * different networks is worthless). test/peers.test.ts runs the same check on 20 images per backend.
 *
 * TF.js wasm: forced onto its single-threaded build (`WASM_HAS_MULTITHREAD_SUPPORT` false, which is also
 * what TF.js picks by itself in Node, and `setThreadsCount(1)`), so the comparison is one core against one
 * core. It chooses its SIMD or plain binary by itself (SIMD on Node 20); `describeTfBackend` says which.
 * The .wasm files are read from node_modules/@tensorflow/tfjs-backend-wasm/dist via `setWasmPaths`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs-core';
import { randomData } from '../src/cli/bench/inputs.js';
import { ReLU, Softmax } from '../src/layers/activation.js';
import { Conv2D } from '../src/layers/conv.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import type { Layer } from '../src/layers/layer.js';
import { AvgPool2D, MaxPool2D } from '../src/layers/pool.js';
import { Flatten } from '../src/layers/reshape.js';
import type { LeNet5 } from '../src/models/lenet5.js';

export type TfBackendName = 'cpu' | 'wasm';
export type PeerBackend = 'tfjs-cpu' | 'tfjs-wasm' | 'lenet5-wasm' | 'onnxruntime' | 'pytorch-train';

/**
 * One figure of a peer (or of lenet5 next to it): inference images/s, or training samples/s (PyTorch);
 * `threads` when not one (onnxruntime and PyTorch rows always say it).
 */
export interface PeerRow {
  model: 'modern';
  batchSize: number;
  backend: PeerBackend;
  threads?: number;
  imagesPerSec?: number;
  samplesPerSec?: number;
}

/** Largest |p_lenet5 - p_tfjs| accepted for any probability of any image. */
export const PROBABILITY_TOLERANCE = 1e-4;

export class PeerMismatchError extends Error {
  override name = 'PeerMismatchError';
}

// TF.js is loaded on first use (useTfBackend), not when this module is imported: bench/kernels.ts bundles
// this file, and a plain `npm run bench` must not pay half a second loading TF.js it does not run.
let tf: typeof Tf;
let tfWasm: typeof import('@tensorflow/tfjs-backend-wasm');
let wasmConfigured = false;

/** Switches TF.js to `name` (the wasm backend configured single-threaded, its .wasm files from node_modules). */
export async function useTfBackend(name: TfBackendName): Promise<void> {
  if (tf === undefined) {
    const core = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    tfWasm = await import('@tensorflow/tfjs-backend-wasm');
    tf = core;
    // Production mode (what TF.js advises for deployed models): no debug checks, and no console advice
    // to install the native Node backend, which this side-by-side leaves out on purpose.
    tf.enableProdMode();
  }
  if (name === 'wasm' && !wasmConfigured) {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
    tfWasm.setWasmPaths(join(dirname(pkg), 'dist') + '/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfWasm.setThreadsCount(1);
    wasmConfigured = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`TF.js: backend '${name}' failed to initialise`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`TF.js: asked for backend '${name}', running on '${tf.getBackend()}'`);
}

/**
 * For a page that loads TF.js itself (bench/browser/page.ts: no node_modules to read the .wasm files from,
 * and the backend configured by the page): use these modules for tfForward, checkAgreement and
 * tfImagesPerSec.
 */
export function adoptTf(core: typeof Tf, wasm: typeof import('@tensorflow/tfjs-backend-wasm')): void {
  tf = core;
  tfWasm = wasm;
}

/** Which TF.js build runs: version, backend and, for wasm, the binary (SIMD or not, threads). */
export async function describeTfBackend(): Promise<string> {
  const name = tf.getBackend();
  if (name !== 'wasm') return `tfjs-core ${tf.version_core} ${name} (pure JS)`;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const binary = simd && threaded ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return `tfjs-core ${tf.version_core} wasm: ${binary} (${simd ? 'SIMD' : 'no SIMD'}, ` +
    `${threaded ? 'threaded' : 'single-threaded build'}, XNNPACK threads ${tfWasm.getThreadsCount()})`;
}

/** The TF.js twin of a lenet5 model on the current TF.js backend. */
export interface TfForward {
  /** Images [start, start + count) of `images` (bytes, back to back) -> count x classes outputs. */
  predict(images: Uint8Array, start: number, count: number): Float32Array;
  /** Frees the weight tensors. */
  dispose(): void;
}

/**
 * Builds the TF.js forward of `net` (conv2d, avg/max pool 2x2, ReLU, flatten, dropout (identity), dense,
 * softmax) on the current TF.js backend, with copies of `net`'s current weights. Throws naming a layer
 * it has no mapping for.
 */
export function tfForward(net: LeNet5): TfForward {
  if (tf === undefined) throw new Error('tfForward: call useTfBackend() first');
  const m = net.model;
  const params = m.view(m.paramsRegion);
  const tensorOf = (i: number, j: number): Float32Array => {
    const p = m.layers[i]!.params()[j]!;
    const at = m.paramOffsets[i]![j]!;
    return Float32Array.from(params.subarray(at, at + p.shape.reduce((a, b) => a * b, 1)));
  };
  const weights: Tf.Tensor[] = [];
  const keep = <T extends Tf.Tensor>(t: T): T => {
    weights.push(t);
    return t;
  };
  const steps: ((x: Tf.Tensor) => Tf.Tensor)[] = [];
  const layers = m.layers;
  for (let i = 0; i < layers.length; i++) {
    const l: Layer = layers[i]!;
    const reluNext = layers[i + 1] instanceof ReLU;
    if (l instanceof Conv2D) {
      const [OC, C, K] = [l.filters, l.inShape[0]!, l.kernelSize];
      const w = tensorOf(i, 0);
      // A connection table (Table I) is a mask: the weights of maps a filter does not read count as zero.
      for (let oc = 0; oc < OC; oc++) {
        const reads = new Set(l.inputsOf(oc));
        for (let c = 0; c < C; c++) if (!reads.has(c)) w.fill(0, (oc * C + c) * K * K, (oc * C + c + 1) * K * K);
      }
      const filter = keep(tf.tidy(() => tf.transpose(tf.tensor4d(w, [OC, C, K, K]), [2, 3, 1, 0]))) as Tf.Tensor4D;
      const bias = keep(tf.tensor1d(tensorOf(i, 1)));
      const p = l.padding === 'same' ? (K - 1) / 2 : l.padding === 'valid' ? 0 : l.padding;
      const pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
        p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]];
      steps.push((x) => tf.fused.conv2d({ x: x as Tf.Tensor4D, filter, strides: 1, pad, bias,
        activation: reluNext ? 'relu' : 'linear' }));
      if (reluNext) i++;
    } else if (l instanceof Dense) {
      const [OUT, IN] = [l.units, l.inShape[0]!];
      const b = keep(tf.tidy(() => tf.transpose(tf.tensor2d(tensorOf(i, 0), [OUT, IN])))) as Tf.Tensor2D;
      const bias = keep(tf.tensor1d(tensorOf(i, 1)));
      steps.push((x) => tf.fused.matMul({ a: x as Tf.Tensor2D, b, bias, activation: reluNext ? 'relu' : 'linear' }));
      if (reluNext) i++;
    } else if (l instanceof ReLU) {
      steps.push((x) => tf.relu(x));
    } else if (l instanceof AvgPool2D) {
      steps.push((x) => tf.avgPool(x as Tf.Tensor4D, 2, 2, 'valid'));
    } else if (l instanceof MaxPool2D) {
      steps.push((x) => tf.maxPool(x as Tf.Tensor4D, 2, 2, 'valid'));
    } else if (l instanceof Flatten) {
      const [C, H, W] = l.inShape as [number, number, number];
      // Ours flattens C, H, W; NHWC goes back to NCHW first unless the maps are 1x1 (then the orders agree).
      steps.push((x) => tf.reshape(H * W === 1 ? x : tf.transpose(x, [0, 3, 1, 2]), [-1, C * H * W]));
    } else if (l instanceof Dropout) {
      // Identity at inference.
    } else if (l instanceof Softmax) {
      steps.push((x) => tf.softmax(x));
    } else {
      weights.forEach((t) => t.dispose());
      throw new Error(`tfForward: layer ${i} (${l.name}) of type '${l.type}' has no TF.js mapping here`);
    }
  }

  const [h, w] = m.imageSize;
  const hw = h * w;
  const pad = m.inputPad;
  const [lo, hi] = m.inputRange;
  // The model's own byte -> input table (Sequential builds the same one).
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = lo + ((hi - lo) * v) / 255;
  let staging = new Float32Array(0);

  return {
    predict(images: Uint8Array, start: number, count: number): Float32Array {
      if (staging.length < count * hw) staging = new Float32Array(count * hw);
      const src = images.subarray(start * hw, (start + count) * hw);
      if (src.length !== count * hw) throw new Error(`tfForward: images ${start}..${start + count} are not all in the ${images.length / hw} given`);
      for (let k = 0; k < src.length; k++) staging[k] = lut[src[k]!]!;
      const y = tf.tidy(() => {
        let x: Tf.Tensor = tf.tensor4d(staging.subarray(0, count * hw), [count, h, w, 1]);
        if (pad > 0) x = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], lo);
        for (const step of steps) x = step(x);
        return x;
      });
      try {
        return y.dataSync() as Float32Array;
      } finally {
        y.dispose();
      }
    },
    dispose(): void {
      weights.forEach((t) => t.dispose());
      weights.length = 0;
    },
  };
}

export interface Agreement {
  images: number;
  /** Largest |p_lenet5 - p_tfjs| over every probability. */
  maxAbsDiff: number;
  /** Images whose predicted classes differ although both classes' probabilities tie within the tolerance. */
  ties: number;
}

/**
 * Runs `count` images through `net` and its TF.js twin `fwd` (in slices of `batchSize`) and throws a
 * PeerMismatchError unless every probability agrees within PROBABILITY_TOLERANCE and every predicted class
 * is the same. (A different class is accepted only as a tie: our probabilities of both classes within the
 * tolerance of each other; such images are counted in `ties`.)
 */
export function checkAgreement(net: LeNet5, fwd: TfForward, images: Uint8Array, count: number, batchSize = 256): Agreement {
  const ours = net.predictBatch(images, count);
  const C = ours.classes;
  if (ours.kind !== 'probabilities') throw new PeerMismatchError(`checkAgreement: the model outputs ${ours.kind}, not probabilities`);
  const theirs = new Float32Array(count * C);
  for (let s = 0; s < count; s += batchSize) {
    const n = Math.min(batchSize, count - s);
    const y = fwd.predict(images, s, n);
    if (y.length !== n * C) throw new PeerMismatchError(`TF.js returned ${y.length} outputs for ${n} images of ${C} classes`);
    theirs.set(y, s * C);
  }
  let maxAbsDiff = 0;
  let worst = -1;
  let ties = 0;
  const wrong: string[] = [];
  for (let i = 0; i < count; i++) {
    let tfLabel = 0;
    for (let c = 0; c < C; c++) {
      const a = ours.scores[i * C + c]!;
      const b = theirs[i * C + c]!;
      const d = Math.abs(a - b);
      // NaN-safe: a NaN difference is a mismatch.
      if (!(d <= maxAbsDiff)) {
        maxAbsDiff = Number.isNaN(d) ? Infinity : d;
        worst = i;
      }
      if (b > theirs[i * C + tfLabel]!) tfLabel = c;
    }
    const label = ours.labels[i]!;
    if (tfLabel !== label) {
      const gap = Math.abs(ours.scores[i * C + label]! - ours.scores[i * C + tfLabel]!);
      if (gap <= PROBABILITY_TOLERANCE) ties++;
      else if (wrong.length < 5) wrong.push(`image ${i}: lenet5 ${label} (p ${ours.scores[i * C + label]!.toFixed(6)}), ` +
        `tfjs ${tfLabel} (p ${theirs[i * C + tfLabel]!.toFixed(6)})`);
      else wrong.push('...');
    }
  }
  const backend = tf.getBackend();
  if (wrong.length > 0) {
    throw new PeerMismatchError(`TF.js ${backend} predicts other classes than lenet5: ${wrong.slice(0, 6).join('; ')}`);
  }
  if (!(maxAbsDiff <= PROBABILITY_TOLERANCE)) {
    const i = worst;
    throw new PeerMismatchError(`TF.js ${backend} probabilities differ from lenet5's by ${maxAbsDiff} (> ${PROBABILITY_TOLERANCE}) ` +
      `at image ${i}: lenet5 [${Array.from(ours.scores.subarray(i * C, (i + 1) * C), (v) => v.toFixed(5)).join(', ')}], ` +
      `tfjs [${Array.from(theirs.subarray(i * C, (i + 1) * C), (v) => v.toFixed(5)).join(', ')}]`);
  }
  return { images: count, maxAbsDiff, ties };
}

/**
 * Images/s of `fwd` over the first `n` images: batch 1 = one call per image, else calls of `batchSize`
 * images; one warm-up pass, then the best of `rounds`. Throws if TF.js holds more tensors after than before
 * (memory must stay flat).
 */
export function tfImagesPerSec(fwd: TfForward, images: Uint8Array, n: number, batchSize: number, rounds: number): number {
  const pass = (): void => {
    for (let s = 0; s < n; s += batchSize) fwd.predict(images, s, Math.min(batchSize, n - s));
  };
  pass();
  const tensors = tf.memory().numTensors;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    pass();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  if (tf.memory().numTensors !== tensors) {
    throw new Error(`TF.js ${tf.getBackend()} leaked tensors: ${tensors} before the timed rounds, ${tf.memory().numTensors} after`);
  }
  return Math.round(n / best);
}

/** The bench's random images: the same bytes as inferImagesPerSec times (seed 13). */
export function benchImages(n: number, seed = 13): Uint8Array {
  return randomData(n, seed).images;
}

export interface PeerOptions {
  /** Receives the printed lines. */
  print?: (line: string) => void;
  /** lenet5's own images/s at a batch size, measured in this run (bench/kernels.ts: inferImagesPerSec). */
  lenet5ImagesPerSec: (batchSize: number) => number;
  /** Batch sizes to time (default [256, 1]). */
  batchSizes?: readonly number[];
}

/**
 * For each batch size (default 256 and 1): builds `makeNet(batchSize)` (a modern LeNet-5, e.g.
 * `LeNet5.modern({ seed: 1, batchSize })`, the same weights `inferImagesPerSec` times), checks its TF.js
 * twin on every timed image on both TF.js backends, then times TF.js cpu and wasm and lenet5 (through
 * `lenet5ImagesPerSec`). Batch 256: 4096 images, best of 5 rounds (tfjs-cpu: 1024 images, best of 3: it
 * is ~50x slower). Batch 1: 500 one-image calls, best of 5 (tfjs-cpu: 200, best of 3).
 */
export async function benchPeers(makeNet: (batchSize: number) => LeNet5, opts: PeerOptions): Promise<PeerRow[]> {
  const print = opts.print ?? (() => undefined);
  const rows: PeerRow[] = [];
  const described: string[] = [];
  for (const batchSize of opts.batchSizes ?? [256, 1]) {
    const net = makeNet(batchSize);
    if (net.preset !== 'modern') throw new Error(`benchPeers: the side-by-side is for the modern preset, got ${String(net.preset)}`);
    const figures: Partial<Record<PeerBackend, number>> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await useTfBackend(backend);
      if (described.length < 2 && !described.includes(backend)) {
        described.push(backend);
        print(`TF.js ${backend}: ${await describeTfBackend()}`);
      }
      const slow = backend === 'cpu';
      const n = batchSize === 1 ? (slow ? 200 : 500) : (slow ? 1024 : 4096);
      const images = benchImages(n);
      const fwd = tfForward(net);
      try {
        const a = checkAgreement(net, fwd, images, n, batchSize === 1 ? 256 : batchSize);
        print(`  check tfjs-${backend} batch ${batchSize}: ${a.images} images, same classes` +
          `${a.ties > 0 ? ` (${a.ties} ties within ${PROBABILITY_TOLERANCE})` : ''}, max |dp| ${a.maxAbsDiff.toExponential(2)}`);
        figures[`tfjs-${backend}`] = tfImagesPerSec(fwd, images, n, batchSize, slow ? 3 : 5);
      } finally {
        fwd.dispose();
      }
    }
    net.dispose();
    figures['lenet5-wasm'] = opts.lenet5ImagesPerSec(batchSize);
    for (const backend of ['tfjs-cpu', 'tfjs-wasm', 'lenet5-wasm'] as const) {
      rows.push({ model: 'modern', batchSize, backend, imagesPerSec: figures[backend]! });
    }
    const f = (v: number): string => String(v).padStart(6);
    print(`infer modern batch ${String(batchSize).padStart(3)}: tfjs-cpu ${f(figures['tfjs-cpu']!)}/s  ` +
      `tfjs-wasm ${f(figures['tfjs-wasm']!)}/s  lenet5 wasm ${f(figures['lenet5-wasm']!)}/s  ` +
      `(lenet5 / tfjs-wasm = ${(figures['lenet5-wasm']! / figures['tfjs-wasm']!).toFixed(1)}x)`);
  }
  return rows;
}
