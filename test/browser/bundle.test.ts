/**
 * The library in a user's bundle: pack the tarball (as `npm publish` would), install it into a fresh
 * consumer, build the same small page with esbuild (esm and iife) and with vite (no plugin, no config),
 * serve each from a plain static host (no COOP/COEP) and run it in headless Chromium. The page imports
 * `{ init, LeNet5 }` from 'lenet5', runs a prediction on the embedded wasm, and — in the vite build,
 * which copies assets referenced by `new URL(..., import.meta.url)` — also loads the packaged pretrained
 * model and digits with no URL given.
 *
 * Also measures the library's size in a minified bundle (JS and wasm separately, gzip) and holds it to
 * a budget; the figures go to test-artifacts/bundle-figures.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveDir } from '../../scripts/demo.mjs';
import { artifactsDir, CHROMIUM_RUNS, chromiumNote, describeInChromium, installPackedConsumer, launchChromium, pageResult, ROOT, type Browser } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

// The size budget (min+gzip) of a small app: what a page loads before its first prediction, the kernels
// included. A regression that pulls Node code, protobufjs, a decoder, the training loop or a second copy of
// the kernels into it fails here.
const BUDGET_APP_GZ = 50 * 1024;

let dir = '';
let browser: Browser | null = null;
const servers: Server[] = [];
const figures: Record<string, unknown> = {};

/** The consumer: what a user writes. `full` also loads the packaged model and digits by default URL. */
const consumer = (full: boolean): string => `
import { init, LeNet5, VERSION${full ? ', pretrainedBytes, loadDigits' : ''} } from 'lenet5';

async function main() {
  const t0 = performance.now();
  const info = await init();
  const net = LeNet5.modern({ seed: 1 });
  // A vertical stroke, 28x28 bytes.
  const img = new Uint8Array(784);
  for (let y = 4; y < 24; y++) { img[y * 28 + 13] = 255; img[y * 28 + 14] = 255; }
  const p = net.predict(img);
  const result = {
    version: VERSION, backend: info.backend, simd: info.simd, params: net.paramCount(),
    label: p.label, sum: Array.from(p.probabilities).reduce((a, b) => a + b, 0),
  };
  ${full ? `
  const pretrained = LeNet5.load(await pretrainedBytes('modern'));
  result.pretrainedLabel = pretrained.predict(img).label;
  const digits = await loadDigits();
  result.digits = digits.count;
  result.digitsAccuracy = pretrained.evaluate(digits.subset(0, 500)).accuracy;` : ''}
  result.ms = performance.now() - t0;
  return result;
}

main().then(
  (r) => { window.result = r; document.title = 'done'; },
  (e) => { window.result = { error: String((e && e.stack) || e) }; document.title = 'done'; },
);
`;

async function runPage(url: string): Promise<Record<string, unknown>> {
  const { result, problems } = await pageResult<Record<string, unknown>>(browser!, url);
  expect(result['error'], String(result['error'])).toBeUndefined();
  expect(problems).toEqual([]);
  return result;
}

async function serve(folder: string): Promise<string> {
  const { server, url } = await serveDir(folder, { isolate: false });
  servers.push(server);
  return url;
}

function expectWorking(r: Record<string, unknown>): void {
  expect(r['version']).toBe(pkg.version);
  expect(r['backend']).toBe('wasm');
  expect(r['simd']).toBe(true);
  expect(r['params']).toBe(61_706);
  expect(r['label']).toBeGreaterThanOrEqual(0);
  expect(r['label']).toBeLessThan(10);
  expect(r['sum'] as number).toBeCloseTo(1, 4);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lenet5-bundle-'));
  installPackedConsumer(dir, 'browser-consumer');
  if (CHROMIUM_RUNS) browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (Object.keys(figures).length > 0) {
    writeFileSync(join(artifactsDir(), 'bundle-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`bundle figures: ${JSON.stringify(figures)}`);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describeInChromium('lenet5 in browser bundles, run in Chromium' + chromiumNote, () => {
  for (const format of ['esm', 'iife'] as const) {
    it(`an esbuild ${format} bundle loads the embedded wasm and predicts`, async () => {
      const site = join(dir, `esbuild-${format}`);
      mkdirSync(site, { recursive: true });
      writeFileSync(join(dir, 'consumer.js'), consumer(false));
      const result = await esbuild({
        entryPoints: [join(dir, 'consumer.js')],
        absWorkingDir: dir,
        bundle: true,
        platform: 'browser',
        format,
        minify: true,
        outfile: join(site, 'bundle.js'),
        logLevel: 'silent',
      });
      expect(result.errors).toEqual([]);
      const code = readFileSync(join(site, 'bundle.js'), 'utf8');
      expect(code).not.toMatch(/["']node:/);
      const tag = format === 'esm' ? '<script type="module" src="bundle.js"></script>' : '<script src="bundle.js"></script>';
      writeFileSync(join(site, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title>${tag}`);
      const r = await runPage(await serve(site));
      expectWorking(r);
      figures[`esbuild-${format}`] = { bundleBytes: code.length, initAndPredictMs: Math.round(r['ms'] as number) };
    });
  }

  it('a vite build (no plugin, no config) loads the wasm, the packaged pretrained model and digits', async () => {
    const app = join(dir, 'vite-app');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'main.js'), consumer(true));
    writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title><script type="module" src="./main.js"></script>');
    await viteBuild({ root: app, configFile: false, logLevel: 'silent', build: { outDir: join(app, 'dist') } });
    const r = await runPage(await serve(join(app, 'dist')));
    expectWorking(r);
    expect(r['pretrainedLabel']).toBe(1);
    expect(r['digits']).toBe(5000);
    expect(r['digitsAccuracy'] as number).toBeGreaterThan(0.9);
    figures['vite'] = { initPretrainedDigitsMs: Math.round(r['ms'] as number) };
  });

  it('stays small: an app of init, LeNet5 and preprocessImage loads at most 50 KiB gzipped, kernels included', async () => {
    writeFileSync(join(dir, 'size.js'), `import { init, LeNet5, preprocessImage } from 'lenet5';
await init();
const net = await LeNet5.pretrained('modern');
const img = preprocessImage({ data: new Uint8Array(784).fill(255, 300, 320), width: 28, height: 28, channels: 1 });
document.title = String(net.predict(img.data).label);
`);
    const outdir = join(dir, 'size-split');
    const result = await esbuild({
      entryPoints: [join(dir, 'size.js')], absWorkingDir: dir, bundle: true, platform: 'browser', format: 'esm',
      minify: true, splitting: true, outdir, metafile: true, logLevel: 'silent',
    });
    const outputs = result.metafile.outputs;
    const gz = (file: string): number => gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
    // What the page loads before its first line runs: the entry chunk and the chunks it imports statically.
    const entry = Object.keys(outputs).find((f) => f.endsWith('/size.js'))!;
    const upFront = new Set<string>();
    const stack = [entry];
    while (stack.length > 0) {
      const f = stack.pop()!;
      if (upFront.has(f)) continue;
      upFront.add(f);
      for (const i of outputs[f]!.imports) if (i.kind === 'import-statement') stack.push(i.path);
    }
    const chunkOf = (input: string): string => Object.keys(outputs).find((f) =>
      Object.keys(outputs[f]!.inputs).some((i) => i.endsWith(input)))!;
    // init() then imports the one build of the kernels this engine runs (Chromium: relaxed SIMD).
    const kernels = chunkOf('dist/backend/wasm/release-relaxed.generated.js');
    const model = chunkOf('dist/models/weights/modern.generated.js');
    const protobuf = Object.keys(outputs).filter((f) => Object.keys(outputs[f]!.inputs).some((i) => i.includes('protobufjs')));
    const js = [...upFront].reduce((t, f) => t + gz(f), 0);
    const sizes = { appJsGzipBytes: js, kernelsGzipBytes: gz(kernels), appTotalGzipBytes: js + gz(kernels), pretrainedModernGzipBytes: gz(model) };
    figures['size'] = sizes;
    expect(protobuf, 'protobufjs is only in apps that import lenet5/onnx').toEqual([]);
    expect(upFront.has(model) || upFront.has(kernels), 'the weights and the kernels are chunks loaded on demand').toBe(false);
    expect(sizes.appTotalGzipBytes, `app JS ${js} B + kernels ${gz(kernels)} B, gzipped`).toBeLessThanOrEqual(BUDGET_APP_GZ);
  });
});
