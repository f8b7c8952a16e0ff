/**
 * The packed package works for a consumer: `npm pack`, install the tarball in a fresh folder, then
 * (a) import it from Node and run a kernel, (b) bundle a browser consumer with esbuild, (c) run the bin,
 * (d) pass publint and arethetypeswrong (types resolve for every entry under node16 and bundler resolution),
 * (e) type-check a consumer under `moduleResolution: "bundler"` and `"node16"`, (f) keep error class names
 * in a minified bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
let dir = '';
let tarball = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lenet5-pack-'));
  // --ignore-scripts: the tree was just built by `npm test`; pack it as it is instead of rebuilding.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root, encoding: 'utf8',
  });
  tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
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

  it('holds the library, its licenses and nothing else (no tests, sources, maps or debug builds), at the size the README states', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    const allowed = /^(dist\/(?!web\/).+\.(js|d\.ts)|build\/lenet5(\.[a-z-]+)?\.wasm|README\.md|LICENSE|THIRD_PARTY\.md|CHANGELOG\.md|package\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /test|\.map$|debug|\.wat$|bench\.wasm|\.tgz$/.test(f))).toEqual([]);
    for (const f of ['LICENSE', 'THIRD_PARTY.md', 'CHANGELOG.md', 'README.md', 'dist/index.js', 'dist/index.node.js', 'dist/onnx.js']) {
      expect(files, f).toContain(f);
    }
    // The README states the packed size; it must stay within 15% of the real one.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const stated = /The package is about ([\d.]+) MB packed/.exec(readme);
    expect(stated, 'the README states the package size').not.toBeNull();
    const actual = statSync(tarball).size / 1e6;
    expect(Math.abs(actual - Number(stated![1])) / actual, `packed ${actual.toFixed(2)} MB`).toBeLessThan(0.15);
  });

  it('has a package.json that npm publishes as written (`npm pkg fix` changes nothing)', () => {
    // npm publish silently rewrites what it considers wrong (e.g. a bin path it does not accept, which it
    // then drops); `npm pkg fix` applies the same corrections, offline, to a copy.
    const copy = mkdtempSync(join(tmpdir(), 'lenet5-pkgfix-'));
    try {
      const manifest = readFileSync(join(root, 'package.json'), 'utf8');
      writeFileSync(join(copy, 'package.json'), manifest);
      execFileSync('npm', ['pkg', 'fix'], { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'))).toEqual(JSON.parse(manifest));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('ships and exports exactly the release builds asconfig.json defines, and the loader knows each', async () => {
    const asconfig = JSON.parse(readFileSync(join(root, 'asconfig.json'), 'utf8')) as { targets: Record<string, { outFile: string }> };
    const releases = Object.entries(asconfig.targets).filter(([t]) => t.startsWith('release'));
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[]; exports: Record<string, unknown> };
    const { buildFile } = await import('../src/backend/builds.js');
    const files = releases.map(([, t]) => t.outFile).sort();
    expect(releases.map(([t]) => `build/${buildFile(t as Parameters<typeof buildFile>[0])}`).sort()).toEqual(files);
    expect(manifest.files.filter((f) => f.endsWith('.wasm')).sort()).toEqual(files);
    expect(Object.values(manifest.exports).filter((v): v is string => typeof v === 'string' && v.endsWith('.wasm'))
      .map((v) => v.replace('./', '')).sort()).toEqual(files);
    const packed = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.wasm'));
    expect(packed.map((f) => f.replace('package/', '')).sort()).toEqual(files);
  });

  it('passes publint and arethetypeswrong (every entry has types under node16 and bundler resolution)', () => {
    const bin = (name: string) => join(root, 'node_modules/.bin', name);
    execFileSync(bin('publint'), [tarball, '--strict'], { cwd: root, encoding: 'utf8' });
    // ESM only (no CommonJS entry), and the .wasm exports are data files, not modules with types.
    const wasm = ['./lenet5.wasm', './lenet5.relaxed.wasm', './lenet5.threads.wasm', './lenet5.threads-relaxed.wasm'];
    const out = execFileSync(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'json', '--exclude-entrypoints', ...wasm],
      { cwd: root, encoding: 'utf8' });
    const report = JSON.parse(out) as { analysis: { entrypoints: Record<string, unknown> };
      problems?: Record<string, { kind: string; entrypoint?: string; resolutionKind?: string }[]> };
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(['.', './node', './onnx', './package.json', './worker']);
    // The esm-only profile leaves out CommonJS resolution (node10, node16 from CJS); every other problem counts.
    const ignored = new Set(['node10', 'node16-cjs']);
    const problems = Object.values(report.problems ?? {}).flat();
    expect(problems.length, 'the CommonJS problems it reports and this test leaves out').toBeGreaterThan(0);
    expect(problems.filter((p) => p.resolutionKind === undefined || !ignored.has(p.resolutionKind))).toEqual([]);
  }, 120_000);

  // A browser app (bundler resolution, no Node types) and a Node app (node16, with them), as users write them.
  it.each([
    ['bundler', 'a browser app of lenet5 and lenet5/onnx, without Node types', `
      import { init, LeNet5, preprocessImage, InvalidArgumentError } from 'lenet5';
      import { toOnnx, fromOnnx } from 'lenet5/onnx';
      export async function run(pixels: ImageData): Promise<number> {
        await init();
        const net = await LeNet5.pretrained('modern');
        void InvalidArgumentError;
        return fromOnnx(toOnnx(net)).predict(preprocessImage(pixels).data).label;
      }`],
    ['node16', 'a Node app of lenet5, lenet5/node and lenet5/onnx', `
      import { init, LeNet5, preprocessImage } from 'lenet5';
      import { saveModel, loadModel, readImageFile, loadMnist } from 'lenet5/node';
      import { toOnnx, fromOnnx } from 'lenet5/onnx';
      export async function run(): Promise<number> {
        await init();
        await saveModel(await LeNet5.pretrained('modern'), 'm.lenet5');
        const back = await loadModel('m.lenet5');
        const img = preprocessImage(await readImageFile('digit.png'));
        void loadMnist;
        return fromOnnx(toOnnx(back)).predict(img.data).label;
      }`],
  ] as const)('types resolve under moduleResolution %s: %s', (resolution, _what, code) => {
    writeFileSync(join(dir, `types-${resolution}.ts`), code);
    const node = resolution === 'node16';
    writeFileSync(join(dir, `tsconfig.${resolution}.json`), JSON.stringify({
      compilerOptions: {
        module: node ? 'node16' : 'esnext', moduleResolution: resolution, target: 'es2022', lib: ['es2022', 'dom'],
        types: node ? ['node'] : [], typeRoots: [join(root, 'node_modules/@types')], strict: true, noEmit: true,
      },
      files: [`types-${resolution}.ts`],
    }));
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${resolution}.json`],
      { cwd: dir, encoding: 'utf8' });
    expect(tsc.status, `tsc under ${resolution}:\n${tsc.stdout}${tsc.stderr}`).toBe(0);
    expect(tsc.stdout + tsc.stderr).toBe('');
  }, 120_000);

  it('keeps error class names in a minified bundle', async () => {
    writeFileSync(join(dir, 'names.js'), `
      import * as lib from 'lenet5';
      const names = {};
      for (const [key, value] of Object.entries(lib)) {
        if (typeof value === 'function' && value.prototype instanceof Error) {
          names[key] = new value('x').name;
        }
      }
      let message = '';
      try { await lib.LeNet5.pretrained('nope'); } catch (e) { message = String(e); }
      console.log(JSON.stringify({ names, message }));
    `);
    const result = await build({
      entryPoints: [join(dir, 'names.js')], absWorkingDir: dir, bundle: true, platform: 'node', format: 'esm',
      minify: true, outfile: join(dir, 'names.min.mjs'), logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const out = JSON.parse(execFileSync(process.execPath, [join(dir, 'names.min.mjs')], { cwd: dir, encoding: 'utf8' })) as
      { names: Record<string, string>; message: string };
    expect(Object.keys(out.names).length).toBeGreaterThanOrEqual(10);
    for (const [exported, name] of Object.entries(out.names)) expect(name, exported).toBe(exported);
    expect(out.message).toMatch(/^InvalidArgumentError: pretrained: unknown model 'nope'/);
  }, 60_000);
});
