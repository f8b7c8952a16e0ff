/**
 * Worker threads, browser version: the data-parallel trainer's shared-memory build is not embedded in
 * browser bundles, so training there runs on one thread (the trainer says so once). `#worker-threads`
 * resolves to worker-threads.node.ts in Node.
 */
export interface ThreadHandle {
  postMessage(message: unknown): void;
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
}

export function startThread(_url: URL, _data: unknown): ThreadHandle | null {
  return null;
}

export const threadsSupported = false;
