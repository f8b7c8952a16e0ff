/**
 * `npm run bench:browser` on a tiny workload (bench/browser.ts --quick --json): the page builds, loads on a
 * cross-origin isolated origin in headless Chromium and reports every row — lenet5's train and infer rows
 * on one and two threads (two really on Web Workers, no fallback notice), TF.js wasm and onnxruntime-web on
 * one and two threads — with every peer's class check against lenet5 passed before it was timed. The
 * figures themselves are not checked (a tiny workload on a shared machine means nothing).
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { chromiumNote, describeInChromium, ROOT } from './helpers.js';

interface Row { kind: string; backend: string; threads: number; batchSize: number; perSec: number; jsPerSec?: number }
interface Check { peer: string; batchSize: number; images: number; ok: boolean; maxAbsDiff?: number; error?: string }
interface Result {
  quick: boolean;
  relaxedSimd: boolean;
  crossOriginIsolated: boolean;
  parts: { part: string; workersStarted: number; error?: string }[];
  rows: Row[];
  checks: Check[];
  skipped: string[];
  warnings: string[];
}

describeInChromium(`npm run bench:browser --quick${chromiumNote}`, () => {
  it('reports the lenet5 rows and both peers, each peer checked against lenet5 first', () => {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/browser.ts', '--quick', '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 38_000 });
    const seconds = (performance.now() - t0) / 1000;
    expect(run.status, `bench/browser.ts failed:\n${run.stderr}`).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const r = JSON.parse(lines[lines.length - 1]!) as Result;

    expect(r.quick).toBe(true);
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.skipped).toEqual([]);
    expect(r.parts.map((p) => p.part)).toEqual(['lenet5', 'tfjs', 'ort threads 1', 'ort threads 2']);
    expect(r.parts.filter((p) => p.error !== undefined)).toEqual([]);
    // Two threads ran on Web Workers, without the one-thread fallback notice.
    expect(r.parts.find((p) => p.part === 'lenet5')!.workersStarted).toBeGreaterThan(0);
    expect(r.parts.find((p) => p.part === 'ort threads 2')!.workersStarted).toBeGreaterThan(0);
    expect(r.warnings.filter((w) => /one thread/.test(w))).toEqual([]);

    const key = (x: Row): string => `${x.kind} ${x.backend} t${x.threads} b${x.batchSize}`;
    expect(r.rows.map(key).sort()).toEqual([
      'train lenet5-wasm t1 b32', 'train lenet5-wasm t2 b32',
      'infer lenet5-wasm t1 b256', 'infer lenet5-wasm t1 b1', 'infer lenet5-wasm t2 b256',
      'infer tfjs-wasm t1 b256', 'infer tfjs-wasm t1 b1',
      'infer onnxruntime-web t1 b256', 'infer onnxruntime-web t1 b1',
      'infer onnxruntime-web t2 b256', 'infer onnxruntime-web t2 b1',
    ].sort());
    for (const row of r.rows) {
      expect(row.perSec, key(row)).toBeGreaterThan(0);
      if (row.backend === 'lenet5-wasm') expect(row.jsPerSec, key(row)).toBeGreaterThan(0);
    }

    // The classes check: every peer at both batch sizes (onnxruntime-web once per thread count), all passed.
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.checks.map((c) => `${c.peer} b${c.batchSize}`).sort()).toEqual([
      'tfjs-wasm b256', 'tfjs-wasm b1', 'onnxruntime-web b256', 'onnxruntime-web b1', 'onnxruntime-web b256', 'onnxruntime-web b1',
    ].sort());
    for (const c of r.checks) {
      expect(c.images).toBeGreaterThan(0);
      expect(c.maxAbsDiff!).toBeLessThanOrEqual(1e-4);
    }
    console.log(`[bench-browser] --quick took ${seconds.toFixed(1)} s`);
  }, 40_000);
});
