/** Worker threads in Node: the data-parallel trainer's thread pool (node:worker_threads). */
import { Worker } from 'node:worker_threads';

export interface ThreadHandle {
  postMessage(message: unknown): void;
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
}

/** Starts the worker script at `url` (default: the library's train/worker.js) with `data` as its workerData. */
export function startThread(url: URL | undefined, data: unknown): ThreadHandle | null {
  return new Worker(url ?? new URL('../train/worker.js', import.meta.url), { workerData: data }) as unknown as ThreadHandle;
}

/** Why this context cannot start worker threads, or null. */
export function threadsMissing(): string | null {
  return null;
}
