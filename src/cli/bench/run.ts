/**
 * The whole benchmark in one run, shared by `npm run bench` and `lenet5 bench`: every kernel (wasm vs its
 * pure-TS twin), the SIMD ceiling of this core, training samples/s of both presets (one thread and two
 * worker threads, with the per-layer breakdown) and inference images/s at batch 256 (with the per-layer
 * breakdown of an image) and 1 (and 256 a thread on two worker threads). Needs
 * `init()` first; the caller chooses the build (relaxed SIMD or not) there.
 */
import { formatKernelRow, KERNEL_HEADER, runKernelBench, type KernelRow } from './kernels.js';
import { benchInfer, benchInferParallel, benchTrain, formatInferRow, formatTrainRow, loadSimdCeiling, type Ceiling,
  type InferRow, type TrainRow } from './suite.js';

export interface BenchOptions {
  /** Time the kernels (default true). */
  kernels?: boolean;
  /** The ceiling, training and inference sections (default true; skipped when `only` is given). */
  endToEnd?: boolean;
  /** Time only this kernel. */
  only?: string;
  /** The training worker script (dist/train/worker.js of the built package) for the threaded rows. */
  workerUrl?: URL | string;
  /**
   * The folder (a file: URL ending in /) of the bench-only build that holds the SIMD ceiling's micro-kernel:
   * the checkout's build/, where `npm run asbuild:bench` writes it. The package does not ship it: without
   * the file the ceiling is not measured and the rows carry no ceilingFraction.
   */
  benchBuild?: URL;
  /** Receives each printed line of the tables. */
  print?: (line: string) => void;
}

export interface BenchResult {
  kernels?: KernelRow[];
  ceiling?: Ceiling;
  train?: TrainRow[];
  infer?: InferRow[];
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const print = opts.print ?? (() => undefined);
  const result: BenchResult = {};
  if (opts.kernels !== false) {
    print(KERNEL_HEADER);
    result.kernels = runKernelBench({ ...(opts.only === undefined ? {} : { only: opts.only }),
      onRow: (r) => print(formatKernelRow(r)) });
  }
  if (opts.endToEnd === false || opts.only !== undefined) return result;
  const ceiling = await loadSimdCeiling(opts.benchBuild, print);
  if (ceiling !== undefined) result.ceiling = ceiling;
  result.train = [];
  for (const [model, batchSize, threads] of [['modern', 32, 1], ['classic', 32, 1], ['modern', 64, 1], ['modern', 64, 2],
    ['classic', 64, 2]] as const) {
    const row = await benchTrain(model, batchSize, ceiling,
      { threads, ...(opts.workerUrl === undefined ? {} : { workerUrl: opts.workerUrl }) });
    result.train.push(row);
    print(formatTrainRow(row));
  }
  result.infer = [];
  for (const model of ['modern', 'classic'] as const) {
    for (const batchSize of [256, 1]) {
      const row = benchInfer(model, batchSize, ceiling);
      result.infer.push(row);
      print(formatInferRow(row));
    }
    // Two worker threads, 256 images per thread a round (one LeNet5.predictor for the whole measurement).
    const row = await benchInferParallel(model, 2, 256, ceiling, opts.workerUrl);
    result.infer.push(row);
    print(formatInferRow(row));
  }
  return result;
}
