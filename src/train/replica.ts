/**
 * One data-parallel worker's side of parallel.ts, shared by the Node thread (worker.ts) and the browser
 * module worker (web-worker.ts), which only differ in how the setup arrives and the ready message leaves:
 * build the replica of the model in this thread's slice of the shared memory, report its layout, then
 * serve the steps signalled through the control block until told to exit.
 *
 * The control block's layout lives here too, so the coordinating side and the workers read one definition.
 * This module is platform-neutral and imports nothing of the trainer (fit, optimizers), which keeps the
 * browser worker bundle to the layers and the kernels.
 */
import { createWasmBackend } from '../backend/wasm-backend.js';
import { layerFromConfig } from '../layers/index.js';
import { Sequential } from '../models/sequential.js';

// Control block: CTRL_INTS Int32 slots, then one float64 loss per thread (up to 64 threads).
export const GEN = 0; // bumped by the coordinator to start a step; workers wait on it
export const DONE = 1; // workers that finished the current step; the coordinator waits on it
export const CMD = 2;
export const SEED = 3;
export const FAILED = 4; // workers whose step threw
export const SHARDS = 8; // per thread: N, first
export const CTRL_INTS = 256;
export const CTRL_BYTES = CTRL_INTS * 4 + 8 * 64;
export const CMD_TRAIN = 1;
export const CMD_FORWARD = 2;
export const CMD_EXIT = 3;

/** What a worker needs to build its replica (structured-cloned to it). */
export interface WorkerSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  base: number;
  end: number;
  config: ReturnType<Sequential['config']>;
  capacity: number;
  ctrl: number;
  index: number;
  params0: number;
}

/** The first message of a worker: where its replica lives, or why it could not build it. */
export type WorkerReady = { params: number; grads: number; input: number } | { error: string };

/** The layer graph of `config` (a Sequential's `config()`), unbuilt. */
export function sequentialFromConfig(config: ReturnType<Sequential['config']>): Sequential {
  return new Sequential(config.layers.map((c) => layerFromConfig(c)), { input: config.input, loss: config.loss, name: config.name });
}

/**
 * Builds this worker's replica, calls `ready` with its layout, then serves steps until CMD_EXIT. Blocks
 * the calling thread (Atomics.wait) between steps, so only a worker may call it.
 */
export function serveSteps(s: WorkerSetup, ready: (message: WorkerReady) => void): void {
  const model = sequentialFromConfig(s.config).build(createWasmBackend(s.module, undefined, s), s.capacity);
  const buf = s.memory.buffer;
  const ctrl = new Int32Array(buf, s.ctrl, CTRL_INTS);
  const losses = new Float64Array(buf, s.ctrl + CTRL_INTS * 4, 64);
  const params0 = new Float32Array(buf, s.params0, model.paramBlockLength);
  const params = model.view(model.paramsRegion);
  // Read the step counter before saying ready: the coordinator may signal the first step right after.
  let gen = Atomics.load(ctrl, GEN);
  ready({ params: model.paramsRegion.ptr, grads: model.gradsRegion.ptr, input: model.inputRegion.ptr });
  for (;;) {
    Atomics.wait(ctrl, GEN, gen);
    gen = Atomics.load(ctrl, GEN);
    const cmd = ctrl[CMD]!;
    if (cmd === CMD_EXIT) break;
    const N = ctrl[SHARDS + 2 * s.index]!;
    const first = ctrl[SHARDS + 2 * s.index + 1]!;
    try {
      if (N > 0) {
        params.set(params0);
        if (cmd === CMD_TRAIN) {
          losses[s.index] = model.gradientStep(N, ctrl[SEED]! >>> 0, first);
        } else {
          model.forward(N, false);
        }
      }
    } catch (err) {
      // Count the failure and still report done: the coordinator is waiting for every thread.
      Atomics.add(ctrl, FAILED, 1);
      console.error(`lenet5 worker ${s.index}:`, err);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}
