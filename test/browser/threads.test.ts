/**
 * Data-parallel training in Chromium (src/train/parallel.ts over module Web Workers): a page bundled with
 * esbuild from the package as a user would (`lenet5` and `lenet5/worker` through its exports map, the
 * threads wasm served next to the page), served from 127.0.0.1 with COOP/COEP, trains the modern preset
 * on one and on two threads with the same seeds — from the window thread (which may not block, so the
 * coordinator awaits Atomics.waitAsync) and from inside a Web Worker (which blocks on Atomics.wait) — and
 * must end at the one-thread weights within the tolerance of test/train/parallel.test.ts, with two
 * threads really started and no fallback notice. The same page without the headers falls back to one
 * thread with the notice, and so does a window thread without Atomics.waitAsync. A vite build of the same page (no plugin, no config) needs no URLs at all.
 * Samples/s on 1 and 2 threads go to test-artifacts/threads-figures.json.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveDir } from '../../scripts/demo.mjs';
import { artifactsDir, CHROMIUM_RUNS, chromiumNote, describeInChromium, launchChromium, ROOT, watchPage, type Browser } from './helpers.js';

/** What one training run reports back from the browser. */
interface Run {
  threads: number;
  loss: number[];
  accuracy: number[];
  warnings: string[];
  params: number[];
  samplesPerSecond: number;
}

interface Experiment {
  isolated: boolean;
  workersStarted: number;
  runs: Run[];
  error?: string;
}

interface Options {
  /** Threads of each run, in order, all from the same initial weights and seeds. */
  threads: number[];
  /**
   * Pass the served worker bundle and threads wasm (the baseline build, so init also takes the baseline
   * kernels) instead of the library's own, which it finds by itself in any bundle.
   */
  urls: boolean;
  n: number;
  epochs: number;
  batchSize: number;
  /** The worker bundle's file name (default the served one). */
  workerFile?: string;
  /** The threads wasm's file name (default the served one). */
  threadsWasmFile?: string;
}

// Shared by the page and the trainer worker: the experiment, counting the Web Workers it starts.
const EXPERIMENT = `
import { init, LeNet5 } from 'lenet5';

function data(n, seed) {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = next() >>> 24;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = (next() >>> 16) % 10;
  return { images, labels };
}

export async function experiment(o) {
  let workersStarted = 0;
  const Real = globalThis.Worker;
  if (typeof Real === 'function') {
    globalThis.Worker = class extends Real {
      constructor(...args) { super(...args); workersStarted++; }
    };
  }
  const base = new URL('./', self.location.href);
  await init(o.urls ? { relaxedSimd: false, threadsWasm: new URL(o.threadsWasmFile ?? 'lenet5.threads.wasm', base) } : {});
  const train = data(o.n, 5);
  const runs = [];
  for (const threads of o.threads) {
    const warnings = [];
    const net = LeNet5.modern({ seed: 3 });
    const h = await net.fit(train, {
      epochs: o.epochs, batchSize: o.batchSize, seed: 9, threads, warn: (m) => warnings.push(m),
      ...(o.urls ? { workerUrl: new URL(o.workerFile ?? 'lenet5-worker.js', base) } : {}),
    });
    runs.push({
      threads: h.threads, loss: h.loss, accuracy: h.accuracy, warnings, params: Array.from(net.model.getParams()),
      samplesPerSecond: h.epochs[h.epochs.length - 1].samplesPerSecond,
    });
  }
  if (typeof Real === 'function') globalThis.Worker = Real;
  return { isolated: globalThis.crossOriginIsolated === true, workersStarted, runs };
}
`;

const PAGE = `
import { experiment } from './experiment.js';
const fail = (e) => ({ error: String((e && e.stack) || e) });
window.inWindow = (o) => experiment(o).catch(fail);
window.inWorker = (o) => new Promise((resolve) => {
  const w = new Worker(new URL('./trainer.js', import.meta.url), { type: 'module' });
  w.onmessage = (e) => { w.terminate(); resolve(e.data); };
  w.onerror = (e) => { w.terminate(); resolve({ error: 'trainer worker: ' + (e.message || 'failed to start') }); };
  w.postMessage(o);
});
document.title = 'ready';
`;

const TRAINER = `
import { experiment } from './experiment.js';
self.onmessage = (e) => experiment(e.data).then((r) => self.postMessage(r), (e) => self.postMessage({ error: String((e && e.stack) || e) }));
`;

let dir = '';
let browser: Browser | null = null;
const servers: Server[] = [];
const urls = { isolated: '', plain: '', vite: '' };
const figures: Record<string, unknown> = {};

async function serve(site: string, isolate: boolean): Promise<string> {
  const { server, url } = await serveDir(site, { isolate });
  servers.push(server);
  return url;
}

/** Opens the page at `url`, runs the experiment in the window or in a worker, and checks the page stayed clean. */
async function runExperiment(url: string, where: 'inWindow' | 'inWorker', o: Options,
  prepare?: (page: Page) => Promise<unknown>): Promise<Experiment> {
  const page: Page = await browser!.context.newPage();
  const problems = watchPage(page);
  await prepare?.(page);
  try {
    await page.goto(url, { timeout: 30_000 });
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 30_000 });
    const r = await page.evaluate(([fn, opts]) =>
      (window as unknown as Record<string, (o: Options) => Promise<Experiment>>)[fn]!(opts), [where, o] as const);
    expect(r.error, r.error).toBeUndefined();
    expect(problems).toEqual([]);
    return r;
  } finally {
    await page.close();
  }
}

function maxDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** The two-thread run ends where the one-thread run does (float32 summation order only). */
function expectSameTraining(one: Run, two: Run): void {
  for (let e = 0; e < one.loss.length; e++) {
    expect(Math.abs(two.loss[e]! - one.loss[e]!), `loss of epoch ${e + 1}`).toBeLessThan(1e-4);
    expect(two.accuracy[e]).toBeCloseTo(one.accuracy[e]!, 6);
  }
  const d = maxDiff(two.params, one.params);
  console.log(`threads 2 vs 1 in Chromium: max |dw| = ${d.toExponential(2)}`);
  expect(d).toBeLessThan(1e-4);
}

beforeAll(async () => {
  if (!CHROMIUM_RUNS) return;
  dir = mkdtempSync(join(tmpdir(), 'lenet5-threads-'));
  // The consumer resolves `lenet5` to this checkout through node_modules, as an installed package would
  // (its exports map picks the browser entry and the web worker).
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules/lenet5'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'threads-consumer', private: true, type: 'module' }));
  writeFileSync(join(dir, 'experiment.js'), EXPERIMENT);
  writeFileSync(join(dir, 'page.js'), PAGE);
  writeFileSync(join(dir, 'trainer.js'), TRAINER);
  writeFileSync(join(dir, 'lenet5-worker.js'), "import 'lenet5/worker';\n");
  const site = join(dir, 'site');
  const result = await build({
    entryPoints: ['page.js', 'trainer.js', 'lenet5-worker.js'].map((f) => join(dir, f)),
    absWorkingDir: dir,
    outdir: site,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
  });
  expect(result.errors).toEqual([]);
  copyFileSync(join(ROOT, 'build/lenet5.threads.wasm'), join(site, 'lenet5.threads.wasm'));
  writeFileSync(join(site, 'index.html'),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title><script type="module" src="page.js"></script>');
  urls.isolated = await serve(site, true);
  urls.plain = await serve(site, false);
  // The same page built by vite with no plugin and no config: threads must work with no URL given.
  writeFileSync(join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title><script type="module" src="./page.js"></script>');
  await viteBuild({ root: dir, configFile: false, logLevel: 'silent', build: { outDir: join(dir, 'vite-dist') } });
  urls.vite = await serve(join(dir, 'vite-dist'), true);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (Object.keys(figures).length > 0) {
    writeFileSync(join(artifactsDir(), 'threads-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`threads figures: ${JSON.stringify(figures)}`);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const SMALL: Options = { threads: [1, 2], urls: true, n: 320, epochs: 2, batchSize: 64 };

describeInChromium('fit({ threads }) in Chromium' + chromiumNote, () => {
  it('inside a Web Worker of an isolated page: 2 threads end where 1 does, and report the speed', async () => {
    const r = await runExperiment(urls.isolated, 'inWorker', { ...SMALL, n: 1280 });
    expect(r.isolated).toBe(true);
    const [one, two] = r.runs as [Run, Run];
    expect(one.warnings).toEqual([]);
    expect(two.warnings).toEqual([]);
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(r.workersStarted).toBe(1); // the coordinator is thread 0
    expectSameTraining(one, two);
    figures['inWorker'] = {
      samples: 1280, batchSize: 64,
      samplesPerSecond1: Math.round(one.samplesPerSecond), samplesPerSecond2: Math.round(two.samplesPerSecond),
    };
  }, 120_000);

  it("on an isolated page's window thread (Atomics.waitAsync): 2 threads end where 1 does", async () => {
    const r = await runExperiment(urls.isolated, 'inWindow', SMALL);
    expect(r.isolated).toBe(true);
    const [one, two] = r.runs as [Run, Run];
    expect(two.warnings).toEqual([]);
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(r.workersStarted).toBe(1);
    expectSameTraining(one, two);
    figures['inWindow'] = {
      samples: 320, batchSize: 64,
      samplesPerSecond1: Math.round(one.samplesPerSecond), samplesPerSecond2: Math.round(two.samplesPerSecond),
    };
  }, 120_000);

  it('on a window thread that may neither block nor Atomics.waitAsync (an engine without it): one thread, a notice naming the fix', async () => {
    // Before the page's scripts run, as in an engine that never had waitAsync (Atomics.wait stays forbidden).
    const r = await runExperiment(urls.isolated, 'inWindow', { ...SMALL, threads: [1, 2] },
      (page) => page.addInitScript(() => {
        delete (Atomics as { waitAsync?: unknown }).waitAsync;
      }));
    expect(r.isolated).toBe(true);
    const [one, two] = r.runs as [Run, Run];
    expect(two.warnings).toEqual(['lenet5: training on one thread: this thread may not block on Atomics.wait and the engine ' +
      'has no Atomics.waitAsync; call fit from a Web Worker']);
    expect([one.threads, two.threads]).toEqual([1, 1]);
    expect(r.workersStarted).toBe(0);
    expect(maxDiff(two.params, one.params)).toBe(0);
  }, 60_000);

  // URLs given by the page that point nowhere.
  it.each([
    ['the threads wasm', { urls: true, threadsWasmFile: 'missing.wasm' },
      /missing\.wasm failed: HTTP 404 \(init\(\{ threadsWasm \}\) must give lenet5\.threads\.wasm/],
    ['the worker script', { urls: true, workerFile: 'missing-worker.js' }, /could not start the worker thread \S*missing-worker\.js/],
  ] as const)('names %s when it cannot be loaded, and how to point at it', async (_what, o, message) => {
    const page = await browser!.context.newPage();
    try {
      await page.goto(urls.isolated);
      await page.waitForFunction(() => document.title === 'ready');
      const r = await page.evaluate((opts) => (window as unknown as { inWindow(o: Options): Promise<Experiment> }).inWindow(opts),
        { ...SMALL, threads: [2], ...o });
      expect(r.error).toMatch(message);
    } finally {
      await page.close();
    }
  }, 60_000);

  // Neither bundle is told where anything is: the library finds its thread script and threads wasm itself.
  for (const [bundle, url] of [['an esbuild bundle (one file, no splitting)', () => urls.isolated], ['a vite build', () => urls.vite]] as const) {
    for (const where of ['inWindow', 'inWorker'] as const) {
      it(`${bundle} finds the thread script and the threads wasm by itself (${where})`, async () => {
        const r = await runExperiment(url(), where, { ...SMALL, urls: false });
        const [one, two] = r.runs as [Run, Run];
        expect(two.warnings).toEqual([]);
        expect([one.threads, two.threads]).toEqual([1, 2]);
        expect(r.workersStarted).toBe(1);
        expectSameTraining(one, two);
      }, 60_000);
    }
  }

  for (const where of ['inWindow', 'inWorker'] as const) {
    it(`without COOP/COEP (${where}): trains on one thread with one notice, exactly as threads: 1`, async () => {
      const r = await runExperiment(urls.plain, where, SMALL);
      expect(r.isolated).toBe(false);
      const [one, two] = r.runs as [Run, Run];
      expect(one.warnings).toEqual([]);
      expect(two.warnings).toEqual(['lenet5: training on one thread: worker threads need a cross-origin isolated page ' +
        '(COOP: same-origin, COEP: require-corp) for shared memory']);
      expect([one.threads, two.threads]).toEqual([1, 1]);
      expect(r.workersStarted).toBe(0);
      expect(maxDiff(two.params, one.params)).toBe(0);
      expect(two.loss).toEqual(one.loss);
    }, 60_000);
  }
});
