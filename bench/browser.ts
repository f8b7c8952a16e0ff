/**
 * `npm run bench:browser [-- --json] [-- --quick]`: the Node bench's end-to-end rows and its inference
 * peers, measured in headless Chromium (Debian's /usr/bin/chromium through playwright-core, as the browser
 * tests drive it). Builds bench/browser/page.ts with esbuild (ESM, splitting: the kernels, the js backend
 * and the threads' script are chunks the library loads on demand), copies the .wasm files of TF.js'
 * wasm backend and onnxruntime-web's wasm build next to it, serves the folder on 127.0.0.1 with COOP/COEP
 * (serveDir of scripts/demo.mjs: a cross-origin isolated page, where Web Workers share wasm memory) and
 * loads the page once per part:
 *
 *   lenet5       train modern batch 32 on 1 and 2 threads, infer batch 256 and 1 on 1 thread, batch 256
 *                on 2 threads (wasm, the relaxed-SIMD (FMA) build where Chromium runs it; js for the ratio)
 *   tfjs         TF.js 4.22.0 wasm (SIMD, one thread), infer batch 256 and 1
 *   ort 1, ort 2 onnxruntime-web (wasm, SIMD) on 1 and 2 threads, infer batch 256 and 1
 *
 * Each peer runs the same weights (LeNet5.modern({ seed: 1 })) and is checked to predict lenet5's classes
 * (probabilities within 1e-4) on the timed images before it is timed. A part that cannot run prints one
 * line saying why and the bench goes on. With --json the tables go to stderr and the last stdout line is
 * `{ chromium, quick, relaxedSimd, crossOriginIsolated, parts, rows, checks, skipped, warnings, ratios }` (also written to
 * test-artifacts/bench-browser.json, or bench-browser-quick.json). --quick: a tiny workload
 * (seconds; the figures mean nothing) for test/browser/bench-browser.test.ts.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { launchChromium, pageResult } from '../test/browser/helpers.js';
import type { BrowserRow, ClassCheck, PartResult } from './browser/page.js';

const argv = process.argv;
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const print = (line: string): void => (json ? console.error(line) : console.log(line));
const root = process.cwd();
const out = resolve(root, quick ? '.cache/bench-browser-quick' : '.cache/bench-browser');
const require = createRequire(join(root, 'package.json'));

/**
 * bench/peers.ts, bench/ort.ts and src/cli/bench/suite.ts import Node modules for what only Node runs
 * (reading .wasm files from node_modules or build/); the page never calls those paths, so here they are
 * functions that throw if it ever did.
 */
const nodeOnly: Plugin = {
  name: 'node-only',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-only' }));
    b.onLoad({ filter: /.*/, namespace: 'node-only' }, (a) => ({
      contents: ['createRequire', 'dirname', 'join', 'readFile']
        .map((n) => `export const ${n} = () => { throw new Error('${a.path} ${n}: Node only, not in the browser bench'); };`).join('\n'),
      loader: 'js',
    }));
  },
};

async function buildPage(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { page: join(root, 'bench/browser/page.ts') },
    outdir: out,
    bundle: true,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    target: ['chrome110'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: root,
    plugins: [nodeOnly],
  });
  copyFileSync(join(root, 'bench/browser/index.html'), join(out, 'index.html'));
  const tfDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(join(out, 'tfjs'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(tfDist, f), join(out, 'tfjs', f));
  }
  mkdirSync(join(out, 'ort'));
  // Its exports map names no package.json; ./wasm resolves (for require) to dist/ort.wasm.min.js.
  const ortDist = dirname(require.resolve('onnxruntime-web/wasm'));
  for (const f of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
    copyFileSync(join(ortDist, f), join(out, 'ort', f));
  }
}

// Imported at run time, not bundled: scripts/run-ts.mjs bundles this file, and demo.mjs bundled in would
// take the bundle for itself being run (its main() guard compares import.meta.url with argv[1]).
const { serveDir } = (await import(pathToFileURL(join(root, 'scripts/demo.mjs')).href)) as typeof import('../scripts/demo.mjs');

const t0 = performance.now();
await buildPage();
const { server, url } = await serveDir(out);
const browser = await launchChromium();
const parts: PartResult[] = [];
const skipped: string[] = [];
let chromium = '?';
try {
  chromium = browser.context.browser()?.version() ?? '?';
  const timeout = quick ? 60_000 : 900_000;
  for (const q of ['part=lenet5', 'part=tfjs', 'part=ort&threads=1', 'part=ort&threads=2']) {
    let r: PartResult;
    try {
      ({ result: r } = await pageResult<PartResult>(browser, `${url}?${q}${quick ? '&quick=1' : ''}`, { timeout }));
    } catch (err) {
      const why = `${q}: did not finish (${(err as Error).message.split('\n')[0]})`;
      print(why);
      skipped.push(why);
      continue;
    }
    parts.push(r);
    if (r.error !== undefined) {
      const why = `${q}: did not run (${r.error})`;
      print(why);
      skipped.push(why);
    }
    for (const c of r.checks.filter((c) => !c.ok)) {
      const why = `${c.peer} batch ${c.batchSize}: not timed, its check against lenet5 failed (${c.error ?? '?'})`;
      print(why);
      skipped.push(why);
    }
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
}

const main = parts.find((p) => p.part === 'lenet5');
const rows: BrowserRow[] = parts.flatMap((p) => p.rows);
const checks: ClassCheck[] = parts.flatMap((p) => p.checks);
const relaxedSimd = main?.relaxedSimd ?? false;
const crossOriginIsolated = main?.crossOriginIsolated ?? false;
const warnings = parts.flatMap((p) => p.warnings);

print(`Chromium ${chromium} (headless; one run, absolute figures depend on the machine and its load), lenet5 on the ${relaxedSimd ? 'relaxed SIMD (FMA)' : 'SIMD (mul+add)'} build, ` +
  `crossOriginIsolated ${String(crossOriginIsolated)}${quick ? ', --quick (tiny workload: the figures mean nothing)' : ''}`);
for (const p of parts) for (const d of p.describe.slice(1)) if (!d.startsWith('  check')) print(d);
for (const c of checks.filter((c) => c.ok)) {
  print(`  check ${c.peer} batch ${c.batchSize}: ${c.images} images, same classes, max |dp| ${(c.maxAbsDiff ?? 0).toExponential(2)}`);
}
for (const p of parts) print(`part ${p.part}: ${p.workersStarted} Web Worker(s) started`);
for (const w of warnings) print(`warning: ${w}`);

const fig = (v: number | undefined): string => (v === undefined ? '     -' : String(v).padStart(6));
print('\nlenet5 in Chromium (modern; train samples/s, infer images/s)');
for (const r of rows.filter((r) => r.backend === 'lenet5-wasm')) {
  print(`${r.kind.padEnd(5)} modern threads ${r.threads} batch ${String(r.batchSize).padStart(3)}: wasm ${fig(r.perSec)}/s  ` +
    `js ${fig(r.jsPerSec)}/s  ${r.jsPerSec ? (r.perSec / r.jsPerSec).toFixed(1) : '-'}x`);
}

/** lenet5 / peer for each peer row, against lenet5 on as many threads at the same batch (batch 1: one thread). */
const ours = (threads: number, batchSize: number): number | undefined =>
  rows.find((r) => r.backend === 'lenet5-wasm' && r.kind === 'infer' && r.batchSize === batchSize && r.threads === threads)?.perSec;
const ratios = rows.filter((r) => r.backend !== 'lenet5-wasm').map((r) => {
  const o = ours(r.batchSize === 1 ? 1 : r.threads, r.batchSize);
  return { peer: r.backend, threads: r.threads, batchSize: r.batchSize, lenet5PerPeer: o === undefined ? undefined : +(o / r.perSec).toFixed(1) };
});
print('\npeers in Chromium (infer modern, the same weights; lenet5 on as many threads, batch 1 on one)');
for (const r of rows.filter((r) => r.backend !== 'lenet5-wasm')) {
  const o = ours(r.batchSize === 1 ? 1 : r.threads, r.batchSize);
  print(`${r.backend.padEnd(15)} threads ${r.threads} batch ${String(r.batchSize).padStart(3)}: ${fig(r.perSec)}/s  ` +
    `lenet5 ${fig(o)}/s  lenet5/peer ${o === undefined ? '-' : (o / r.perSec).toFixed(1)}x`);
}
print(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`);

const partsRan = parts.map((p) => ({ part: p.part, workersStarted: p.workersStarted, ...(p.error === undefined ? {} : { error: p.error }) }));
const result = { chromium, quick, relaxedSimd, crossOriginIsolated, parts: partsRan, rows, checks, skipped, warnings, ratios };
mkdirSync(join(root, 'test-artifacts'), { recursive: true });
writeFileSync(join(root, 'test-artifacts', quick ? 'bench-browser-quick.json' : 'bench-browser.json'), `${JSON.stringify(result, null, 2)}\n`);
if (json) console.log(JSON.stringify(result));
// launchChromium's close() leaves a 15 s guard timer behind: end now that everything is written.
process.exit(0);
