/**
 * The page of `npm run bench:browser` (bench/browser.ts builds it with esbuild and opens it in headless
 * Chromium on a cross-origin isolated origin). One load measures one part, named in the query:
 *
 *   ?part=lenet5        the Node bench's end-to-end rows, with the same functions (src/cli/bench/suite.ts):
 *                       training samples/s of the modern preset at batch 32 on one thread and on two
 *                       (fit({ threads: 2 }), module Web Workers), inference images/s at batch 256 and 1
 *                       on one thread and at batch 256 on two (net.predictor({ threads: 2 })); wasm on the
 *                       relaxed-SIMD (FMA) build where Chromium runs it, and the js backend for the ratio
 *   ?part=tfjs          TF.js wasm (one thread, its SIMD build) on the same weights (bench/peers.ts)
 *   ?part=ort&threads=N onnxruntime-web (wasm, SIMD; N threads, which it fixes once per page) on the
 *                       toOnnx export of the same weights (bench/ort.ts)
 *
 * `&quick=1` runs a tiny workload (the test). Every peer is CHECKED against lenet5 on the images it is timed
 * on (same classes, probabilities within 1e-4) before it is timed; a failed check is reported instead of
 * a figure. The page ends with `window.result` (a PartResult) and `document.title = 'done'`.
 */
import type * as Tf from '@tensorflow/tfjs-core';
import type * as OrtNode from 'onnxruntime-node';
import type * as OrtWeb from 'onnxruntime-web';
import { init, loadJsBackend } from '../../src/backend/load.js';
import { inferImagesPerSec, inferParallelImagesPerSec, trainSamplesPerSec } from '../../src/cli/bench/suite.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { benchOrt } from '../ort.js';
import { adoptTf, benchImages, checkAgreement, describeTfBackend, tfForward, tfImagesPerSec } from '../peers.js';

/** One figure: lenet5 (wasm, with the js backend's for the ratio) or a peer. */
export interface BrowserRow {
  kind: 'train' | 'infer';
  backend: 'lenet5-wasm' | 'tfjs-wasm' | 'onnxruntime-web';
  threads: number;
  batchSize: number;
  /** Samples/s (train) or images/s (infer). */
  perSec: number;
  /** lenet5 rows: the js backend's figure on one thread (as in the Node bench, the ratio includes the threads). */
  jsPerSec?: number;
}

/** A peer's agreement with lenet5 before it was timed. */
export interface ClassCheck {
  peer: string;
  batchSize: number;
  images: number;
  ok: boolean;
  maxAbsDiff?: number;
  error?: string;
}

export interface PartResult {
  part: string;
  /** What ran: builds, isolation, versions. */
  describe: string[];
  relaxedSimd: boolean;
  crossOriginIsolated: boolean;
  rows: BrowserRow[];
  checks: ClassCheck[];
  /** console.warn lines of the run (a fallback to one thread says so here). */
  warnings: string[];
  /** Web Workers the page started (lenet5's threads, onnxruntime-web's). */
  workersStarted: number;
  /** Why the part did not run, when it did not. */
  error?: string;
}

const params = new URLSearchParams(location.search);
const part = params.get('part') ?? 'lenet5';
const quick = params.get('quick') === '1';
const log = document.getElementById('log')!;
const warnings: string[] = [];
const realWarn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  warnings.push(args.map(String).join(' '));
  realWarn(...args);
};
const result: PartResult = {
  part, describe: [], relaxedSimd: false, crossOriginIsolated: globalThis.crossOriginIsolated === true,
  rows: [], checks: [], warnings, workersStarted: 0,
};
// Counts the Web Workers started, so that a "2 threads" row is known to have run on other threads.
const RealWorker = globalThis.Worker;
globalThis.Worker = class extends RealWorker {
  constructor(...args: ConstructorParameters<typeof Worker>) {
    super(...args);
    result.workersStarted++;
  }
};
const say = (line: string): void => {
  result.describe.push(line);
  log.textContent += `\n${line}`;
};
const base = new URL('./', location.href);

async function lenet5Part(): Promise<void> {
  // Batch 32 training over `n` samples, best of `rounds`; inference as the Node bench's infer rows.
  const train = quick ? { n: 256, rounds: 1 } : { n: 4096, rounds: 3 };
  const infer = (batchSize: number): number => (quick ? (batchSize === 1 ? 100 : 512) : (batchSize === 1 ? 2000 : 4096));
  const rounds = quick ? 2 : 7;
  const t1 = await trainSamplesPerSec('modern', 'wasm', 32, train.n, train.rounds);
  const js = await trainSamplesPerSec('modern', 'js', 32, (quick ? 4 : 16) * 32, 1);
  result.rows.push({ kind: 'train', backend: 'lenet5-wasm', threads: 1, batchSize: 32, perSec: t1, jsPerSec: js });
  const t2 = await trainSamplesPerSec('modern', 'wasm', 32, train.n, train.rounds, { threads: 2 });
  result.rows.push({ kind: 'train', backend: 'lenet5-wasm', threads: 2, batchSize: 32, perSec: t2, jsPerSec: js });
  for (const batchSize of [256, 1]) {
    const wasm = inferImagesPerSec('modern', 'wasm', batchSize, infer(batchSize), rounds);
    const jsInfer = inferImagesPerSec('modern', 'js', batchSize, quick ? (batchSize === 1 ? 20 : 64) : (batchSize === 1 ? 200 : 512), 2);
    result.rows.push({ kind: 'infer', backend: 'lenet5-wasm', threads: 1, batchSize, perSec: wasm, jsPerSec: jsInfer });
  }
  const p2 = await inferParallelImagesPerSec('modern', 2, 256, quick ? 1024 : 8192, undefined, rounds);
  const js256 = result.rows.find((r) => r.kind === 'infer' && r.batchSize === 256)!.jsPerSec!;
  result.rows.push({ kind: 'infer', backend: 'lenet5-wasm', threads: 2, batchSize: 256, perSec: p2, jsPerSec: js256 });
}

async function tfjsPart(): Promise<void> {
  const core = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  core.enableProdMode();
  // The .wasm files bench/browser.ts copied next to the page; one thread, as in the Node side by side.
  wasm.setWasmPaths(new URL('tfjs/', base).href);
  core.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
  if (!(await core.setBackend('wasm'))) throw new Error("TF.js: the wasm backend failed to initialise");
  await core.ready();
  adoptTf(core as typeof Tf, wasm);
  say(`TF.js: ${await describeTfBackend()}`);
  for (const batchSize of [256, 1]) {
    const n = quick ? (batchSize === 1 ? 50 : 256) : (batchSize === 1 ? 500 : 4096);
    const images = benchImages(n);
    const net = LeNet5.modern({ seed: 1, batchSize });
    const fwd = tfForward(net);
    try {
      const a = checkAgreement(net, fwd, images, n, batchSize === 1 ? 256 : batchSize);
      result.checks.push({ peer: 'tfjs-wasm', batchSize, images: a.images, ok: true, maxAbsDiff: a.maxAbsDiff });
      const perSec = tfImagesPerSec(fwd, images, n, batchSize, quick ? 2 : 5);
      result.rows.push({ kind: 'infer', backend: 'tfjs-wasm', threads: 1, batchSize, perSec });
    } catch (err) {
      result.checks.push({ peer: 'tfjs-wasm', batchSize, images: n, ok: false, error: (err as Error).message });
    } finally {
      fwd.dispose();
      net.dispose();
    }
  }
}

async function ortPart(threads: number): Promise<void> {
  // Loaded at run time from the copy of its dist/ next to the page (not bundled), so that it finds its own
  // worker module and .wasm (ort-wasm-simd-threaded.mjs / .wasm) where it expects them.
  result.part = `ort threads ${threads}`;
  const url = new URL('ort/ort.wasm.min.mjs', base).href;
  const ort = (await import(/* @vite-ignore */ url)) as typeof OrtWeb;
  ort.env.wasm.wasmPaths = new URL('ort/', base).href;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  say(`onnxruntime-web ${ort.env.versions.web ?? '?'} (wasm, SIMD, ${threads} thread(s))`);
  const net = LeNet5.modern({ seed: 1, batchSize: 256 });
  const print = (line: string): void => {
    say(line);
    const m = /check onnxruntime threads (\d+) batch (\d+): (\d+) images, same classes, max \|dp\| (\S+)/.exec(line);
    if (m !== null) result.checks.push({ peer: 'onnxruntime-web', batchSize: +m[2]!, images: +m[3]!, ok: true, maxAbsDiff: +m[4]! });
  };
  try {
    // The common API is onnxruntime-node's (both re-export onnxruntime-common 1.30.0); intraOpNumThreads is
    // ignored on the web, where env.wasm.numThreads (above) sets the threads.
    const rows = await benchOrt(ort as unknown as typeof OrtNode, net, print, {
      threads: [threads],
      images: (batchSize) => (quick ? (batchSize === 1 ? 50 : 256) : (batchSize === 1 ? 500 : 4096)),
    });
    for (const r of rows) result.rows.push({ kind: 'infer', backend: 'onnxruntime-web', threads, batchSize: r.batchSize, perSec: r.imagesPerSec });
  } catch (err) {
    result.checks.push({ peer: 'onnxruntime-web', batchSize: 0, images: 0, ok: false, error: (err as Error).message });
  } finally {
    net.dispose();
  }
}

async function main(): Promise<void> {
  const info = await init();
  await loadJsBackend();
  result.relaxedSimd = info.relaxedSimd;
  say(`lenet5 ${info.backend} (${info.relaxedSimd ? 'relaxed SIMD (FMA)' : 'SIMD (mul+add)'}), ` +
    `crossOriginIsolated ${String(result.crossOriginIsolated)}, ${navigator.hardwareConcurrency} cores, ${navigator.userAgent}`);
  if (part === 'lenet5') await lenet5Part();
  else if (part === 'tfjs') await tfjsPart();
  else if (part === 'ort') await ortPart(Number(params.get('threads') ?? '1'));
  else throw new Error(`unknown part ${part}`);
}

main()
  .catch((err: unknown) => {
    result.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  })
  .finally(() => {
    (window as unknown as { result: PartResult }).result = result;
    document.title = 'done';
  });
