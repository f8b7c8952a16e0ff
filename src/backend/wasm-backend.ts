import { Arena, type Region } from '../memory.js';
import type { Backend } from './backend.js';
import { InvalidArgumentError } from '../errors.js';
import { convScratchLength, type Kernels } from './kernels.js';
import {
  bindKernels, kernelArity, KERNEL_NAMES, KERNEL_TABLE, type ArgKind, type KernelName, type TensorPassing,
} from './kernel-table.js';

/** The module's exports: every kernel over byte offsets, plus the memory and where the heap starts. */
export interface WasmExports extends Omit<Kernels<number, number>, 'adamUpdate'> {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  /** Takes the bias corrections c1 = 1 / (1 - beta1^t), c2 = 1 / (1 - beta2^t) where the others take t. */
  adamUpdate(param: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, c1: number, c2: number): void;
}

/**
 * The conv kernels write up to convScratchLength floats of `col` and trust it: a short scratch would be
 * memory corruption, not an error, so it is checked here (a few multiplications a call). In the table the
 * scratch (`col`) follows the connection table and precedes the dims N, C, H, W, OC, KH, KW, pad.
 */
function checkScratch(col: Region, args: readonly unknown[], at: number): void {
  const mask = args[at - 1] as Region | null;
  const [N, C, H, W, OC, KH, KW, pad] = args.slice(at + 1, at + 9) as number[];
  const need = convScratchLength(N!, C!, H!, W!, KH!, KW!, pad!, mask !== null ? OC! : 0);
  if (col.length < need) {
    throw new InvalidArgumentError(`conv scratch ${col.label} holds ${col.length} floats, the call needs ${need} ` +
      '(convScratchLength, with the output maps when a connection table is given)');
  }
}

/** A kernel whose wasm export takes other parameters than the kernel: the export's own, and the glue. */
interface WasmAdapter<K extends KernelName> {
  /** The export's parameters (what the module is checked against at instantiation). */
  readonly params: readonly ArgKind[];
  bind(exports: WasmExports): Kernels<number, number>[K];
}

/**
 * The only such kernel. adamUpdate's export takes the bias corrections c1 = 1 / (1 - beta1^t) and
 * c2 = 1 / (1 - beta2^t) where the kernel takes the step t: a pow in the wasm would bring AssemblyScript's
 * pow and its table into every build for two numbers a step (assembly/optim.ts). They are computed here in
 * f64 from the betas rounded to float32, the values the kernel multiplies with.
 */
export const WASM_ADAPTERS: { readonly [K in KernelName]?: WasmAdapter<K> } = {
  adamUpdate: {
    params: [...KERNEL_TABLE.adamUpdate.args.slice(0, -1), 'f32', 'f32'],
    bind: (k) => (param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, t) =>
      k.adamUpdate(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay,
        1 / (1 - Math.pow(Math.fround(beta1), t)), 1 / (1 - Math.pow(Math.fround(beta2), t))),
  },
};

/** How the wasm backend passes tensors: byte offsets into the module's memory, 0 for null. */
const WASM_PASSING: TensorPassing<number> = {
  f32: (r) => r.ptr,
  i32: (r) => r.ptr,
  u8: (r) => r.ptr,
  none: 0,
  checkScratch,
};

/**
 * Refuses a module that is not these kernels (an `init({ wasm })` of another build or version): every
 * kernel of the table must be exported with its number of parameters, with heapBase and, unless the
 * memory is imported, the memory.
 */
function checkExports(exports: WebAssembly.Exports, importsMemory: boolean): void {
  const refuse = (what: string): never => {
    throw new InvalidArgumentError(`lenet5: the WebAssembly module ${what}: it is not the kernels of this version ` +
      '(init({ wasm }) takes the lenet5.wasm shipped with this package)');
  };
  const expectFunction = (name: string, what: string, params: number): void => {
    const f = exports[name];
    if (typeof f !== 'function') refuse(`does not export ${what}`);
    else if (f.length !== params) refuse(`exports ${name} with ${f.length} parameters where this version's has ${params}`);
  };
  for (const name of KERNEL_NAMES) {
    expectFunction(name, `the kernel ${name}`, WASM_ADAPTERS[name]?.params.length ?? kernelArity(name));
  }
  expectFunction('heapBase', 'heapBase (where the arena may start)', 0);
  if (!importsMemory && !(exports['memory'] instanceof WebAssembly.Memory)) refuse('does not export its memory');
}

/**
 * A slice of a shared WebAssembly.Memory for one instance of the threads build: its arena spans
 * [base, end) and never grows the memory (size it first), so instances on other threads can share it.
 */
export interface SharedSlice {
  memory: WebAssembly.Memory;
  base: number;
  end: number;
}

/**
 * Instantiates `module` with its own memory and binds every kernel to regions of one arena; with `shared`,
 * the threads build over that slice of a shared memory instead.
 */
export function createWasmBackend(module: WebAssembly.Module, maxBytes?: number, shared?: SharedSlice): Backend {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new InvalidArgumentError(`lenet5: a wasm kernel aborted at ${line}:${col} (arguments outside its contract: a bug in lenet5, please report it)`);
      },
      ...(shared !== undefined ? { memory: shared.memory } : {}),
    },
  });
  checkExports(instance.exports, shared !== undefined);
  const k = instance.exports as unknown as WasmExports;
  const arena = shared !== undefined
    ? new Arena(shared.memory, Math.max(shared.base, k.heapBase()), shared.end)
    : new Arena(k.memory, k.heapBase(), maxBytes);
  const bound = bindKernels(WASM_PASSING, (name) => WASM_ADAPTERS[name]?.bind(k) ?? k[name]);
  return { name: 'wasm', arena, ...bound };
}
