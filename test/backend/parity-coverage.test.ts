/**
 * Every kernel of the table has a parity case: a test file of test/kernels that takes a wasm backend
 * (wasmBackend()) and uses both the kernel on it (`b.name`) and its pure-TS twin (`ref.name`). Read from
 * the test sources, comments left out; a kernel added to the table without such a case fails here, named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES } from '../../src/backend/kernel-table.js';

const KERNEL_TESTS = new URL('../kernels/', import.meta.url);

/** The source without its comments (a name in a comment is no parity case). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The kernels among `names` that one test file runs on the wasm backend and on the twin. */
function parityCases(source: string, names: readonly string[]): Set<string> {
  const c = code(source);
  if (!/\bwasmBackend\(/.test(c)) return new Set();
  return new Set(names.filter((name) =>
    new RegExp(`\\bref\\.${name}\\b`).test(c) && new RegExp(`\\b(?!ref\\b)[A-Za-z_$][\\w$]*\\.${name}\\b`).test(c)));
}

describe('kernel parity coverage', () => {
  it('finds a case only where a file uses both the wasm kernel and the twin, outside comments', () => {
    const names = ['reluForward', 'tanhForward', 'sigmoidForward', 'square'];
    const source = `
      const b = await wasmBackend();
      b.reluForward(outr, xr, n); ref.reluForward(out, x, n);
      // b.tanhForward(outr, xr, n); ref.tanhForward(out, x, n);
      /* b.square(outr, xr, n); */ ref.square(out, x, n);
      ref.sigmoidForward(out, x, n);`;
    expect([...parityCases(source, names)]).toEqual(['reluForward']);
    expect(parityCases(source.replace('wasmBackend()', 'jsBackend()'), names).size).toBe(0);
  });

  it('every kernel of the table has a parity case in test/kernels', () => {
    const files = readdirSync(KERNEL_TESTS).filter((f) => f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(5);
    const covered = new Set<string>();
    for (const f of files) {
      for (const name of parityCases(readFileSync(new URL(f, KERNEL_TESTS), 'utf8'), KERNEL_NAMES)) covered.add(name);
    }
    const missing = KERNEL_NAMES.filter((name) => !covered.has(name));
    expect(missing, `kernels without a parity case (wasm vs twin) in test/kernels: ${missing.join(', ')}`).toEqual([]);
  });
});
