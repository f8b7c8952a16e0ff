/**
 * The bundler matrix: pretrained models load with zero configuration in every common bundler. The packed
 * tarball (`npm pack`, as published) is installed into one fresh consumer under a temp folder; the same
 * app (APP below: `init()`, `LeNet5.pretrained('modern')`, digits drawn on a <canvas>, `preprocessImage`,
 * `predict`) is built by each bundler with its defaults and run in headless Chromium, which must show no
 * console error, page error or failed request:
 *
 * - vite-dev: vite's dev server on the app folder, no config file (only host/port; COOP/COEP headers for
 *   the threads page);
 * - vite-build: `vite build`, no config;
 * - esbuild: one ESM file (`bundle`, `format: 'esm'`);
 * - esbuild-splitting: ESM with `splitting: true` into a folder;
 * - webpack: webpack 5 in production mode with its defaults (`asset/resource` and
 *   `new URL(..., import.meta.url)` handled as webpack does out of the box);
 * - importmap: no bundler, a plain `<script type="module">` page whose import map points `lenet5` at the
 *   package's unbundled files, served as they are in the tarball (as from a CDN), and the npm packages
 *   those files import at ESM builds of them (what a CDN's ESM conversion serves). Nothing else is mapped:
 *   the package's browser files import relative paths only.
 *
 * Each bundler's output is served from a plain static host (scripts/demo.mjs serveDir) for the classifying
 * cell, and with COOP/COEP (cross-origin isolated) for the threads cell, where the same app, opened with
 * `?threads`, also trains with `fit({ threads: 2 })` and predicts through `net.predictor({ threads: 2 })`,
 * both of which must really run on 2 threads, in every bundler (the library starts its Web Workers from
 * a thread script bundled into the package, through a blob: URL, so no bundler has to find one).
 *
 * Measured per bundler, from the classifying page's own resource timing and the bytes served: the app's JS
 * loaded before its code runs (the entry and everything it imports statically) gzipped, what `init()` and
 * what `LeNet5.pretrained()` fetched (lazy chunks, model files) gzipped, and the time from navigation to the
 * first prediction. They go to test-artifacts/bundler-matrix.json with each cell's outcome, and one summary
 * line per bundler is printed. (vite's dev server sends unminified modules with inline source maps, and its
 * HMR client: its sizes say what a developer's browser loads, not what users get.)
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild, type Plugin } from 'esbuild';
import type { Page } from 'playwright-core';
import { build as viteBuild, createServer as viteServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import webpack from 'webpack';
import { HEADERS, serveDir } from '../../scripts/demo.mjs';
import { artifactsDir, chromiumNote, describeInChromium, installPackedConsumer, launchChromium, pageResult, type Browser } from './helpers.js';

/**
 * Of the ten digits APP draws, how many the pretrained modern model must classify correctly. Measured:
 * 10 of 10 (Chromium 156, software rasterizer); one miss is allowed for anti-aliasing that differs between
 * Chromium versions.
 */
const MIN_CORRECT = 9;

/**
 * The user's app, the same file for every bundler. The part a user writes is `main()` up to the threads;
 * `window.result` and the performance marks report to the test.
 */
const APP = `import { init, LeNet5, preprocessImage } from 'lenet5';

const start = performance.now(); // the entry runs: everything it imports statically is loaded

// Ten digits as pen strokes, in units of the canvas side: no font involved, so the same pixels everywhere.
const DIGITS = [
  (g) => { g.ellipse(0.5, 0.5, 0.2, 0.33, 0.15, 0, 2 * Math.PI); },
  (g) => { g.moveTo(0.56, 0.16); g.lineTo(0.46, 0.84); },
  (g) => { g.moveTo(0.3, 0.32); g.bezierCurveTo(0.34, 0.08, 0.76, 0.1, 0.66, 0.38); g.lineTo(0.3, 0.82); g.lineTo(0.74, 0.8); },
  (g) => { g.moveTo(0.3, 0.22); g.bezierCurveTo(0.62, 0.04, 0.8, 0.38, 0.44, 0.47); g.bezierCurveTo(0.84, 0.5, 0.74, 0.96, 0.28, 0.78); },
  (g) => { g.moveTo(0.42, 0.16); g.lineTo(0.28, 0.58); g.lineTo(0.74, 0.58); g.moveTo(0.62, 0.3); g.lineTo(0.6, 0.86); },
  (g) => { g.moveTo(0.7, 0.18); g.lineTo(0.36, 0.18); g.lineTo(0.32, 0.46); g.bezierCurveTo(0.84, 0.34, 0.8, 0.96, 0.3, 0.8); },
  (g) => { g.moveTo(0.64, 0.14); g.bezierCurveTo(0.3, 0.3, 0.2, 0.84, 0.5, 0.84); g.bezierCurveTo(0.8, 0.84, 0.74, 0.46, 0.48, 0.5); g.bezierCurveTo(0.38, 0.52, 0.32, 0.6, 0.32, 0.66); },
  (g) => { g.moveTo(0.28, 0.2); g.lineTo(0.72, 0.2); g.lineTo(0.44, 0.84); },
  (g) => { g.ellipse(0.5, 0.3, 0.15, 0.14, 0, 0, 2 * Math.PI); g.moveTo(0.7, 0.66); g.ellipse(0.5, 0.66, 0.2, 0.18, 0, 0, 2 * Math.PI); },
  (g) => { g.ellipse(0.5, 0.32, 0.17, 0.15, 0, 0, 2 * Math.PI); g.moveTo(0.67, 0.34); g.lineTo(0.6, 0.86); },
];

/** A digit drawn on a canvas, black on white, read back as RGBA pixels. */
function draw(digit) {
  const size = 112;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.fillStyle = '#fff';
  g.fillRect(0, 0, size, size);
  g.setTransform(size, 0, 0, size, 0, 0);
  g.beginPath();
  DIGITS[digit](g);
  g.lineWidth = 0.09;
  g.lineCap = 'round';
  g.lineJoin = 'round';
  g.strokeStyle = '#000';
  g.stroke();
  return g.getImageData(0, 0, size, size);
}

/** Trains one epoch on 2 threads, then predicts through a 2-thread predictor (and on this thread, to compare). */
async function onThreads(net, images) {
  const n = 60; // the ten digits six times over
  const train = { images: new Uint8Array(n * 784), labels: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    train.images.set(images[i % 10], i * 784);
    train.labels[i] = i % 10;
  }
  const h = await net.fit(train, { threads: 2, epochs: 1 });
  const batch = new Uint8Array(10 * 784);
  images.forEach((image, i) => batch.set(image, i * 784));
  const p = await net.predictor({ threads: 2 });
  try {
    const r = await p.predict(batch, 10);
    const one = net.predict({ images: batch, count: 10 });
    return {
      isolated: globalThis.crossOriginIsolated === true, fitThreads: h.threads, loss: h.loss[0], predictorThreads: p.threads,
      count: r.labels.length, maxScoreDiff: Math.max(...r.scores.map((v, i) => Math.abs(v - one.scores[i]))),
    };
  } finally {
    await p.close();
  }
}

/** The drawn digits 0..9 as the network's 28x28 inputs. */
function drawnDigits() {
  const images = [];
  for (let d = 0; d < 10; d++) {
    const pixels = draw(d);
    images.push(preprocessImage({ data: pixels.data, width: pixels.width, height: pixels.height }).data);
  }
  return images;
}

const report = { t: { start } };

async function main() {
  await init();
  report.t.init = performance.now();
  if (new URLSearchParams(location.search).has('threads')) {
    // The threads page: a fresh model (this page does not depend on the pretrained one loading).
    report.threads = await onThreads(LeNet5.modern({ seed: 1 }), drawnDigits());
    return;
  }
  const net = await LeNet5.pretrained('modern');
  report.t.pretrained = performance.now();
  const images = drawnDigits();
  report.labels = images.map((image, digit) => {
    const label = net.predict(image).label;
    if (digit === 0) report.t.firstPrediction = performance.now();
    return label;
  });
}

function done() {
  report.resources = performance.getEntriesByType('resource').map((e) => ({ url: e.name, start: e.startTime }));
  window.result = report;
  document.title = 'done';
}

main().then(done, (e) => {
  report.error = String((e && e.stack) || e);
  done();
});
`;

const PAGE_HEAD = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title>';

/** What APP leaves in window.result. */
interface AppResult {
  error?: string;
  labels?: number[];
  /** performance.now() when the entry ran, init() and pretrained() ended, the first prediction was made. */
  t: { start: number; init?: number; pretrained?: number; firstPrediction?: number };
  threads?: {
    isolated: boolean; fitThreads: number; loss: number; predictorThreads: number;
    /** Images the predictor returned, and how far its scores are from this thread's. */
    count: number; maxScoreDiff: number;
  };
  resources: { url: string; start: number }[];
}

interface Site {
  url: string;
  close(): Promise<void>;
}

interface Bundler {
  name: string;
  /** Whether the threads cell is required of it. */
  threads: boolean;
  /** Builds (once) and serves the app; `isolate` adds COOP/COEP. */
  site(isolate: boolean): Promise<Site>;
}

interface Cell {
  works: boolean;
  error?: string;
}

interface Figures {
  upfrontJsGzipBytes: number;
  initGzipBytes: number;
  pretrainedGzipBytes: number;
  firstPredictionMs: number | null;
  files: Record<'upfront' | 'init' | 'pretrained', string[]>;
}

let dir = '';
let app = '';
let browser: Browser | null = null;
const servers: Server[] = [];
const matrix: Record<string, { classify?: Cell; threads?: Cell; correct?: number; figures?: Figures }> = {};
const built = new Map<string, Promise<string>>();

/** The build of `name`, started on first use and shared by its cells (a failed build fails each of them). */
function once(name: string, build: () => Promise<string>): Promise<string> {
  let p = built.get(name);
  if (p === undefined) {
    p = build();
    built.set(name, p);
  }
  return p;
}

async function serve(folder: string, isolate: boolean): Promise<Site> {
  const { server, url } = await serveDir(folder, { isolate });
  servers.push(server);
  return { url, close: async () => undefined };
}

/** A static site of a built app: `script` is the tag that loads the bundle. */
function page(out: string, script: string): void {
  writeFileSync(join(out, 'index.html'), `${PAGE_HEAD}${script}\n`);
}

function out(name: string): string {
  const folder = join(dir, 'out', name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  return folder;
}

async function esbuildApp(name: string, splitting: boolean): Promise<string> {
  const folder = out(name);
  await esbuild({
    entryPoints: [join(app, 'main.js')],
    absWorkingDir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    logLevel: 'silent',
    ...(splitting ? { splitting: true, outdir: folder } : { outfile: join(folder, 'main.js') }),
  });
  page(folder, '<script type="module" src="./main.js"></script>');
  return folder;
}

async function webpackApp(): Promise<string> {
  const folder = out('webpack');
  const compiler = webpack({ mode: 'production', context: app, entry: './main.js', output: { path: folder } });
  const stats = await new Promise<webpack.Stats>((resolve, reject) => {
    compiler.run((err, s) => {
      compiler.close(() => (err || s === undefined ? reject(err ?? new Error('webpack: no stats')) : resolve(s)));
    });
  });
  if (stats.hasErrors()) throw new Error(`webpack: ${stats.toString({ all: false, errors: true })}`);
  page(folder, '<script src="./main.js"></script>');
  return folder;
}

/** The file a package.json `exports` entry names for a browser's ESM import: the first matching condition, in the entry's order. */
function exportTarget(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (entry !== null && typeof entry === 'object') {
    for (const [condition, target] of Object.entries(entry)) {
      if (['browser', 'import', 'default'].includes(condition)) return exportTarget(target);
    }
  }
  throw new Error(`no browser target in exports entry ${JSON.stringify(entry)}`);
}

/** The npm packages (bare specifiers other than `#...`) the package's browser files import, statically or lazily. */
async function bareImports(pkgDir: string, entry: string): Promise<string[]> {
  const found = new Set<string>();
  const collect: Plugin = {
    name: 'bare-imports',
    setup(b) {
      b.onResolve({ filter: /^[^./#]/ }, (a) => {
        if (!a.importer.startsWith(pkgDir)) return undefined;
        found.add(a.path);
        return { path: a.path, external: true };
      });
    },
  };
  await esbuild({ entryPoints: [join(pkgDir, entry)], bundle: true, write: false, platform: 'browser', format: 'esm', logLevel: 'silent', plugins: [collect] });
  return [...found].sort();
}

/** An ESM build of npm package `spec` (ESM as is, CommonJS as its default export), as a CDN serves it. */
async function cdnModule(spec: string, resolveDir: string, outfile: string): Promise<void> {
  const s = JSON.stringify(spec);
  const options = { bundle: true, format: 'esm', platform: 'browser', minify: true, outfile, logLevel: 'silent' } as const;
  try {
    await esbuild({ ...options, stdin: { contents: `export * from ${s}; export { default } from ${s};`, resolveDir } });
  } catch {
    await esbuild({ ...options, stdin: { contents: `export * from ${s};`, resolveDir } });
  }
}

async function importMapApp(): Promise<string> {
  const folder = out('importmap');
  const pkgDir = join(dir, 'node_modules/lenet5');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
  // The package's files exactly as installed, under /cdn/lenet5/ (copied: the static server refuses a
  // symlink that leaves its folder).
  mkdirSync(join(folder, 'cdn/deps'), { recursive: true });
  cpSync(pkgDir, join(folder, 'cdn/lenet5'), { recursive: true, dereference: true });
  const target = (subpath: string): string => `./cdn/lenet5/${exportTarget(pkg.exports[subpath]).replace(/^\.\//, '')}`;
  const imports: Record<string, string> = { [pkg.name]: target('.') };
  for (const spec of await bareImports(pkgDir, exportTarget(pkg.exports['.']))) {
    if (spec.startsWith(`${pkg.name}/`)) {
      imports[spec] = target(`.${spec.slice(pkg.name.length)}`);
    } else {
      const file = `cdn/deps/${spec.replace(/[^A-Za-z0-9.-]/g, '_')}.js`;
      await cdnModule(spec, pkgDir, join(folder, file));
      imports[spec] = `./${file}`;
    }
  }
  cpSync(join(app, 'main.js'), join(folder, 'main.js'));
  page(folder, `<script type="importmap">${JSON.stringify({ imports })}</script><script type="module" src="./main.js"></script>`);
  return folder;
}

/** A static bundler: build once, serve the output folder. */
function staticBundler(name: string, threads: boolean, build: () => Promise<string>): Bundler {
  return { name, threads, site: async (isolate) => serve(await once(name, build), isolate) };
}

/** The cross-origin isolation headers, the only configuration the vite dev server gets (threads page). */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': HEADERS['Cross-Origin-Opener-Policy']!,
  'Cross-Origin-Embedder-Policy': HEADERS['Cross-Origin-Embedder-Policy']!,
};

const BUNDLERS: Bundler[] = [
  {
    name: 'vite-dev',
    threads: true,
    async site(isolate) {
      const server = await viteServer({
        root: app,
        configFile: false,
        logLevel: 'silent',
        server: { host: '127.0.0.1', port: 0, ...(isolate ? { headers: ISOLATION } : {}) },
      });
      await server.listen();
      const url = server.resolvedUrls?.local[0];
      if (url === undefined) {
        await server.close();
        throw new Error('vite dev server: no local URL');
      }
      return { url, close: () => server.close() };
    },
  },
  staticBundler('vite-build', true, async () => {
    await viteBuild({ root: app, configFile: false, logLevel: 'silent' });
    return join(app, 'dist');
  }),
  staticBundler('esbuild', true, () => esbuildApp('esbuild', false)),
  staticBundler('esbuild-splitting', true, () => esbuildApp('esbuild-splitting', true)),
  staticBundler('webpack', true, webpackApp),
  staticBundler('importmap', true, importMapApp),
];

/**
 * Runs the app at `url` and returns its result with the page's problems, the console warnings (notices
 * such as a fallback to one thread) and every response's bytes and type by URL.
 */
async function runApp(url: string): Promise<{
  result: AppResult; problems: string[]; warnings: string[]; served: Map<string, { bytes: Buffer; type: string }>;
}> {
  const warnings: string[] = [];
  const served = new Map<string, { bytes: Buffer; type: string }>();
  const reading: Promise<unknown>[] = [];
  const { result, problems } = await pageResult<AppResult>(browser!, url, {
    timeout: 60_000,
    prepare: (p: Page) => {
      p.on('console', (m) => {
        if (m.type() === 'warning') warnings.push(m.text());
      });
      p.on('response', (r) => {
        if (!r.ok()) return; // a body the page never reads (an error page) would not arrive
        reading.push(r.body().then((bytes) => served.set(r.url(), { bytes, type: r.headers()['content-type'] ?? '' }), () => undefined));
      });
    },
    // Bounded: a body that never arrives leaves its file out of the figures instead of hanging the cell.
    settle: () => Promise.race([Promise.all(reading), new Promise((r) => setTimeout(r, 10_000))]),
  });
  return { result, problems, warnings, served };
}

const gz = (b: Uint8Array): number => gzipSync(b, { level: 9 }).length;

/**
 * Sizes by phase of the page: JS fetched before the app's code ran (the entry and its static imports),
 * whatever was fetched during init() and during pretrained() (lazy chunks, model files); and the time to
 * the first prediction. A phase the page did not reach counts what it fetched until it stopped.
 */
function measure(r: AppResult, served: Map<string, { bytes: Buffer; type: string }>): Figures {
  const files: Figures['files'] = { upfront: [], init: [], pretrained: [] };
  const bytes = { upfront: 0, init: 0, pretrained: 0 };
  const end = { init: r.t.init ?? Infinity, pretrained: r.t.pretrained ?? Infinity };
  for (const { url, start } of r.resources) {
    const body = served.get(url);
    const phase = start < r.t.start ? 'upfront' : start < end.init ? 'init' : start < end.pretrained ? 'pretrained' : null;
    if (phase === null || body === undefined) continue;
    if (phase === 'upfront' && !/javascript/.test(body.type)) continue;
    const size = gz(body.bytes);
    bytes[phase] += size;
    files[phase].push(`${new URL(url).pathname} ${size}`);
  }
  return {
    upfrontJsGzipBytes: bytes.upfront, initGzipBytes: bytes.init, pretrainedGzipBytes: bytes.pretrained,
    firstPredictionMs: r.t.firstPrediction === undefined ? null : Math.round(r.t.firstPrediction), files,
  };
}

const firstLine = (err: unknown): string => String(err instanceof Error ? err.message : err).split('\n')[0]!.slice(0, 400);

/** One cell of the matrix: its own test, its outcome recorded (the error rethrown) for the summary. */
function cell(bundler: string, scenario: 'classify' | 'threads', title: string, body: () => Promise<void>): void {
  it(`${bundler}: ${title}`, async () => {
    const row = (matrix[bundler] ??= {});
    row[scenario] = { works: false };
    try {
      await body();
      row[scenario] = { works: true };
    } catch (err) {
      row[scenario] = { works: false, error: firstLine(err) };
      throw err;
    }
  }, 180_000);
}

describeInChromium('the bundler matrix: pretrained models with zero configuration, run in Chromium' + chromiumNote, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lenet5-bundlers-'));
    installPackedConsumer(dir, 'bundler-consumer');
    // The app's source folder (vite's root; the other bundlers' entry); node_modules is in its parent.
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'main.js'), APP);
    writeFileSync(join(app, 'index.html'), `${PAGE_HEAD}<script type="module" src="./main.js"></script>\n`);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (Object.keys(matrix).length > 0) {
      writeFileSync(join(artifactsDir(), 'bundler-matrix.json'), `${JSON.stringify(matrix, null, 2)}\n`);
      const kb = (n: number | undefined): string => (n === undefined ? '?' : `${(n / 1024).toFixed(1)} KB`);
      const yes = (c: Cell | undefined): string => (c === undefined ? 'not run' : c.works ? 'yes' : 'no');
      for (const b of BUNDLERS) {
        const row = matrix[b.name];
        if (row === undefined) continue;
        const f = row.figures;
        console.log(`bundler matrix: ${b.name.padEnd(17)} works: ${row.classify?.works && (!b.threads || row.threads?.works) ? 'yes' : 'no'} ` +
          `(pretrained ${yes(row.classify)}${b.threads ? `, threads ${yes(row.threads)}` : ''}); ` +
          `up-front JS ${kb(f?.upfrontJsGzipBytes)} gz, init ${kb(f?.initGzipBytes)} gz, pretrained ${kb(f?.pretrainedGzipBytes)} gz; ` +
          `first prediction ${f?.firstPredictionMs == null ? '?' : `${f.firstPredictionMs} ms`}`);
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  for (const bundler of BUNDLERS) {
    cell(bundler.name, 'classify', `LeNet5.pretrained('modern') classifies digits drawn on a canvas, no console errors`, async () => {
      const site = await bundler.site(false);
      try {
        const { result, problems, served } = await runApp(site.url);
        const row = (matrix[bundler.name] ??= {});
        row.figures = measure(result, served);
        expect(result.error, result.error).toBeUndefined();
        expect(problems).toEqual([]);
        const correct = result.labels!.filter((label, digit) => label === digit).length;
        row.correct = correct;
        expect(correct, `labels of the digits 0..9: ${result.labels!.join(' ')}`).toBeGreaterThanOrEqual(MIN_CORRECT);
      } finally {
        await site.close();
      }
    });

    if (!bundler.threads) continue;
    cell(bundler.name, 'threads', 'fit({ threads: 2 }) and predictor({ threads: 2 }) on a cross-origin-isolated page, no console errors', async () => {
      const site = await bundler.site(true);
      try {
        const { result, problems, warnings } = await runApp(`${site.url}?threads`);
        expect(result.error, result.error).toBeUndefined();
        expect(problems).toEqual([]);
        const t = result.threads!;
        expect(t.isolated, 'crossOriginIsolated').toBe(true);
        expect([t.fitThreads, t.predictorThreads], `threads of fit and predictor (notices: ${warnings.join(' | ') || 'none'})`).toEqual([2, 2]);
        expect(Number.isFinite(t.loss)).toBe(true);
        expect(t.count).toBe(10);
        expect(t.maxScoreDiff, 'scores of the 2-thread predictor vs this thread').toBeLessThan(1e-4);
      } finally {
        await site.close();
      }
    });
  }
});
