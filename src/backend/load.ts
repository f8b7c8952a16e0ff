/**
 * Loading the kernels: `init()` compiles the wasm module once; every model then gets its own instance
 * (and so its own memory and arena) from `createBackend()`.
 *
 * The kernels come from a generated module imported on demand (builds.ts): no file to serve, no URL to
 * resolve, no bundler plugin, in Node ESM, every bundler and a plain <script type=module>; only the build
 * this engine runs is loaded. `init({ wasm })` overrides it with bytes, a URL or a Response.
 */
import { DataFormatError, DownloadError, InvalidArgumentError, NotInitializedError, PlatformError } from '../errors.js';
import type { Backend, BackendName } from './backend.js';
import { buildBytes, buildFile, buildName } from './builds.js';
import { isNode } from '../platform/node-builtin.js';
import { createWasmBackend } from './wasm-backend.js';

/**
 * Where to take a wasm build from: its bytes, a URL (string or URL object), or a fetch Response (or its promise).
 */
export type WasmSource = BufferSource | URL | string | Response | Promise<Response>;

/** Options of `init`: where the wasm builds come from, which backend, relaxed SIMD, notices. */
export interface InitOptions {
  /** Where to take the wasm from instead of the embedded copy: bytes, a URL (string or URL) or a Response. */
  wasm?: WasmSource;
  /**
   * Use the relaxed-SIMD (fused multiply-add) kernels when the engine validates them (default true):
   * Chromium does; Node 20 only with --experimental-wasm-relaxed-simd (the CLI sets it).
   */
  relaxedSimd?: boolean;
  /** Where to take the relaxed-SIMD build from instead of the packaged one: bytes, a URL or a Response. */
  relaxedWasm?: WasmSource;
  /**
   * Where to take the shared-memory build for `fit({ threads })` from instead of the packaged one: bytes, a
   * URL or a Response of lenet5.threads.wasm, or of lenet5.threads-relaxed.wasm when the relaxed-SIMD
   * kernels are in use. Default: the packaged one, loaded on first use.
   */
  threadsWasm?: WasmSource;
  /** Force a backend: 'js' skips wasm entirely. Default: 'wasm' when the engine supports SIMD. */
  backend?: BackendName;
  /** Called with the one-line notice when falling back to the js backend (default: console.warn). */
  warn?: (message: string) => void;
}

/** What `init` resolves with: the backend models get, and what the engine supports. */
export interface InitResult {
  /** The backend models get by default. */
  backend: BackendName;
  /** Whether this engine validates WebAssembly SIMD. */
  simd: boolean;
  /** Whether the kernels in use are the relaxed-SIMD (FMA) build. */
  relaxedSimd: boolean;
}

let compiled: WebAssembly.Module | null = null;
let compiledRelaxed = false;
let defaultBackend: BackendName | null = null;

// Smallest module using a v128 instruction (i8x16.splat + popcnt): validates only where SIMD is enabled.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

// Smallest module using f32x4.relaxed_madd (three i8x16.splat operands): validates only where relaxed SIMD
// is enabled (Chromium; Node 20 with --experimental-wasm-relaxed-simd).
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

/** True when this engine can run the relaxed-SIMD instructions (f32x4.relaxed_madd). */
export function hasRelaxedSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** The module `init()` compiled (the wasm backend's kernels), e.g. to instantiate it in workers. */
export function compiledModule(): { module: WebAssembly.Module; relaxedSimd: boolean } | null {
  return compiled === null ? null : { module: compiled, relaxedSimd: compiledRelaxed };
}

let threadsCompiled: Promise<WebAssembly.Module | null> | null = null;
let threadsSource: WasmSource | undefined;

/**
 * The shared-memory build of the same kernels (imports `env.memory`, a shared WebAssembly.Memory), for
 * data-parallel workers: compiled once, with relaxed SIMD exactly when `init()` chose it, from the packaged
 * build or `init({ threadsWasm })`. Null where the engine has no shared memory; throws, naming the URL,
 * when a given source cannot be fetched.
 */
export function threadsModule(): Promise<WebAssembly.Module | null> {
  if (compiled === null) throw new NotInitializedError('lenet5: call `await init()` before using worker threads');
  if (threadsCompiled === null) {
    const pending = compileThreads(compiledRelaxed);
    threadsCompiled = pending;
    // A failed fetch is not remembered: the next fit may find the file (or a new init() a threadsWasm).
    pending.catch(() => {
      if (threadsCompiled === pending) threadsCompiled = null;
    });
  }
  return threadsCompiled;
}

async function compileThreads(relaxed: boolean): Promise<WebAssembly.Module | null> {
  if (typeof SharedArrayBuffer !== 'function') return null;
  if (threadsSource === undefined) {
    const bytes = await buildBytes(buildName({ relaxed, threads: true }));
    return WebAssembly.validate(bytes) ? WebAssembly.compile(bytes) : null;
  }
  try {
    return await compileFrom(threadsSource);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message} (init({ threadsWasm }) must give ` +
      `${buildFile(buildName({ relaxed, threads: true }))}, the shared-memory kernels)`, { cause: err });
  }
}

/** True when this engine can run WebAssembly with 128-bit SIMD. */
export function hasWasmSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * Compiles the kernels once; call it (and await it) before making a model. Safe to call again (returns the
 * same result unless options change it).
 *
 * @example
 * ```ts
 * import { init } from 'lenet5';
 *
 * const { backend, simd, relaxedSimd } = await init();
 * console.log(backend); // 'wasm' where WebAssembly SIMD runs, else 'js' (with a one-line notice)
 * ```
 */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const simd = hasWasmSimd();
  // The js backend is a chunk of its own, loaded where it may be used: asked for, as the fallback, or in Node
  // (where it costs nothing to have, and models may mix backends).
  if (options.backend === 'js' || !simd || isNode()) await loadJsBackend();
  if (options.backend === 'js') {
    defaultBackend = 'js';
    return { backend: 'js', simd, relaxedSimd: false };
  }
  if (!simd) {
    if (options.backend === 'wasm') {
      throw new PlatformError("lenet5: the wasm backend needs WebAssembly SIMD, which this engine does not support; use init({ backend: 'js' })");
    }
    warn('lenet5: WebAssembly SIMD is not available here; using the slower pure-JS backend');
    defaultBackend = 'js';
    return { backend: 'js', simd, relaxedSimd: false };
  }
  // An explicit `wasm` is used as given; otherwise the relaxed build where the engine runs it.
  const relaxed = options.wasm === undefined && options.relaxedSimd !== false && hasRelaxedSimd();
  if (options.wasm !== undefined) compiled = await compileFrom(options.wasm);
  else if (relaxed && options.relaxedWasm !== undefined) compiled = await compileFrom(options.relaxedWasm);
  else {
    const name = buildName({ relaxed, threads: false });
    compiled = await compileBytes(await buildBytes(name), `the packaged kernels (${buildFile(name)})`);
  }
  compiledRelaxed = relaxed;
  threadsSource = options.threadsWasm;
  threadsCompiled = null;
  defaultBackend = 'wasm';
  return { backend: 'wasm', simd, relaxedSimd: relaxed };
}

let jsBackend: typeof import('./js-backend.js') | null = null;

/**
 * Loads the pure-JS backend, a chunk of its own so that apps on the wasm kernels never load it. `init()`
 * calls it where the js backend may be used (`init({ backend: 'js' })`, an engine without SIMD, and Node).
 */
export async function loadJsBackend(): Promise<void> {
  jsBackend ??= await import('./js-backend.js');
}

/** Whether `init()` has completed. */
export function isInitialized(): boolean {
  return defaultBackend !== null;
}

/** A fresh backend (own memory and arena). Needs `init()` first (`init({ backend: 'js' })` for the js backend in browsers). */
export function createBackend(name?: BackendName, maxBytes?: number): Backend {
  const which = name ?? defaultBackend;
  if (which === null) {
    throw new NotInitializedError("lenet5: call `await init()` before creating a model or a backend");
  }
  if (which === 'js') {
    if (jsBackend === null) {
      throw new NotInitializedError("lenet5: the js backend is not loaded; call `await init({ backend: 'js' })` first " +
        '(in Node any `await init()` loads it)');
    }
    return jsBackend.createJsBackend(maxBytes);
  }
  if (compiled === null) {
    throw new NotInitializedError("lenet5: the wasm backend is not loaded; call `await init()` (without backend: 'js') first");
  }
  return createWasmBackend(compiled, maxBytes);
}

async function compileBytes(bytes: BufferSource, what: string): Promise<WebAssembly.Module> {
  if (!WebAssembly.validate(bytes)) {
    throw new DataFormatError(`lenet5: ${what} are not a valid WebAssembly module for this engine (corrupt or truncated?)`, what);
  }
  return WebAssembly.compile(bytes);
}

async function compileFrom(source: WasmSource): Promise<WebAssembly.Module> {
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    return compileBytes(source, 'the wasm bytes passed to init()');
  }
  let response: Response;
  if (typeof source === 'string' || source instanceof URL) {
    const url = String(source);
    if (url.startsWith('file:')) {
      throw new InvalidArgumentError(`lenet5: cannot fetch ${url}; read the file yourself and pass its bytes as init({ wasm })`);
    }
    try {
      response = await fetch(url);
    } catch (err) {
      throw new DownloadError(`lenet5: could not fetch the wasm from ${url}: ${(err as Error).message}`, url, undefined, { cause: err });
    }
  } else {
    response = await source;
  }
  if (!response.ok) {
    throw new DownloadError(`lenet5: fetching the wasm from ${response.url || 'the given Response'} failed: HTTP ${response.status}`,
      response.url || undefined, response.status);
  }
  const where = response.url || 'the given Response';
  // compileStreaming insists on Content-Type: application/wasm; many static servers send something
  // else, so fall back to compiling the bytes.
  if (typeof WebAssembly.compileStreaming === 'function' &&
    response.headers.get('content-type')?.split(';')[0]?.trim() === 'application/wasm') {
    try {
      const module = await WebAssembly.compileStreaming(response.clone());
      // The original body was never read: cancel it so the request does not linger as aborted/unread.
      response.body?.cancel().catch(() => undefined);
      return module;
    } catch {
      // fall through to the byte path, which validates and reports a clear error
    }
  }
  return compileBytes(await response.arrayBuffer(), `the bytes fetched from ${where}`);
}
