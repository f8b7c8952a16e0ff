/**
 * ONNX Runtime side by side (repo only: onnxruntime-node is a dev dependency, its install script kept off
 * by `allowScripts`; the package ships its prebuilt binaries). `npm run bench -- --peers` exports the SAME
 * weights with `toOnnx` (src/io/onnx-export.ts), runs them in onnxruntime-node at 1 and 2 intra-op
 * threads (sequential execution, all graph optimizations) and times batch 256 and batch 1, in the same
 * run as lenet5's own figures.
 *
 * Before any figure, each session is CHECKED against lenet5 on the timed images: the same class for every
 * image (a different class only as a tie within the tolerance) and every probability within 1e-4, or
 * `PeerMismatchError`.
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { toOnnx } from '../src/io/onnx-export.js';
import type { LeNet5 } from '../src/models/lenet5.js';
import { benchImages, PeerMismatchError, PROBABILITY_TOLERANCE } from './peers.js';

/** onnxruntime-node, or the reason it does not load (a missing native binary, say). */
export function loadOrt(): { ort: typeof Ort; version: string } | { error: string } {
  try {
    const require = createRequire(import.meta.url);
    const ort = require('onnxruntime-node') as typeof Ort;
    const version = (require('onnxruntime-node/package.json') as { version: string }).version;
    return { ort, version };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0]! };
  }
}

export interface OrtRow {
  batchSize: number;
  threads: number;
  imagesPerSec: number;
}

/** Images as the exported graph takes them: float32 [n, 1, 28, 28], byte / 255. */
const pixels = (images: Uint8Array, n: number): Float32Array => Float32Array.from(images.subarray(0, n * 784), (v) => v / 255);

/** Runs `count` images (one call per `batchSize`) and returns the probabilities. */
async function runAll(ort: typeof Ort, s: Ort.InferenceSession, x: Float32Array, count: number, batchSize: number): Promise<Float32Array> {
  const out = new Float32Array(count * 10);
  for (let i = 0; i < count; i += batchSize) {
    const n = Math.min(batchSize, count - i);
    const r = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x.subarray(i * 784, (i + n) * 784), [n, 1, 28, 28]) });
    out.set(r[s.outputNames[0]!]!.data as Float32Array, i * 10);
  }
  return out;
}

/** Throws PeerMismatchError unless `theirs` agrees with `net` on `images` (classes and probabilities). */
export function checkProbabilities(net: LeNet5, images: Uint8Array, count: number, theirs: Float32Array, who: string): number {
  const ours = net.predictBatch(images, count);
  if (ours.kind !== 'probabilities') throw new PeerMismatchError(`${who}: the model outputs ${ours.kind}, not probabilities`);
  let max = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 0; c < 10; c++) {
      const d = Math.abs(ours.scores[i * 10 + c]! - theirs[i * 10 + c]!);
      if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
      if (theirs[i * 10 + c]! > theirs[i * 10 + best]!) best = c;
    }
    const label = ours.labels[i]!;
    if (best !== label && Math.abs(ours.scores[i * 10 + label]! - ours.scores[i * 10 + best]!) > PROBABILITY_TOLERANCE) {
      throw new PeerMismatchError(`${who} predicts class ${best} for image ${i}, lenet5 ${label}`);
    }
  }
  if (!(max <= PROBABILITY_TOLERANCE)) throw new PeerMismatchError(`${who} probabilities differ from lenet5's by ${max}`);
  return max;
}

/**
 * ONNX Runtime rows for `net` (a modern LeNet5 whose arena holds a batch of 256): threads 1 and 2 x
 * batch 256 (4096 images, best of 5) and 1 (500 calls, best of 5), each session checked first. `opts`:
 * other thread counts and image counts (bench/browser/page.ts: onnxruntime-web, whose threads are set
 * once per page by `env.wasm.numThreads`, passes the one it set, and --quick passes fewer images).
 */
export async function benchOrt(ort: typeof Ort, net: LeNet5, print: (line: string) => void,
  opts: { threads?: readonly number[]; images?: (batchSize: number) => number } = {}): Promise<OrtRow[]> {
  const bytes = toOnnx(net);
  const rows: OrtRow[] = [];
  for (const threads of opts.threads ?? [1, 2]) {
    const s = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    try {
      for (const batchSize of [256, 1]) {
        const n = opts.images?.(batchSize) ?? (batchSize === 1 ? 500 : 4096);
        const images = benchImages(n);
        const x = pixels(images, n);
        const max = checkProbabilities(net, images, Math.min(n, 1024), await runAll(ort, s, x, Math.min(n, 1024), batchSize),
          `onnxruntime ${threads} thread(s) batch ${batchSize}`);
        print(`  check onnxruntime threads ${threads} batch ${batchSize}: ${Math.min(n, 1024)} images, same classes, max |dp| ${max.toExponential(2)}`);
        let best = Infinity;
        for (let r = 0; r < 6; r++) {
          const t0 = performance.now();
          await runAll(ort, s, x, n, batchSize);
          if (r > 0) best = Math.min(best, (performance.now() - t0) / 1000); // round 0: warm-up
        }
        rows.push({ batchSize, threads, imagesPerSec: Math.round(n / best) });
      }
    } finally {
      await s.release();
    }
  }
  return rows;
}
