import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects; `npm test` runs both, `npm run test:unit` only the first (`vitest run --project unit`).
 *
 * - unit: the kernels against their twins (with finite differences), models and presets, save/load, the
 *   data loaders (local HTTP server only), training machinery on small real subsets, errors and guards.
 *   No browser, no packing or installing of tarballs, no long training; under 30 s on two cores after
 *   `npm run build` (a few tests read build/ and dist/).
 * - integration: the rest. Chromium (test/browser, the README's browser snippets), the packed tarball,
 *   the CLI and checkpoint child processes, worker threads, the relaxed-SIMD children, TF.js and ONNX
 *   Runtime side by side, whole-network Float64 gradient and SDLM h_kk checks, and the accuracy bars of
 *   test/train/learning.test.ts.
 *
 * Tests that need Fashion-MNIST or MNIST take them from $LENET5_DATA_DIR, else ../shared/data, else
 * substitute the packaged digits or skip, and say so in one `[real data]` line (test/util/data.ts).
 */
export const UNIT = [
  'test/kernels/**/*.test.ts',
  'test/data/**/*.test.ts',
  'test/models/fusion.test.ts',
  'test/models/input.test.ts',
  'test/models/presets.test.ts',
  'test/models/saveload.test.ts',
  'test/train/training.test.ts',
  'test/reliability/errors.test.ts',
  'test/reliability/guards.test.ts',
  'test/reliability/safety.test.ts',
  'test/reliability/fuzz.test.ts',
  'test/reliability/resources.test.ts',
  'test/reliability/one-fit.test.ts',
  'test/reliability/validation.test.ts',
  'test/reliability/abort-checkpoint.test.ts',
  'test/load.test.ts',
  'test/memory.test.ts',
  'test/version.test.ts',
  'test/bench-build.test.ts',
];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Kernel parity and training tests are CPU-bound; two workers match the two cores here.
    maxWorkers: 2,
    // A test without a single assertion fails: nothing passes by checking nothing.
    expect: { requireAssertions: true },
    // V8 flags for the workers, for test/relaxed.test.ts's rerun of test/kernels: vitest's --execArgv sets
    // the root config only, which the projects do not read.
    execArgv: process.env['LENET5_VITEST_EXEC_ARGV']?.split(' ').filter(Boolean) ?? [],
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...UNIT] } },
    ],
  },
});
