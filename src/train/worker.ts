/**
 * A data-parallel training thread (Node worker_threads; see parallel.ts): builds its replica of the model
 * in its slice of the shared memory, reports the layout, then serves steps signalled through the control
 * block until told to exit. Loaded by URL, never imported.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createWasmBackend } from '../backend/wasm-backend.js';
import { CMD_EXIT, CMD_TRAIN, sequentialFromConfig, type WorkerSetup } from './parallel.js';

const s = workerData as WorkerSetup;
const model = sequentialFromConfig(s.config).build(createWasmBackend(s.module, undefined, s), s.capacity);
const buf = s.memory.buffer;
const ctrl = new Int32Array(buf, s.ctrl, 256);
const losses = new Float64Array(buf, s.ctrl + 256 * 4, 64);
const params0 = new Float32Array(buf, s.params0, model.paramBlockLength);
const params = model.view(model.paramsRegion);
// Read the step counter before saying ready: the main thread may signal the first step right after.
let gen = Atomics.load(ctrl, 0);
parentPort!.postMessage({ params: model.paramsRegion.ptr, grads: model.gradsRegion.ptr, input: model.inputRegion.ptr });
for (;;) {
  Atomics.wait(ctrl, 0, gen);
  gen = Atomics.load(ctrl, 0);
  const cmd = ctrl[2]!;
  if (cmd === CMD_EXIT) break;
  const N = ctrl[8 + 2 * s.index]!;
  const first = ctrl[8 + 2 * s.index + 1]!;
  try {
    if (N > 0) {
      params.set(params0);
      if (cmd === CMD_TRAIN) {
        model.forward(N, true, ctrl[3]! >>> 0, true, first);
        losses[s.index] = model.computeLoss(N);
        model.zeroGrad();
        model.backward(N);
      } else {
        model.forward(N, false);
      }
    }
  } catch (err) {
    // Count the failure and still report done: the main thread is blocked waiting for every thread.
    Atomics.add(ctrl, 4, 1);
    console.error(`lenet5 worker ${s.index}:`, err);
  }
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
