/**
 * The relaxed-SIMD (FMA) build: chosen at run time by WebAssembly.validate, so Node 20 uses it only with
 * --experimental-wasm-relaxed-simd. Each case runs in a child Node (V8 flags are per process), against
 * the built package entry (`npm run build` first, as for the whole suite).
 *
 * Parity: the kernel tests (test/kernels) are run again in a child with the flag. Their tolerances are
 * the float32-vs-float64 bounds of the baseline; an FMA rounds once where mul+add rounds twice, so each
 * partial sum's error can only shrink and the same bounds hold — they are not widened for this build.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const FLAG = '--experimental-wasm-relaxed-simd';

function initIn(flags: string[], options = '{}'): { backend: string; relaxedSimd: boolean; probe: boolean } {
  const code = `
    import { init, hasRelaxedSimd } from './dist/index.node.js';
    const probe = hasRelaxedSimd();
    const r = await init(${options});
    console.log(JSON.stringify({ ...r, probe }));`;
  const run = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as { backend: string; relaxedSimd: boolean; probe: boolean };
}

describe('relaxed-SIMD build', () => {
  it('is used exactly when the engine validates relaxed SIMD (Node 20: only with the flag)', () => {
    const plain = initIn([]);
    expect(plain.backend).toBe('wasm');
    expect(plain.relaxedSimd).toBe(plain.probe);
    if (process.versions.node.startsWith('20.')) expect(plain.relaxedSimd).toBe(false);
    const flagged = initIn([FLAG]);
    expect(flagged).toMatchObject({ backend: 'wasm', relaxedSimd: true, probe: true });
  });

  it('can be declined: init({ relaxedSimd: false }) keeps the baseline kernels', () => {
    expect(initIn([FLAG], '{ relaxedSimd: false }')).toMatchObject({ backend: 'wasm', relaxedSimd: false });
  });

  it('the kernel parity and gradient tests pass on the relaxed build', () => {
    const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
    // vitest's workers are separate processes: vitest.config.ts gives them the V8 flags in
    // LENET5_VITEST_EXEC_ARGV (the --execArgv option would not reach the projects).
    const run = spawnSync(process.execPath, [vitest, 'run', 'test/kernels', '--reporter=default'], {
      cwd: root, encoding: 'utf8',
      env: { ...process.env, LENET5_VITEST_EXEC_ARGV: FLAG, LENET5_EXPECT_RELAXED: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`.slice(-4000)).toBe(0);
    expect(run.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+\d+ passed/);
  }, 240_000);

  it('trains on either build to the same weights within float32 rounding', () => {
    const code = `
      import { init, LeNet5, sgd } from './dist/index.node.js';
      await init({ relaxedSimd: process.argv[1] === 'fma' });
      const n = 256, images = new Uint8Array(n * 784), labels = new Uint8Array(n);
      let s = 5;
      for (let i = 0; i < images.length; i++) images[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
      for (let i = 0; i < n; i++) labels[i] = i % 10;
      const net = LeNet5.modern({ seed: 3 });
      const h = await net.fit({ images, labels }, { epochs: 1, batchSize: 32, seed: 9, optimizer: sgd({ lr: 0.05, momentum: 0.9 }) });
      console.log(JSON.stringify({ loss: h.loss[0], w: Array.from(net.model.getParams().subarray(0, 400)) }));`;
    const out = (which: string) => {
      const run = spawnSync(process.execPath, [FLAG, '--input-type=module', '-e', code, which], { cwd: root, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout.trim()) as { loss: number; w: number[] };
    };
    const a = out('base');
    const b = out('fma');
    // 8 SGD steps from the same seed (SGD, not Adam: Adam's first steps are ~lr * sign(g), which turns a
    // rounding difference in a near-zero gradient into a full step): differences stay at rounding level.
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-3);
    let worst = 0;
    for (let i = 0; i < a.w.length; i++) worst = Math.max(worst, Math.abs(a.w[i]! - b.w[i]!));
    expect(worst).toBeLessThan(1e-3);
  }, 60_000);
});
