/**
 * The whole benchmark in one run, shared by `npm run bench` and `lenet5 bench`: every kernel (wasm vs the
 * js backend's pure JS), the SIMD ceiling of this core, training samples/s of both presets (one thread and two
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
  /** Called as each step of `benchSteps(opts)` starts (its index), and with the step count at the end. */
  onStep?: (index: number, step: BenchStep) => void;
}

/** A step of the benchmark and about how long it takes (seconds, measured on a shared 2-vCPU EPYC). */
export interface BenchStep {
  label: string;
  seconds: number;
}

const TRAIN_ROWS = [['modern', 32, 1], ['classic', 32, 1], ['modern', 64, 1], ['modern', 64, 2], ['classic', 64, 2]] as const;
const INFER_MODELS = ['modern', 'classic'] as const;

/**
 * The steps runBench will take for `opts`, with estimates of their length (for a progress line: the
 * machine's load moves them by tens of percent).
 */
export function benchSteps(opts: BenchOptions = {}): BenchStep[] {
  const steps: BenchStep[] = [];
  if (opts.kernels !== false) steps.push({ label: 'kernels', seconds: opts.only === undefined ? 20 : 2 });
  if (opts.endToEnd === false || opts.only !== undefined) return steps;
  steps.push({ label: 'SIMD ceiling', seconds: 1 });
  for (const [model, batchSize, threads] of TRAIN_ROWS) {
    steps.push({ label: `train ${model} batch ${batchSize} threads ${threads}`, seconds: model === 'modern' ? 8 : 12 });
  }
  for (const model of INFER_MODELS) {
    for (const batchSize of [256, 1]) steps.push({ label: `infer ${model} batch ${batchSize}`, seconds: 3 });
    steps.push({ label: `infer ${model} batch 256 threads 2`, seconds: 2 });
  }
  return steps;
}

export interface BenchResult {
  kernels?: KernelRow[];
  ceiling?: Ceiling;
  train?: TrainRow[];
  infer?: InferRow[];
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const print = opts.print ?? (() => undefined);
  const steps = benchSteps(opts);
  let at = 0;
  const step = (): void => opts.onStep?.(at, steps[at++]!);
  const result: BenchResult = {};
  if (opts.kernels !== false) {
    step();
    print(KERNEL_HEADER);
    result.kernels = runKernelBench({ ...(opts.only === undefined ? {} : { only: opts.only }),
      onRow: (r) => print(formatKernelRow(r)) });
  }
  const finish = (): BenchResult => {
    opts.onStep?.(steps.length, { label: 'done', seconds: 0 });
    return result;
  };
  if (opts.endToEnd === false || opts.only !== undefined) return finish();
  step();
  const ceiling = await loadSimdCeiling(opts.benchBuild, print);
  if (ceiling !== undefined) result.ceiling = ceiling;
  result.train = [];
  for (const [model, batchSize, threads] of TRAIN_ROWS) {
    step();
    const row = await benchTrain(model, batchSize, ceiling,
      { threads, ...(opts.workerUrl === undefined ? {} : { workerUrl: opts.workerUrl }) });
    result.train.push(row);
    print(formatTrainRow(row));
  }
  result.infer = [];
  for (const model of INFER_MODELS) {
    for (const batchSize of [256, 1]) {
      step();
      const row = benchInfer(model, batchSize, ceiling);
      result.infer.push(row);
      print(formatInferRow(row));
    }
    // Two worker threads, 256 images per thread a round (one LeNet5.predictor for the whole measurement).
    step();
    const row = await benchInferParallel(model, 2, 256, ceiling, opts.workerUrl);
    result.infer.push(row);
    print(formatInferRow(row));
  }
  return finish();
}
