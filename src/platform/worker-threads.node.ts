/** Worker threads in Node: the data-parallel trainer's thread pool (node:worker_threads). */
import { Worker } from 'node:worker_threads';

export interface ThreadHandle {
  postMessage(message: unknown): void;
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
}

/** Starts the worker script at `url`, or null where threads are unavailable. */
export function startThread(url: URL, data: unknown): ThreadHandle | null {
  return new Worker(url, { workerData: data }) as unknown as ThreadHandle;
}

export const threadsSupported = true;
