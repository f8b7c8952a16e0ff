/**
 * The SIMD ceiling's micro-kernel (assembly/bench.ts) lives in a bench-only build, not in the production
 * modules the package ships: the benchmarks load it from build/ (`npm run asbuild:bench`), and without it
 * they run on and say that the ceiling was not measured.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/backend/load.js';
import { benchWasmFile, loadSimdCeiling } from '../src/cli/bench/suite.js';

const root = new URL('..', import.meta.url);
let dir = '';

beforeAll(async () => {
  await init({ backend: 'wasm', relaxedSimd: false });
  // The bench target of asconfig.json, written to a temporary folder (build/ is the checkout's).
  dir = mkdtempSync(join(tmpdir(), 'lenet5-bench-'));
  const asc = spawnSync(process.execPath, ['node_modules/assemblyscript/bin/asc.js', 'assembly/bench.ts', '--target', 'bench',
    '-o', join(dir, benchWasmFile(false))], { cwd: root, encoding: 'utf8' });
  expect(asc.status, asc.stderr).toBe(0);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('bench-only build', () => {
  it('is not part of any production module', () => {
    // Export names are stored as plain UTF-8 (and the release builds have no name section), so a search of
    // the bytes tells, without compiling the relaxed-SIMD builds that Node 20 validates only with a flag.
    for (const f of ['lenet5.wasm', 'lenet5.relaxed.wasm', 'lenet5.threads.wasm', 'lenet5.threads-relaxed.wasm']) {
      const bytes = readFileSync(new URL(`build/${f}`, root));
      expect(bytes.includes('convForward'), f).toBe(true);
      expect(bytes.includes('simdCeiling'), f).toBe(false);
    }
  });

  it('exports the micro-kernel and heapBase, and the ceiling is measured from it', async () => {
    const bytes = readFileSync(join(dir, benchWasmFile(false)));
    const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name).sort();
    expect(names).toEqual(['heapBase', 'memory', 'simdCeiling']);
    const lines: string[] = [];
    const ceiling = await loadSimdCeiling(pathToFileURL(`${dir}/`), (l) => lines.push(l));
    expect(ceiling?.relaxedSimd).toBe(false);
    expect(ceiling?.gmacPerSec).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/SIMD ceiling \(4x8 f32x4 micro-kernel, L1-resident\): [\d.]+ GMAC\/s/);
  });

  it('is optional: without it the ceiling is not measured, and said so', async () => {
    const lines: string[] = [];
    const empty = mkdtempSync(join(tmpdir(), 'lenet5-nobench-'));
    try {
      expect(await loadSimdCeiling(pathToFileURL(`${empty}/`), (l) => lines.push(l))).toBeUndefined();
      expect(await loadSimdCeiling(undefined, (l) => lines.push(l))).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/SIMD ceiling: not measured \(no lenet5\.bench\.wasm/);
  });
});
