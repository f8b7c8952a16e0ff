/**
 * The end-to-end sections of `npm run bench -- --json`: training samples/s per preset (with the per-layer
 * breakdown of a step), inference images/s at batch 256 and 1, and the SIMD ceiling measured in the same
 * run, so every figure is also given as a fraction of what this core can do. Needs `init()` first.
 *
 * The ceiling's micro-kernel is not in the production module: it comes from the bench-only build
 * (assembly/bench.ts, `npm run asbuild:bench`, build/lenet5.bench.wasm and lenet5.bench-relaxed.wasm), which
 * the package does not ship. Without it the rows carry no ceilingFraction.
 *
 * Work per sample is counted in multiply-adds (MACs) of the conv and dense layers: forward = sum of
 * outputs x fan-in; a training step adds the weight gradient (same count) and the input gradient (same,
 * except the first layer, which has none to compute).
 */
import { readFile } from 'node:fs/promises';
import type { BackendName } from '../../backend/backend.js';
import { InvalidArgumentError, NotInitializedError, PlatformError } from '../../errors.js';
import { compiledModule } from '../../backend/load.js';
import type { Sequential } from '../../models/sequential.js';
import { adam, sdlm } from '../../train/optimizers.js';
import { benchNet, randomData, type Preset } from './inputs.js';
import { profileInference, profileTrainingStep, type LayerTiming } from './profile.js';

export type { Preset };

export interface TrainRow {
  model: Preset;
  threads: number;
  batchSize: number;
  wasmSamplesPerSec: number;
  jsSamplesPerSec: number;
  ratio: number;
  /** Share of the measured SIMD ceiling (MACs done / MACs possible); absent when it was not measured. */
  ceilingFraction?: number;
  perLayer: LayerTiming[];
}

export interface InferRow {
  model: Preset;
  /** Worker threads (1: predictBatch / predict on the calling thread; more: a LeNet5.predictor). */
  threads: number;
  batchSize: number;
  wasmImagesPerSec: number;
  jsImagesPerSec: number;
  ratio: number;
  ceilingFraction?: number;
  /** One thread, batch > 1: where an image's time goes, layer by layer (microseconds per image). */
  perLayer?: LayerTiming[];
}

export interface Ceiling {
  /** f32x4 multiply-adds per second of the GEMM micro-kernel on L1-resident operands, one thread. */
  gmacPerSec: number;
  /** Whether it (and every figure of the run) used the relaxed-SIMD (FMA) build. */
  relaxedSimd: boolean;
}

const now = (): number => performance.now();

/** The file of the bench-only build that matches the kernels `init()` chose (relaxed SIMD or not). */
export function benchWasmFile(relaxedSimd: boolean): string {
  return relaxedSimd ? 'lenet5.bench-relaxed.wasm' : 'lenet5.bench.wasm';
}

/**
 * The SIMD ceiling: best of 25 timed runs of the micro-kernel (~1.5 ms each), in GMAC/s. `benchWasm`: the
 * bytes of the bench-only build named by benchWasmFile(relaxedSimd of the module init() compiled).
 */
export function measureSimdCeiling(benchWasm: BufferSource): Ceiling {
  const c = compiledModule();
  if (c === null) throw new NotInitializedError('measureSimdCeiling: init() the wasm backend first');
  const module = new WebAssembly.Module(benchWasm);
  const inst = new WebAssembly.Instance(module, { env: { abort: () => { throw new InvalidArgumentError('bench: the SIMD ceiling kernel aborted (a bug in lenet5)'); } } });
  const k = inst.exports as unknown as { memory: WebAssembly.Memory; heapBase(): number;
    simdCeiling(c: number, a: number, b: number, K: number, reps: number): void };
  const base = (k.heapBase() + 15) & ~15;
  const K = 64;
  const need = base + 128 + 16 * K * 4 + 32 * K * 4;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const f = new Float32Array(k.memory.buffer, base, 32 + 4 * K + 8 * K);
  for (let i = 0; i < f.length; i++) f[i] = 1e-3 * ((i % 7) - 3);
  const [pc, pa, pb] = [base, base + 128, base + 128 + 16 * K];
  const reps = 2_000;
  k.simdCeiling(pc, pa, pb, K, reps);
  // Best of many short rounds: one preempted round on a shared machine must not set the ceiling.
  let best = Infinity;
  for (let r = 0; r < 25; r++) {
    const t0 = now();
    k.simdCeiling(pc, pa, pb, K, reps);
    best = Math.min(best, (now() - t0) / 1000);
  }
  return { gmacPerSec: +((32 * K * reps) / best / 1e9).toFixed(2), relaxedSimd: c.relaxedSimd };
}

/**
 * The ceiling measured with the bench-only build in the folder `dir` (benchWasmFile of the build init()
 * chose), printed; undefined, and said, when `dir` is not given or holds no such file.
 */
export async function loadSimdCeiling(dir: URL | undefined, print: (line: string) => void): Promise<Ceiling | undefined> {
  const compiled = compiledModule();
  if (compiled === null) throw new NotInitializedError('loadSimdCeiling: init() the wasm backend first');
  const file = benchWasmFile(compiled.relaxedSimd);
  let bytes: Uint8Array | null = null;
  if (dir !== undefined) {
    try {
      bytes = new Uint8Array(await readFile(new URL(file, dir)));
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    }
  }
  if (bytes === null) {
    print(`\nSIMD ceiling: not measured (no ${file}: \`npm run asbuild:bench\` in a checkout builds it; the ` +
      'package does not ship it)');
    return undefined;
  }
  const ceiling = measureSimdCeiling(new Uint8Array(bytes));
  print(`\nSIMD ceiling (4x8 f32x4 micro-kernel, L1-resident): ${ceiling.gmacPerSec} GMAC/s`);
  return ceiling;
}

/** Multiply-adds per sample: [forward, training step]. */
export function macsPerSample(m: Sequential): [number, number] {
  let fwd = 0;
  let train = 0;
  m.layers.forEach((l, i) => {
    if (l.type !== 'conv2d' && l.type !== 'dense') return;
    let units = 1;
    for (const d of l.outShape) units *= d;
    const macs = l.connections() - units; // connections count each unit's bias once
    fwd += macs;
    train += i === 0 ? 2 * macs : 3 * macs;
  });
  return [fwd, train];
}

/**
 * Training samples/s: one epoch of `n` samples, timed from the end of the first batch to the end of the
 * last (so JIT warm-up and SDLM's per-pass h_kk estimate stay out); best of `rounds`.
 */
export async function trainSamplesPerSec(model: Preset, backend: BackendName, batchSize: number, n: number,
  rounds = 3, parallel: { threads?: number; workerUrl?: URL | string } = {}): Promise<number> {
  const data = randomData(n, 11);
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const net = benchNet(model, backend, batchSize);
    let t0 = 0;
    let t1 = 0;
    await net.fit(data, {
      epochs: 1, batchSize, optimizer: model === 'modern' ? adam() : sdlm(), seed: r, ...parallel,
      onBatchEnd: (b) => {
        if (b.batch === 0) t0 = now();
        t1 = now();
      },
    });
    best = Math.max(best, (n - batchSize) / ((t1 - t0) / 1000));
    net.dispose();
  }
  return Math.round(best);
}

/**
 * Inference images/s at `batchSize` (batch 1 = one `predict` call per image); best of `rounds` (a round is
 * ~0.1 s: on a shared machine the best of several is the figure least disturbed by other work).
 */
export function inferImagesPerSec(model: Preset, backend: BackendName, batchSize: number, n: number, rounds = 7): number {
  const data = randomData(n, 13);
  const net = benchNet(model, backend, batchSize);
  const one = (i: number): Uint8Array => data.images.subarray(i * 784, (i + 1) * 784);
  const pass = (): void => {
    if (batchSize === 1) for (let i = 0; i < n; i++) net.predict(one(i));
    else net.predictBatch(data.images, n);
  };
  pass();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = now();
    pass();
    best = Math.min(best, (now() - t0) / 1000);
  }
  return Math.round(n / best);
}

/**
 * One train row. With `threads` > 1 the wasm figure is data-parallel over worker threads (the js figure
 * stays one thread: the ratio then includes the threads) and perLayer is still one thread's step.
 */
export async function benchTrain(model: Preset, batchSize: number, ceiling: Ceiling | undefined,
  opts: { samples?: number; threads?: number; workerUrl?: URL | string } = {}): Promise<TrainRow> {
  const n = opts.samples ?? 4096;
  const threads = opts.threads ?? 1;
  const wasm = await trainSamplesPerSec(model, 'wasm', batchSize, n, 3,
    threads > 1 ? { threads, ...(opts.workerUrl !== undefined ? { workerUrl: opts.workerUrl } : {}) } : {});
  // The js backend: 16 batches (15 timed) of one round, enough for the JIT to have settled after the first.
  const js = await trainSamplesPerSec(model, 'js', batchSize, 16 * batchSize, 1);
  const probe = benchNet(model, 'js', 1).model;
  const [, train] = macsPerSample(probe);
  return {
    model, threads, batchSize, wasmSamplesPerSec: wasm, jsSamplesPerSec: js, ratio: +(wasm / js).toFixed(1),
    ...ceilingFraction(wasm * train, ceiling, threads),
    perLayer: profileTrainingStep(model, 'wasm', Math.ceil(batchSize / threads), 200).perLayer,
  };
}

export function benchInfer(model: Preset, batchSize: number, ceiling: Ceiling | undefined): InferRow {
  const wasm = inferImagesPerSec(model, 'wasm', batchSize, batchSize === 1 ? 2000 : 4096);
  const row = inferRow(model, 1, batchSize, wasm, ceiling);
  return batchSize === 1 ? row : { ...row, perLayer: profileInference(model, 'wasm') };
}

/**
 * Images/s of `n` images over `threads` worker threads (a LeNet5.predictor started before the clock and
 * kept across rounds), batch `batchSize` per thread a round; best of `rounds`.
 */
export async function inferParallelImagesPerSec(model: Preset, threads: number, batchSize: number, n: number,
  workerUrl?: URL | string, rounds = 7): Promise<number> {
  const data = randomData(n, 13);
  const net = benchNet(model, 'wasm', batchSize);
  const p = await net.predictor({ threads, capacity: batchSize, ...(workerUrl !== undefined ? { workerUrl } : {}) });
  try {
    if (p.threads !== threads) throw new PlatformError(`bench: the predictor runs on ${p.threads} thread(s), not ${threads}`);
    await p.predict(data.images, n);
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t0 = now();
      await p.predict(data.images, n);
      best = Math.min(best, (now() - t0) / 1000);
    }
    return Math.round(n / best);
  } finally {
    await p.close();
    net.dispose();
  }
}

/** Threaded inference row: the js figure stays one thread (the ratio then includes the threads). */
export async function benchInferParallel(model: Preset, threads: number, batchSize: number, ceiling: Ceiling | undefined,
  workerUrl?: URL | string): Promise<InferRow> {
  const wasm = await inferParallelImagesPerSec(model, threads, batchSize, 8192, workerUrl);
  return inferRow(model, threads, batchSize, wasm, ceiling);
}

function inferRow(model: Preset, threads: number, batchSize: number, wasm: number, ceiling: Ceiling | undefined): InferRow {
  const js = inferImagesPerSec(model, 'js', batchSize === 1 ? 1 : 256, batchSize === 1 ? 200 : 512, 2);
  const [fwd] = macsPerSample(benchNet(model, 'js', 1).model);
  return {
    model, threads, batchSize, wasmImagesPerSec: wasm, jsImagesPerSec: js, ratio: +(wasm / js).toFixed(1),
    ...ceilingFraction(wasm * fwd, ceiling, threads),
  };
}

/** { ceilingFraction }: `macsPerSec` over what `threads` cores can do, or {} when the ceiling was not measured. */
function ceilingFraction(macsPerSec: number, ceiling: Ceiling | undefined, threads: number): { ceilingFraction?: number } {
  if (ceiling === undefined) return {};
  return { ceilingFraction: +(macsPerSec / (ceiling.gmacPerSec * 1e9 * threads)).toFixed(3) };
}

/** "  63% of ceiling", or nothing when the ceiling was not measured. */
const ofCeiling = (f: number | undefined): string => (f === undefined ? '' : `  ${(100 * f).toFixed(0)}% of ceiling`);

export function formatTrainRow(r: TrainRow): string {
  const head = `train ${r.model.padEnd(8)} threads ${r.threads} batch ${String(r.batchSize).padStart(3)}: ` +
    `wasm ${String(r.wasmSamplesPerSec).padStart(6)}/s  js ${String(r.jsSamplesPerSec).padStart(5)}/s  ` +
    `${r.ratio}x${ofCeiling(r.ceilingFraction)}`;
  const layers = r.perLayer.filter((l) => l.share >= 0.005)
    .map((l) => `    ${l.layer.padEnd(22)} fwd ${l.forwardUs.toFixed(0).padStart(5)} us  bwd ${l.backwardUs.toFixed(0).padStart(5)} us  ${(100 * l.share).toFixed(1).padStart(5)}%`);
  return [head, ...layers].join('\n');
}

export function formatInferRow(r: InferRow): string {
  const head = `infer ${r.model.padEnd(8)} threads ${r.threads} batch ${String(r.batchSize).padStart(3)}: ` +
    `wasm ${String(r.wasmImagesPerSec).padStart(6)}/s  ` +
    `js ${String(r.jsImagesPerSec).padStart(5)}/s  ${r.ratio}x${ofCeiling(r.ceilingFraction)}`;
  const layers = (r.perLayer ?? []).filter((l) => l.share >= 0.005)
    .map((l) => `    ${l.layer.padEnd(22)} ${l.forwardUs.toFixed(2).padStart(6)} us an image  ${(100 * l.share).toFixed(1).padStart(5)}%`);
  return [head, ...layers].join('\n');
}
