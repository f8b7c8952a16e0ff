/**
 * Worker threads in browsers: the data-parallel trainer's threads are module Web Workers running
 * train/web-worker.js. `#worker-threads` resolves to worker-threads.node.ts in Node.
 *
 * The default script is named in a literal `new Worker(new URL(...), { type: 'module' })` so that bundlers
 * which follow that pattern (vite, webpack) build the worker with the page; a bundler that does not
 * (esbuild) needs fit's `workerUrl`.
 */
export interface ThreadHandle {
  postMessage(message: unknown): void;
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
}

/** Starts the worker script at `url` (default: the library's web-worker.js) and posts it `data`. */
export function startThread(url: URL | undefined, data: unknown): ThreadHandle | null {
  if (typeof Worker !== 'function') return null;
  if (url === undefined && typeof import.meta.url !== 'string') {
    // esbuild's iife output empties import.meta: there is nothing to resolve the default script against.
    throw new Error('lenet5: this bundle cannot locate the worker script by itself; pass fit({ workerUrl }) pointing at a ' +
      'bundle of lenet5/worker');
  }
  const where = url?.href ?? 'the default worker script (train/web-worker.js next to the library)';
  const w = url === undefined
    ? new Worker(new URL('../train/web-worker.js', import.meta.url), { type: 'module', name: 'lenet5-thread' })
    : new Worker(url, { type: 'module', name: 'lenet5-thread' });
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
          listener(new Error(msg
            ? `lenet5: the worker thread ${where} failed: ${msg}`
            : `lenet5: could not start the worker thread ${where} (not found, not a JavaScript MIME type, or ` +
              'blocked by Cross-Origin-Embedder-Policy); pass fit({ workerUrl }) pointing at a bundle of lenet5/worker'));
        }, { once: true });
        w.addEventListener('messageerror', () => listener(new Error(`lenet5: the worker thread ${where} could not receive its setup`)),
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

/** Why this context cannot start worker threads, or null. */
export function threadsMissing(): string | null {
  return typeof Worker === 'function' ? null : 'this context cannot start Web Workers';
}
