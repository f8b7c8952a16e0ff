/**
 * Data-parallel synchronous training (and batch inference) over worker threads that share one
 * WebAssembly.Memory: the shared-memory build of the kernels is instantiated once per thread over it,
 * each thread owning a replica of the model (its own activations, gradients and scratch) in a fixed slice.
 *
 * Threads change how one batch's gradient is computed, nothing else: fit's loop (guard, clipGradNorm,
 * checkpoints, resume) runs on `threadedGradients` as on one thread, with the same random draws, so a
 * checkpoint written on 2 threads resumes on 1 and the other way round.
 *
 * One step of a batch of N: the coordinating thread (the one fit runs on) writes each replica's shard of
 * the batch (rows split as evenly as possible, its own first) and copies the weights into replica 0; every
 * worker copies replica 0's weights into its own, runs forward, the loss of its shard and backward; the
 * coordinator then folds the shard gradients into replica 0's in wasm (scaleAdd, weighted by shard size /
 * N: each shard's gradient is that of its own mean loss) and steps the model's optimizer on them. Dropout
 * draws with the batch's seed and each shard's offset, so the run computes what one thread would, up to
 * the order of float additions.
 *
 * Threads hand off through Atomics on a small control block in the shared memory (no messages per step;
 * layout and the workers' loop in replica.ts). Node runs the workers on worker_threads, browsers on module
 * Web Workers (platform/worker-threads.ts), which need a cross-origin isolated page for the shared memory.
 * This module is imported with `import()` (by fit and LeNet5.predictor) when threads are asked for, so apps
 * that never use them do not load it.
 *
 * Waiting for the workers: browsers forbid Atomics.wait on a page's main (window) thread, so there the
 * coordinator awaits Atomics.waitAsync instead (Chromium, Safari), which also lets the page's event loop
 * run while the workers finish a step; where the thread may block (Node, any Web Worker) it blocks, as
 * before. Supporting the window thread, rather than only workers, costs nothing a one-thread fit there
 * would not: the coordinator computes its own shard either way, and it waits without blocking the page.
 * Where the thread may not block and the engine has no waitAsync, fit falls back to one thread with a
 * notice naming the fix (call fit from a Web Worker), as it does without isolation or SharedArrayBuffer.
 */
import { startThread, type ThreadHandle } from '../platform/start-thread.js';
import { canBlock, threadsUnavailable, waitAsync } from '../platform/worker-threads.js';
import type { Backend } from '../backend/backend.js';
import { createJsBackend } from '../backend/js-backend.js';
import { threadsModule } from '../backend/load.js';
import { createWasmBackend } from '../backend/wasm-backend.js';
import type { AnyDataset } from '../data/dataset.js';
import { DisposedError, InvalidArgumentError, PlatformError } from '../errors.js';
import type { Sequential } from '../models/sequential.js';
import { BatchPrediction, checkImages, countCorrect, firstNonFiniteActivation, scoreKind } from '../models/inference.js';
import type { BatchGradients, BatchResult } from './fit.js';
import {
  CMD, CMD_EXIT, CMD_FORWARD, CMD_TRAIN, CTRL_BYTES, CTRL_INTS, DONE, FAILED, GEN, SEED, SHARDS, sequentialFromConfig,
  type WorkerReady, type WorkerSetup,
} from './replica.js';

export { CMD_EXIT, CMD_FORWARD, CMD_TRAIN, sequentialFromConfig, type WorkerSetup };


const PAGE = 65536;

/** Shard sizes of a batch of N over `threads` (the first ones one larger when N does not divide). */
export function shardSizes(N: number, threads: number): number[] {
  const base = Math.floor(N / threads);
  const extra = N % threads;
  return Array.from({ length: threads }, (_, t) => base + (t < extra ? 1 : 0));
}

/** Replicas of one model over a shared memory, one per thread; replica 0 runs on the calling thread. */
export class ReplicaPool {
  private closed = false;

  private constructor(
    /** replicas[0] is the main thread's; replicas[t] (t > 0) mirror the workers' layouts for reading and writing. */
    readonly replicas: Sequential[],
    private readonly backend0: Backend,
    private readonly workers: ThreadHandle[],
    private readonly ctrl: Int32Array,
    private readonly losses: Float64Array,
    readonly memoryBytes: number,
    /** Whether this thread blocks on Atomics.wait between steps (else it awaits Atomics.waitAsync). */
    private readonly block: boolean,
  ) {}

  get threads(): number {
    return this.replicas.length;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Starts `threads - 1` workers, each with a replica of `model` for shards of up to `capacity` samples.
   * Null when the shared-memory build is unavailable here.
   */
  static async create(model: Sequential, threads: number, capacity: number, workerUrl?: URL | string): Promise<ReplicaPool | null> {
    const module = await threadsModule();
    if (module === null) return null;
    const config = model.config();
    // A replica's arena size: lay one out on the js backend (same allocation sequence, 16-byte aligned).
    const probe = sequentialFromConfig(config).build(createJsBackend(), capacity);
    const slice = Math.ceil((probe.backend.arena.used + PAGE) / PAGE) * PAGE;
    const heapProbe = new WebAssembly.Instance(module, {
      env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }) },
    }).exports as unknown as { heapBase(): number };
    const ctrlAt = (heapProbe.heapBase() + 63) & ~63;
    const first = Math.ceil((ctrlAt + CTRL_BYTES) / PAGE) * PAGE;
    const total = first + threads * slice;
    const pages = Math.ceil(total / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const at = (t: number) => ({ memory, base: first + t * slice, end: first + (t + 1) * slice });
    const replicas: Sequential[] = [];
    const backends: Backend[] = [];
    for (let t = 0; t < threads; t++) {
      const b = createWasmBackend(module, undefined, at(t));
      backends.push(b);
      replicas.push(sequentialFromConfig(config).build(b, capacity));
    }
    const ctrl = new Int32Array(memory.buffer, ctrlAt, CTRL_INTS);
    const losses = new Float64Array(memory.buffer, ctrlAt + CTRL_INTS * 4, 64);
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    const url = typeof workerUrl === 'string' ? new URL(workerUrl, base) : workerUrl;
    const workers: ThreadHandle[] = [];
    try {
      for (let t = 1; t < threads; t++) {
        const setup: WorkerSetup = {
          module, ...at(t), config, capacity, ctrl: ctrlAt, index: t, params0: replicas[0]!.paramsRegion.ptr,
        };
        const w = await startThread(url, setup);
        workers.push(w);
        const ready = await new Promise<WorkerReady>((resolve, reject) => {
          w.once('message', (m) => resolve(m as WorkerReady));
          w.once('error', (e) => reject(e instanceof Error ? e : new PlatformError(`lenet5: worker thread ${t} failed to start: ${String(e)}`)));
        });
        // Idle threads must not keep Node alive: a predictor never closed would otherwise hang the process
        // at exit. A step blocks on Atomics.wait for them (or refs them while it awaits waitAsync).
        w.unref?.();
        if ('error' in ready) throw new PlatformError(`lenet5: worker thread ${t} could not build its replica: ${ready.error}`);
        const r = replicas[t]!;
        if (ready.params !== r.paramsRegion.ptr || ready.grads !== r.gradsRegion.ptr || ready.input !== r.inputRegion.ptr) {
          throw new PlatformError(`lenet5: worker thread ${t} laid its replica out differently from the main thread's mirror (a bug in lenet5, please report it)`);
        }
      }
    } catch (err) {
      for (const w of workers) void w.terminate();
      throw err;
    }
    return new ReplicaPool(replicas, backends[0]!, workers, ctrl, losses, pages * PAGE, canBlock());
  }

  /**
   * Runs `cmd` over the batch split into `sizes` (replica t takes rows first_t .. first_t + sizes[t] of
   * it, already written into its input): CMD_TRAIN also computes each shard's loss (returned) and its
   * gradient. Resolves when every thread is done (blocking where this thread may, else awaiting).
   */
  async run(cmd: number, sizes: readonly number[], seed: number): Promise<Float64Array> {
    if (this.closed) throw new DisposedError('lenet5: these worker threads were closed; create a new predictor with net.predictor() (or fit again)');
    const c = this.ctrl;
    let first = 0;
    for (let t = 0; t < sizes.length; t++) {
      c[SHARDS + 2 * t] = sizes[t]!;
      c[SHARDS + 2 * t + 1] = first;
      first += sizes[t]!;
    }
    c[SEED] = seed | 0;
    c[CMD] = cmd;
    Atomics.store(c, DONE, 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    const r0 = this.replicas[0]!;
    const N0 = sizes[0]!;
    if (cmd === CMD_TRAIN) {
      this.losses[0] = r0.gradientStep(N0, seed >>> 0);
    } else {
      r0.forward(N0, false);
    }
    const W = this.workers.length;
    // Awaiting (not blocking), the threads are what the step waits for: keep the process alive meanwhile.
    if (!this.block) for (const w of this.workers) w.ref?.();
    try {
      for (let d = Atomics.load(c, DONE); d < W; d = Atomics.load(c, DONE)) {
        if (this.block) Atomics.wait(c, DONE, d);
        else await waitAsync!(c, DONE, d).value;
      }
    } finally {
      if (!this.block) for (const w of this.workers) w.unref?.();
    }
    if (Atomics.load(c, FAILED) !== 0) {
      throw new PlatformError(`lenet5: ${Atomics.load(c, FAILED)} worker thread(s) failed during a step (their error is on stderr)`);
    }
    return this.losses;
  }

  /** Folds the shard gradients into replica 0's (in wasm): grads0 = sum_t (sizes[t] / N) grads_t. */
  reduceGradients(sizes: readonly number[]): void {
    const N = sizes.reduce((s, n) => s + n, 0);
    const g0 = this.replicas[0]!.gradsRegion;
    const P = g0.length;
    let a = sizes[0]! / N;
    for (let t = 1; t < sizes.length; t++) {
      if (sizes[t] === 0) continue;
      this.backend0.scaleAdd(g0, this.replicas[t]!.gradsRegion, P, a, sizes[t]! / N);
      a = 1;
    }
    if (a !== 1) this.backend0.scaleAdd(g0, g0, P, a, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const c = this.ctrl;
    c[CMD] = CMD_EXIT;
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The gradient of each batch split over `threads` threads (fit's loop runs on it as on one thread), with
 * shards of up to `capacity` rows; null when the shared-memory build is unavailable here. A step: write
 * each replica's shard, copy the model's weights into replica 0 (the workers copy them from there), run
 * forward, loss and backward on every thread, then fold the shard gradients into the model's grads.
 */
export async function threadedGradients(model: Sequential, data: AnyDataset, threads: number, capacity: number,
  workerUrl?: URL | string): Promise<BatchGradients | null> {
  const pool = await ReplicaPool.create(model, threads, capacity, workerUrl);
  if (pool === null) return null;
  const r0 = pool.replicas[0]!;
  const out: BatchResult = { loss: 0, correct: 0 };
  let sizes: number[] = [];
  let losses: Float64Array | null = null;
  return {
    threads,
    async gradients(start, N, order, epoch, stepSeed) {
      sizes = shardSizes(N, threads);
      let at = start;
      for (let t = 0; t < threads; t++) {
        if (sizes[t]! > 0) pool.replicas[t]!.writeBatch(data, at, sizes[t]!, order, epoch);
        at += sizes[t]!;
      }
      r0.view(r0.paramsRegion).set(model.view(model.paramsRegion));
      losses = await pool.run(CMD_TRAIN, sizes, stepSeed);
      let loss = 0;
      let correct = 0;
      for (let t = 0; t < threads; t++) {
        if (sizes[t] === 0) continue;
        loss += (losses[t]! * sizes[t]!) / N;
        correct += countCorrect(pool.replicas[t]!, sizes[t]!);
      }
      out.loss = loss;
      out.correct = correct;
      if (!Number.isFinite(loss)) return out;
      pool.reduceGradients(sizes);
      model.view(model.gradsRegion).set(r0.view(r0.gradsRegion));
      return out;
    },
    locateNonFinite() {
      // The replicas' activations are still those of the step (backward writes only gradients).
      for (let t = 0; t < threads && losses !== null; t++) {
        if (sizes[t]! > 0 && !Number.isFinite(losses[t]!)) {
          return `${firstNonFiniteActivation(pool.replicas[t]!, sizes[t]!)} (thread ${t + 1} of ${threads})`;
        }
      }
      return 'the loss';
    },
    close: () => pool.close(),
  };
}

/**
 * Batch inference over worker threads that stay up between calls: the workers start once (tens of
 * milliseconds), then every `predict` splits its images into per-thread shards of up to `capacity` a round
 * and reads the model's weights as they are at that call. `close()` stops the workers.
 */
export class ParallelPredictor {
  private constructor(private readonly model: Sequential, private readonly pool: ReplicaPool,
    private readonly capacity: number) {}

  /**
   * Starts `threads - 1` workers (the calling thread is the first of the `threads`); null where they cannot
   * run (threadsUnavailable(), the js backend, no shared-memory kernels). `capacity`: images per thread a
   * round (default 64: their activations stay in cache, and a round's handoff costs little against them).
   */
  static async create(model: Sequential, threads: number, opts: { capacity?: number; workerUrl?: URL | string } = {}):
    Promise<ParallelPredictor | null> {
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      throw new InvalidArgumentError(`predict: threads must be an integer in [1, 64], got ${String(threads)}`);
    }
    const capacity = opts.capacity ?? 64;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(`predict: capacity must be an integer >= 1, got ${String(capacity)}`);
    }
    if (threadsUnavailable() !== null || model.backend.name !== 'wasm') return null;
    const pool = await ReplicaPool.create(model, threads, capacity, opts.workerUrl);
    return pool === null ? null : new ParallelPredictor(model, pool, capacity);
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** The labels and scores predictBatch gives, computed over the threads. */
  async predict(images: ArrayLike<number>, count?: number): Promise<BatchPrediction> {
    if (this.pool.isClosed) {
      throw new DisposedError('predict: this predictor was closed; create a new one with net.predictor({ threads })');
    }
    const model = this.model;
    count = checkImages(model, images, count);
    const { pool, capacity } = this;
    const threads = pool.threads;
    const C = model.classes;
    const labels = new Int32Array(count);
    const scores = new Float32Array(count * C);
    const r0 = pool.replicas[0]!;
    r0.view(r0.paramsRegion).set(model.view(model.paramsRegion));
    for (let start = 0; start < count; start += capacity * threads) {
      const N = Math.min(capacity * threads, count - start);
      const sizes = shardSizes(N, threads);
      let at = start;
      for (let t = 0; t < threads; t++) {
        if (sizes[t]! > 0) pool.replicas[t]!.setInput(images, sizes[t]!, ((o) => (i: number) => o + i)(at));
        at += sizes[t]!;
      }
      await pool.run(CMD_FORWARD, sizes, 0);
      at = start;
      for (let t = 0; t < threads; t++) {
        const r = pool.replicas[t]!;
        const n = sizes[t]!;
        for (let i = 0; i < n; i++) labels[at + i] = r.predictedClass(i);
        scores.set(r.output.subarray(0, n * C), at * C);
        at += n;
      }
    }
    return new BatchPrediction(count, C, labels, scores, scoreKind(model));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Inference over `threads` threads, starting and stopping the workers for this one call (a
 * ParallelPredictor keeps them). Returns the outputs (count x classes) and the predicted class per image,
 * or null where threads cannot run.
 */
export async function predictParallel(model: Sequential, images: ArrayLike<number>, count: number, threads: number,
  opts: { capacity?: number; workerUrl?: URL | string } = {}): Promise<{ labels: Int32Array; scores: Float32Array } | null> {
  const p = await ParallelPredictor.create(model, threads,
    { capacity: opts.capacity ?? 256, ...(opts.workerUrl !== undefined ? { workerUrl: opts.workerUrl } : {}) });
  if (p === null) return null;
  try {
    const { labels, scores } = await p.predict(images, count);
    return { labels, scores };
  } finally {
    await p.close();
  }
}
