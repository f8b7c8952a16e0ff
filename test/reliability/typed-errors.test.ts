/**
 * "Every error thrown on purpose is a Lenet5Error" (src/errors.ts, the README), checked on the source: no
 * library file constructs a plain Error, RangeError or TypeError. Not scanned:
 *  - src/web/: the demo page, an app of its own that is not in the package;
 *  - the RangeErrors of the kernels' twins in src/reference/: they check the kernel contract (a label
 *    below the class count, an Adam step >= 1), which the library validates upstream with Lenet5Errors
 *    before any kernel runs; the wasm kernels cannot throw at all, so reaching one of these is a bug in
 *    lenet5, not an input a user can fix, and they stay the programming errors they are.
 * Generated files hold data only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.generated.ts') ? [join(dir, e.name)] : []);
}

/** Constructions of the built-in error classes, outside comments. */
const FOREIGN = /\bnew (Error|RangeError|TypeError|SyntaxError)\(|\bthrow (Error|RangeError|TypeError)\(/;

function findings(): string[] {
  const out: string[] = [];
  for (const f of files(src)) {
    const rel = relative(src, f).split('\\').join('/');
    if (rel.startsWith('web/')) continue;
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '');
      if (/^\s*(\*|\/\*)/.test(code)) return;
      const m = FOREIGN.exec(code);
      if (m === null) return;
      if (rel.startsWith('reference/') && m[1] === 'RangeError') return;
      out.push(`src/${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

describe('every intentional throw in src/ is a Lenet5Error', () => {
  it('no plain Error, RangeError or TypeError is constructed in library code', () => {
    expect(findings()).toEqual([]);
  });

  it('the scan sees what it looks for (it found the reference twins it exempts)', () => {
    const ref = files(join(src, 'reference')).filter((f) => /new RangeError\(/.test(readFileSync(f, 'utf8')));
    expect(ref.length).toBeGreaterThan(0);
  });
});
