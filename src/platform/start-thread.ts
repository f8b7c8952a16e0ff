/**
 * Starting the data-parallel trainer's threads: Node worker_threads running train/worker.js, or Web Workers
 * in browsers.
 *
 * A Web Worker runs the thread script bundled into one file at build time (scripts/build-worker.mjs: the
 * step loop, the layers and the kernel bindings, ~9 KB gzipped), which this module loads with `import()` on
 * the first threaded call and starts from a blob: URL. So no bundler has to find, copy or rebuild a worker
 * script (vite's dev pre-bundler and esbuild do not follow `new Worker(new URL(...))`), and an app that
 * never asks for threads does not load it. `workerUrl` overrides it (a bundle of `lenet5/worker`), for
 * pages whose Content-Security-Policy has no `worker-src blob:`.
 */
import { PlatformError } from '../errors.js';
import { isNode, nodeBuiltin } from './node-builtin.js';

export interface ThreadHandle {
  postMessage(message: unknown): void;
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
  /**
   * Node only: whether the thread keeps the process alive. The pools unref their threads while idle, so
   * a predictor or trainer never closed does not stop Node from exiting (Web Workers end with the page).
   */
  ref?(): void;
  unref?(): void;
}

let bundledScript: string | null = null;

/** Starts a thread running the worker script at `url` (default: the library's own, see above) and hands it `data`. */
export async function startThread(url: URL | undefined, data: unknown): Promise<ThreadHandle> {
  if (isNode()) {
    const { Worker } = await nodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
    return new Worker(url ?? new URL('../train/worker.js', import.meta.url), { workerData: data }) as unknown as ThreadHandle;
  }
  let w: Worker;
  let where: string;
  if (url !== undefined) {
    w = new Worker(url, { type: 'module', name: 'lenet5-thread' });
    where = url.href;
  } else {
    if (bundledScript === null) {
      const { DATA } = await import('../train/web-worker-script.generated.js');
      bundledScript = URL.createObjectURL(new Blob([DATA], { type: 'text/javascript' }));
    }
    w = new Worker(bundledScript, { name: 'lenet5-thread' });
    where = '(the bundled thread script, from a blob: URL)';
  }
  w.postMessage(data);
  return {
    postMessage: (m) => w.postMessage(m),
    once(event, listener) {
      if (event === 'message') {
        w.addEventListener('message', (e) => listener(e.data), { once: true });
      } else if (event === 'error') {
        // A script that fails to load gives a bare Event (no message): name the usual causes.
        w.addEventListener('error', (e) => {
          e.preventDefault();
          const msg = (e as ErrorEvent).message;
          listener(new PlatformError(msg
            ? `lenet5: the worker thread ${where} failed: ${msg}`
            : `lenet5: could not start the worker thread ${where} (not found, not a JavaScript MIME type, or ` +
              'blocked by Content-Security-Policy or Cross-Origin-Embedder-Policy); pass workerUrl pointing at a bundle of lenet5/worker'));
        }, { once: true });
        w.addEventListener('messageerror', () => listener(new PlatformError(`lenet5: the worker thread ${where} could not receive its setup`)),
          { once: true });
      }
      // 'exit': a Web Worker only ends when terminated, which the trainer does itself.
    },
    terminate() {
      w.terminate();
      return Promise.resolve(0);
    },
  };
}
