/**
 * A data-parallel training thread in a browser: a Web Worker whose first message is the setup (module and
 * shared memory structured-cloned, which needs a cross-origin isolated page); the step loop is replica.ts's,
 * as in the Node thread (worker.ts).
 *
 * The library starts it from a copy bundled into one script at build time (scripts/build-worker.mjs, run
 * from a blob: URL, see platform/start-thread.ts), so no bundler has to find it. It is also the
 * `lenet5/worker` entry, for pages whose Content-Security-Policy forbids blob: workers: bundle it and pass
 * its URL as `workerUrl`.
 */
import { serveSteps, type WorkerReady, type WorkerSetup } from './replica.js';

interface WorkerScope {
  postMessage(message: WorkerReady): void;
  onmessage: ((e: MessageEvent<WorkerSetup>) => void) | null;
}

const scope = self as unknown as WorkerScope;
scope.onmessage = (e) => {
  scope.onmessage = null;
  // A failed setup is sent back as the ready message: an exception here would reach the page only as an
  // ErrorEvent without the stack, and the coordinator is waiting for this first message.
  let started = false;
  try {
    serveSteps(e.data, (m) => {
      started = true;
      scope.postMessage(m);
    });
  } catch (err) {
    if (started) throw err;
    scope.postMessage({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
