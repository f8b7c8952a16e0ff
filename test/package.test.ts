/**
 * The packed package works for a consumer: `npm pack`, install the tarball in a fresh folder, then
 * (a) import it from Node and run a kernel, (b) bundle a browser consumer with esbuild, (c) run the bin.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lenet5-pack-'));
  // --ignore-scripts: the tree was just built by `npm test`; pack it as it is instead of rebuilding.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root, encoding: 'utf8',
  });
  const tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: dir, stdio: 'pipe' });
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('imports from Node ESM and runs a conv forward on the wasm backend', () => {
    writeFileSync(join(dir, 'node-consumer.mjs'), `
      import { init, createBackend, convScratchLength, VERSION } from 'lenet5';
      const info = await init();
      const b = createBackend();
      // 1x1x3x3 input, one 2x2 kernel of ones, bias 0.5: each output is the sum of a 2x2 block + 0.5.
      const inp = b.arena.alloc(9); inp.f32.set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const w = b.arena.alloc(4); w.f32.fill(1);
      const bias = b.arena.alloc(1); bias.f32[0] = 0.5;
      const out = b.arena.alloc(4);
      const col = b.arena.alloc(convScratchLength(1, 1, 3, 3, 2, 2, 0));
      b.convForward(out, inp, w, bias, null, col, 1, 1, 3, 3, 1, 2, 2, 0);
      console.log(JSON.stringify({ version: VERSION, backend: info.backend, name: b.name, out: Array.from(out.f32) }));
    `);
    const out = execFileSync(process.execPath, ['node-consumer.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ version: pkg.version, backend: 'wasm', name: 'wasm', out: [12.5, 16.5, 24.5, 28.5] });
  });

  it('bundles for the browser with esbuild (esm and iife) without errors or Node built-ins', async () => {
    writeFileSync(join(dir, 'browser-consumer.js'), `
      import { init, createBackend } from 'lenet5';
      init().then(() => { document.title = createBackend().name; });
    `);
    for (const format of ['esm', 'iife'] as const) {
      const result = await build({
        entryPoints: [join(dir, 'browser-consumer.js')],
        absWorkingDir: dir,
        bundle: true,
        platform: 'browser',
        format,
        write: false,
        logLevel: 'silent',
      });
      expect(result.errors).toEqual([]);
      const code = result.outputFiles[0]!.text;
      expect(code).not.toMatch(/["']node:/);
      // The kernels ride along as a module of the package (hex), whichever way the bundle is cut.
      expect(code).toMatch(/DATA\s*=\s*["']0061736d/);
    }
  });

  it('exposes the lenet5 bin', () => {
    const out = execFileSync(join(dir, 'node_modules/.bin/lenet5'), ['--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(pkg.version);
  });
});
