/**
 * The kernel table: every kernel's arguments, in order, described once as data. The bindings are derived
 * from it, each by `bindKernels` with the backend's way of passing a tensor: the wasm backend passes a
 * region's byte offset (0 for null), the js backend the region's Float32Array (Int32Array, Uint8Array)
 * view, the Float64 test backend a Float64Array over its shadow of the arena. Scalars pass unchanged.
 *
 * The `Kernels` interface (kernels.ts) stays the typed, documented description of each kernel; the table
 * is checked against it at compile time (`tableMatchesKernels` below): a kernel missing from the table,
 * one too many, or an argument of the wrong kind or count does not compile.
 */
import type { Region } from '../memory.js';
import type { Kernels } from './kernels.js';

/**
 * How one argument is passed.
 * - `f`: a float32 tensor (output, input or parameter).
 * - `f?`: a float32 tensor or null (the wasm kernel gets 0): a connection table, a first layer's dinp.
 * - `col`: the conv kernels' scratch, a float32 tensor. It comes right after the connection table (`f?`)
 *   and right before the 8 conv dims N, C, H, W, OC, KH, KW, pad, from which the wasm binding checks its
 *   length (convScratchLength): the kernel trusts it, so a short scratch would corrupt memory.
 * - `i`: an int32 tensor (labels, max-pool argmax); `u8`: a byte tensor (image pixels).
 * - `i32`: an integer (a dim, a count, a 0/1 flag); `u32`: an unsigned one (a seed, a hash index);
 *   `f32`: a float the wasm kernel takes as float32 (the twins get the number as given).
 * Each matches a parameter type of the AssemblyScript export: usize for the tensors, then i32, u32, f32.
 */
export type ArgKind = 'f' | 'f?' | 'col' | 'i' | 'u8' | 'i32' | 'u32' | 'f32';

export interface KernelEntry {
  /** The arguments every call passes, in order. */
  readonly args: readonly ArgKind[];
  /** Trailing arguments a call may leave out: scalars default to 0, tensors to null. */
  readonly optional?: readonly ArgKind[];
  /** `f32` for the losses (the batch-mean loss); otherwise the kernel returns nothing. */
  readonly returns?: 'f32';
}

const NCHW = ['i32', 'i32', 'i32', 'i32'] as const;
/** N, C, H, W, OC, KH, KW, pad. */
const CONV = [...NCHW, 'i32', 'i32', 'i32', 'i32'] as const;

/** Every kernel, in the order of the `Kernels` interface (the order of KERNEL_NAMES). */
export const KERNEL_TABLE = {
  // conv.ts
  convForward: { args: ['f', 'f', 'f', 'f', 'f?', 'col', ...CONV], optional: ['i32', 'i32', 'f?'] },
  convBackwardInput: { args: ['f', 'f', 'f', 'f?', 'col', ...CONV] },
  convBackwardWeights: { args: ['f', 'f', 'f', 'f', 'f?', 'col', ...CONV], optional: ['i32'] },
  // pool.ts
  avgPoolForward: { args: ['f', 'f', ...NCHW] },
  avgPoolBackward: { args: ['f', 'f', ...NCHW] },
  subsampleForward: { args: ['f', 'f', 'f', 'f', ...NCHW] },
  subsampleBackward: { args: ['f', 'f', 'f', 'f', 'f', 'f', ...NCHW] },
  maxPoolForward: { args: ['f', 'i', 'f', ...NCHW] },
  maxPoolBackward: { args: ['f', 'f', 'i', ...NCHW] },
  // dense.ts
  denseForward: { args: ['f', 'f', 'f', 'f', 'i32', 'i32', 'i32'] },
  denseBackward: { args: ['f?', 'f', 'f', 'f', 'f', 'f', 'i32', 'i32', 'i32'] },
  // rbf.ts
  rbfForward: { args: ['f', 'f', 'f', 'i32', 'i32', 'i32'] },
  rbfBackward: { args: ['f', 'f', 'f', 'f', 'i32', 'i32', 'i32'] },
  // activation.ts
  reluForward: { args: ['f', 'f', 'i32'] },
  reluBackward: { args: ['f', 'f', 'f', 'i32'] },
  tanhForward: { args: ['f', 'f', 'i32'] },
  tanhBackward: { args: ['f', 'f', 'f', 'i32'] },
  sigmoidForward: { args: ['f', 'f', 'i32'] },
  sigmoidBackward: { args: ['f', 'f', 'f', 'i32'] },
  softmaxForward: { args: ['f', 'f', 'i32', 'i32'] },
  softmaxBackward: { args: ['f', 'f', 'f', 'i32', 'i32'] },
  // loss.ts
  softmaxCrossEntropy: { args: ['f', 'f', 'f', 'i', 'i32', 'i32'], returns: 'f32' },
  mseLoss: { args: ['f', 'f', 'f', 'i32', 'i32'], returns: 'f32' },
  rbfPenaltyLoss: { args: ['f', 'f', 'i', 'i32', 'i32'], returns: 'f32' },
  rbfMapLoss: { args: ['f', 'f', 'i', 'i32', 'i32', 'f32'], returns: 'f32' },
  // optim.ts
  scaleAdd: { args: ['f', 'f', 'i32', 'f32', 'f32'] },
  sgdUpdate: { args: ['f', 'f', 'f', 'i32', 'f32', 'f32', 'f32', 'i32'] },
  /** The last argument is the step t; the wasm export takes two bias corrections instead (wasm-backend.ts). */
  adamUpdate: { args: ['f', 'f', 'f', 'f', 'i32', 'f32', 'f32', 'f32', 'f32', 'f32', 'i32'] },
  // hessian.ts
  square: { args: ['f', 'f', 'i32'] },
  tanhBackward2: { args: ['f', 'f', 'f', 'i32'] },
  avgPoolBackward2: { args: ['f', 'f', ...NCHW] },
  subsampleBackward2: { args: ['f', 'f', 'f', 'f', 'f', 'f', ...NCHW] },
  rbfLossBackward2: { args: ['f', 'f', 'f', 'f', 'i32', 'i32', 'i32', 'f32', 'i32'] },
  softmaxCrossEntropyBackward2: { args: ['f', 'f', 'i32', 'i32'] },
  sdlmUpdate: { args: ['f', 'f', 'f', 'i32', 'f32', 'f32'] },
  // dropout.ts
  dropoutForward: { args: ['f', 'f', 'f', 'i32', 'f32', 'u32'], optional: ['u32'] },
  dropoutBackward: { args: ['f', 'f', 'f', 'i32'] },
  // input.ts
  bytesToInput: { args: ['f', 'u8', 'f', 'i32', 'i32', 'i32', 'i32'] },
} as const satisfies { readonly [K in keyof Kernels<unknown, unknown>]: KernelEntry };

/** The name of one kernel of {@link Kernels} (`'convForward'`, `'denseBackward'`, ...). */
export type KernelName = keyof typeof KERNEL_TABLE;

/** Names of every kernel, in the table's order: for tests that must cover all of them, and the bindings. */
export const KERNEL_NAMES = Object.freeze(Object.keys(KERNEL_TABLE)) as readonly KernelName[];

/** How many arguments a full call of the kernel passes (the optional ones included). */
export function kernelArity(name: KernelName): number {
  const e: KernelEntry = KERNEL_TABLE[name];
  return e.args.length + (e.optional?.length ?? 0);
}

// ---- Compile-time check: the table describes exactly the `Kernels` interface --------------------------

// Distinct stand-ins for the tensor types, so that a float tensor given as an int one does not type-check.
interface FloatT { readonly float: true }
interface IntT { readonly int: true }
interface ByteT { readonly byte: true }
type TypeOf<K, F, I, B> =
  K extends 'f' | 'col' ? F : K extends 'f?' ? F | null : K extends 'i' ? I : K extends 'u8' ? B : number;
type Required_<T extends readonly ArgKind[], F, I, B> = { -readonly [P in keyof T]: TypeOf<T[P], F, I, B> };
type Optional_<T extends readonly ArgKind[], F, I, B> = { -readonly [P in keyof T]+?: TypeOf<T[P], F, I, B> };
/** The function type a table entry describes, over tensors F (float), I (int32) and B (bytes). */
type KernelSignature<E, F, I, B> =
  E extends { readonly args: infer A extends readonly ArgKind[]; readonly optional: infer O extends readonly ArgKind[] }
    ? (...args: [...Required_<A, F, I, B>, ...Optional_<O, F, I, B>]) => ReturnOf<E>
    : E extends { readonly args: infer A extends readonly ArgKind[] } ? (...args: Required_<A, F, I, B>) => ReturnOf<E>
    : never;
type ReturnOf<E> = E extends { readonly returns: 'f32' } ? number : void;
// Type identity (not mere assignability, which lets methods' parameters vary both ways and forgives `?`).
type Identical<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
type Mismatched = {
  [K in KernelName]:
    Identical<Kernels<FloatT, IntT, ByteT>[K], KernelSignature<(typeof KERNEL_TABLE)[K], FloatT, IntT, ByteT>> extends true
      ? never : K
}[KernelName];
/** Fails to compile, naming the kernel, when an entry does not describe that kernel's signature exactly. */
export const tableMatchesKernels: [Mismatched] extends [never] ? true : { mismatched: Mismatched } = true;

// ---- The bindings ---------------------------------------------------------------------------------------

/** How a backend passes the tensors (arena regions) of a kernel call to its implementation. */
export interface TensorPassing<T> {
  /** A float32 tensor (kinds `f`, `f?` and `col`). */
  f32(r: Region): T;
  /** An int32 tensor. */
  i32(r: Region): T;
  /** A byte tensor. */
  u8(r: Region): T;
  /** What a null tensor (`f?`) becomes. */
  readonly none: T;
  /** Called before the conv kernels with their scratch (`col`): `args` is the call as given, `at` its position. */
  checkScratch?(col: Region, args: readonly unknown[], at: number): void;
}

type Fn = (...args: unknown[]) => unknown;

// The tensor kinds as the bound kernels convert them. A code per argument, not a closure: the bound kernels
// share their code (and so the call sites in it), and calls through per-argument closures cost about twice
// the overhead of a call (measured on the kernels of a LeNet-5 forward pass).
const FLOAT = 1, FLOAT_OR_NULL = 2, INT = 3, BYTES = 4;
const TENSOR_CODE: Partial<Record<ArgKind, number>> = { 'f': FLOAT, 'col': FLOAT, 'f?': FLOAT_OR_NULL, 'i': INT, 'u8': BYTES };

/**
 * f(a[0], ..., a[n - 1]). A spread call, f(...a), costs more than the smaller kernels (an activation of a
 * few values) take; the conv kernels, the only ones with more than 11 arguments, do not notice it.
 */
function invoker(n: number): (f: Fn, a: unknown[]) => unknown {
  switch (n) {
    case 3: return (f, a) => f(a[0], a[1], a[2]);
    case 4: return (f, a) => f(a[0], a[1], a[2], a[3]);
    case 5: return (f, a) => f(a[0], a[1], a[2], a[3], a[4]);
    case 6: return (f, a) => f(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7: return (f, a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    case 8: return (f, a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    case 9: return (f, a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
    case 10: return (f, a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
    case 11: return (f, a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
    default: return (f, a) => f(...a.slice(0, n));
  }
}

/**
 * Binds every kernel of the table to `impl(name)`, converting each tensor argument with `pass`. A call
 * that leaves out optional trailing arguments reaches `impl` with their defaults (0, or null tensors), so
 * every implementation is called with the table's full argument list.
 */
export function bindKernels<T>(pass: TensorPassing<T>, impl: (name: KernelName) => (...args: never[]) => unknown):
  Kernels<Region, Region> {
  const bound: Record<string, Fn> = {};
  for (const name of KERNEL_NAMES) {
    const { args: required, optional = [] }: KernelEntry = KERNEL_TABLE[name];
    const kinds = [...required, ...optional];
    const tensorAt = kinds.flatMap((k, at) => (TENSOR_CODE[k] !== undefined ? [at] : []));
    const codes = tensorAt.map((at) => TENSOR_CODE[kinds[at]!]!);
    const first = required.length;
    const defaults = optional.map((k) => (k === 'f?' ? null : 0));
    const scratchAt = kinds.indexOf('col');
    const check = scratchAt >= 0 ? pass.checkScratch?.bind(pass) : undefined;
    const fn = impl(name) as Fn;
    const call = invoker(kinds.length);
    // The call's own argument array (the rest parameter) is completed, checked, converted in place (the
    // tensors; scalars pass as given) and handed on.
    bound[name] = (...args: unknown[]) => {
      for (let j = 0; j < defaults.length; j++) if (args[first + j] === undefined) args[first + j] = defaults[j];
      if (check !== undefined) check(args[scratchAt] as Region, args, scratchAt);
      for (let j = 0; j < tensorAt.length; j++) {
        const at = tensorAt[j]!;
        const r = args[at] as Region | null;
        const code = codes[j]!;
        args[at] = code === FLOAT ? pass.f32(r!) : code === INT ? pass.i32(r!) : code === BYTES ? pass.u8(r!)
          : r === null ? pass.none : pass.f32(r);
      }
      return call(fn, args);
    };
  }
  return bound as unknown as Kernels<Region, Region>;
}
