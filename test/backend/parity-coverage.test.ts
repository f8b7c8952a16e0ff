/**
 * Every kernel of the table has a parity case: a test file of test/kernels that takes a wasm backend
 * (wasmBackend()) and uses both the kernel on it (`b.name`) and its pure-TS twin (`ref.name`). So does
 * every kernel the js backend runs in its own fast version (src/backend/js-kernels.ts) instead of the twin:
 * a file that also takes a js backend (jsBackend()). Read from the test sources, comments left out; a
 * kernel without such a case fails here, named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/backend/js-kernels.js';
import { KERNEL_NAMES } from '../../src/backend/kernel-table.js';
import * as ref from '../../src/reference/index.js';

const KERNEL_TESTS = new URL('../kernels/', import.meta.url);

/** The source without its comments (a name in a comment is no parity case). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The kernels among `names` that one test file runs on the wasm (or js) backend and on the twin. */
function parityCases(source: string, names: readonly string[], backend: 'wasm' | 'js' = 'wasm'): Set<string> {
  const c = code(source);
  if (!new RegExp(`\\b${backend}Backend\\(`).test(c)) return new Set();
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
    expect(parityCases(source, names, 'js').size).toBe(0);
    expect([...parityCases(source.replace('wasmBackend()', 'jsBackend()'), names, 'js')]).toEqual(['reluForward']);
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

  it('every kernel the js backend does not take from the twins has a js parity case in test/kernels', () => {
    const replaced = KERNEL_NAMES.filter((name) => jsKernels[name] !== (ref[name] as unknown));
    // The convolutions and the dense layers at least (the bulk of a step); a test that lists none is no test.
    expect(replaced).toEqual(expect.arrayContaining(['convForward', 'convBackwardInput', 'convBackwardWeights',
      'denseForward', 'denseBackward']));
    const files = readdirSync(KERNEL_TESTS).filter((f) => f.endsWith('.test.ts'));
    const covered = new Set<string>();
    for (const f of files) {
      for (const name of parityCases(readFileSync(new URL(f, KERNEL_TESTS), 'utf8'), replaced, 'js')) covered.add(name);
    }
    const missing = replaced.filter((name) => !covered.has(name));
    expect(missing, `fast js kernels without a parity case (js backend vs twin) in test/kernels: ${missing.join(', ')}`).toEqual([]);
  });
});
