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

// Size budgets (min+gzip), generous against the measured figures in the closing note: a regression that
// pulls Node code, a decoder or a second copy of the kernels into browser bundles fails here. The JS
// budget includes protobufjs (~29 KB min+gzip), which `net.toOnnx()` / `LeNet5.fromOnnx()` bring in.
const BUDGET_JS_GZ = 64 * 1024;
const BUDGET_WASM_GZ = 32 * 1024;

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

  it('stays small: the library min+gzip, JS and wasm measured separately, within budget', async () => {
    writeFileSync(join(dir, 'size.js'), "export { init, LeNet5 } from 'lenet5';\n");
    const result = await esbuild({
      entryPoints: [join(dir, 'size.js')],
      absWorkingDir: dir,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    // The kernels ride in the JS as one base64 string; split it out to weigh JS and wasm apart.
    const generated = readFileSync(join(dir, 'node_modules/lenet5/dist/backend/wasm-binary.generated.js'), 'utf8');
    const b64 = /["'`]([A-Za-z0-9+/=]{1000,})["'`]/.exec(generated)![1]!;
    expect(code).toContain(b64);
    const jsOnly = code.replace(b64, '');
    const wasm = readFileSync(join(dir, 'node_modules/lenet5/build/lenet5.wasm'));
    const gz = (b: string | Uint8Array): number => gzipSync(b, { level: 9 }).length;
    const sizes = {
      bundleMinBytes: code.length,
      bundleMinGzipBytes: gz(code),
      jsMinBytes: jsOnly.length,
      jsMinGzipBytes: gz(jsOnly),
      wasmBytes: wasm.length,
      wasmGzipBytes: gz(wasm),
      wasmBase64GzipBytes: gz(b64),
    };
    figures['size'] = sizes;
    expect(Buffer.from(b64, 'base64').equals(wasm)).toBe(true);
    expect(sizes.jsMinGzipBytes, `library JS min+gzip ${sizes.jsMinGzipBytes} B`).toBeLessThan(BUDGET_JS_GZ);
    expect(sizes.wasmGzipBytes, `wasm gzip ${sizes.wasmGzipBytes} B`).toBeLessThan(BUDGET_WASM_GZ);
  });
});
