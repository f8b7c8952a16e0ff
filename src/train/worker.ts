/**
 * A data-parallel training thread in Node (worker_threads; see parallel.ts): the setup comes as
 * workerData, the ready message goes to the parent port, the step loop is replica.ts's. Loaded by URL
 * (`#worker-threads` starts it), never imported. The browser twin is web-worker.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveSteps, type WorkerSetup } from './replica.js';

serveSteps(workerData as WorkerSetup, (m) => parentPort!.postMessage(m));
