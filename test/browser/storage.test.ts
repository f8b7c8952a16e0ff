/**
 * The Keras-style API in Chromium, on a page bundled with esbuild from the package as a user would: `fit`
 * on normalised float images with validationSplit, callbacks and `verbose: 1` (which prints nothing in a
 * browser), then `saveTo('indexeddb://…')` and `LeNet5.loadFrom('indexeddb://…')` round-tripping the
 * weights, `loadFrom` of a URL relative to the page, and `saveTo('downloads://…')` caught as a real
 * download whose bytes must be the model file.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Download } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveDir } from '../../scripts/demo.mjs';
import { CHROMIUM_RUNS, chromiumNote, describeInChromium, launchChromium, pageResult, ROOT, type Browser } from './helpers.js';

const PAGE = `
import { init, LeNet5, earlyStopping } from 'lenet5';

const logs = [];
for (const k of ['log', 'info', 'warn', 'error']) {
  const real = console[k];
  console[k] = (...a) => { logs.push(k + ': ' + a.join(' ')); real.apply(console, a); };
}
/** FNV-1a over the bytes, as the test computes it. */
const fnv = (b) => { let h = 0x811c9dc5; for (const v of b) h = Math.imul(h ^ v, 0x01000193) >>> 0; return h; };
const sameWeights = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

try {
  await init();
  let s = 7;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const n = 40;
  const images = Float32Array.from({ length: n * 784 }, next);
  const labels = Array.from({ length: n }, (_, i) => i % 10);
  const net = LeNet5.modern({ seed: 1 });
  const hooks = [];
  const h = await net.fit({ images, labels }, {
    epochs: 2, batchSize: 10, verbose: 1, validationSplit: 0.25,
    callbacks: [earlyStopping({ patience: 5 }), { onEpochEnd: async (e) => { await new Promise((r) => setTimeout(r, 5)); hooks.push(e.epoch); } }],
  });
  await net.saveTo('indexeddb://my-model');
  const back = await LeNet5.loadFrom('indexeddb://my-model');
  let missing = '';
  try { await LeNet5.loadFrom('indexeddb://nothing-here'); } catch (e) { missing = e.name + ': ' + e.message; }
  const served = await LeNet5.loadFrom('served.lenet5');
  const bytes = net.save();
  await net.saveTo('downloads://my-model');
  window.result = {
    epochs: h.epochs.length, valLoss: h.valLoss.length, stopReason: h.stopReason, hooks,
    indexeddbSame: sameWeights(back.getWeights(), net.getWeights()),
    missing, servedHash: fnv(served.save()), hash: fnv(bytes), length: bytes.length,
    prediction: Object.keys(net.predict(images.subarray(0, 784))).sort(),
    logs,
  };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
document.title = 'done';
`;

const fnv = (b: Uint8Array): number => {
  let h = 0x811c9dc5;
  for (const v of b) h = Math.imul(h ^ v, 0x01000193) >>> 0;
  return h;
};

interface Result {
  error?: string;
  epochs: number;
  valLoss: number;
  stopReason: string;
  hooks: number[];
  indexeddbSame: boolean;
  missing: string;
  servedHash: number;
  hash: number;
  length: number;
  prediction: string[];
  logs: string[];
}

describeInChromium('saveTo / loadFrom and fit options in Chromium' + chromiumNote, () => {
  let dir = '';
  let server: Server | null = null;
  let url = '';
  let browser: Browser | null = null;
  let servedBytes: Uint8Array = new Uint8Array(0);

  beforeAll(async () => {
    if (!CHROMIUM_RUNS) return;
    dir = mkdtempSync(join(tmpdir(), 'lenet5-storage-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/lenet5'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'storage-consumer', private: true, type: 'module' }));
    writeFileSync(join(dir, 'page.js'), PAGE);
    const site = join(dir, 'site');
    const result = await build({
      entryPoints: [join(dir, 'page.js')], absWorkingDir: dir, outdir: site, bundle: true, splitting: true, platform: 'browser',
      format: 'esm', logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const lib = await import('../../dist/index.node.js');
    await lib.init();
    servedBytes = lib.LeNet5.classic({ seed: 3 }).save();
    writeFileSync(join(site, 'served.lenet5'), servedBytes);
    writeFileSync(join(site, 'index.html'),
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title><script type="module" src="page.js"></script>');
    ({ server, url } = await serveDir(site, { isolate: false }));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((r) => server!.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trains on floats silently, round-trips through IndexedDB, loads a URL and downloads the model file', async () => {
    let download: Promise<Download> | null = null;
    let downloaded: { name: string; bytes: Uint8Array } | null = null;
    const { result, problems } = await pageResult<Result>(browser!, url, {
      timeout: 60_000,
      prepare: (page) => { download = page.waitForEvent('download', { timeout: 60_000 }); },
      settle: async () => {
        const d = await download!;
        downloaded = { name: d.suggestedFilename(), bytes: new Uint8Array(readFileSync((await d.path())!)) };
      },
    });
    expect(result.error).toBeUndefined();
    expect(problems).toEqual([]);
    expect(result.epochs).toBe(2);
    expect(result.valLoss).toBe(2);
    expect(result.stopReason).toBe('completed');
    expect(result.hooks).toEqual([0, 1]);
    // verbose: 1 prints nothing in a browser.
    expect(result.logs).toEqual([]);
    expect(result.indexeddbSame).toBe(true);
    expect(result.missing).toBe('ModelFileError: indexeddb://nothing-here: no model is saved under this name');
    expect(result.servedHash).toBe(fnv(servedBytes));
    expect(result.prediction).toEqual(['kind', 'label', 'probabilities', 'scores']);
    expect(downloaded).not.toBeNull();
    expect(downloaded!.name).toBe('my-model.lenet5');
    expect(downloaded!.bytes.length).toBe(result.length);
    expect(fnv(downloaded!.bytes)).toBe(result.hash);
  }, 120_000);
});
