/**
 * docs/lenet5.md ("LeNet-5, from the paper to the code") is checked as written:
 *
 * - every ```js block marked `<!-- lenet5-doc: node -->` runs with Node in a temp folder where
 *   `node_modules/lenet5` is a symlink to this repository (imported by its name, as an installed copy), exits 0,
 *   and prints what the ```text block after it says: `<!-- lenet5-doc: prints -->` is the whole output,
 *   exactly; `<!-- lenet5-doc: prints-lines -->` lists lines that must appear in the output, in that order;
 * - every code reference written `path` or `path: name, name` (path under src/, assembly/, test/, docs/,
 *   scripts/ or bench/) names a file that exists and contains each name (an identifier, or a "quoted" test
 *   title or phrase); every relative link points at a file of the repository.
 *
 * After a deliberate change (new pretrained weights, a new layer), refresh the exact outputs with
 * `LENET5_DOC_UPDATE=1 npx vitest run test/docs-lenet5.test.ts` and review the diff of docs/lenet5.md.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(new URL('..', import.meta.url).pathname);
const guidePath = join(root, 'docs/lenet5.md');
const guide = readFileSync(guidePath, 'utf8');
const UPDATE = process.env['LENET5_DOC_UPDATE'] === '1';

interface Snippet {
  /** 1-based line of the ```js fence, for messages. */
  line: number;
  code: string;
  mode: 'prints' | 'prints-lines';
  expected: string;
  /** Offsets of the expected text in the guide (for the update mode). */
  at: [number, number];
}

const BLOCK = /<!-- lenet5-doc: node -->\s*```js\n([\s\S]*?)```\s*(?:<!-- lenet5-doc: (prints|prints-lines) -->\s*```text\n([\s\S]*?)```)?/g;

function snippets(): Snippet[] {
  return [...guide.matchAll(BLOCK)].map((m) => {
    const line = guide.slice(0, m.index).split('\n').length + 1;
    if (m[2] === undefined) throw new Error(`docs/lenet5.md:${line}: a node snippet needs a \`<!-- lenet5-doc: prints -->\` text block after it`);
    const expected = m[3]!;
    const start = m.index + m[0].length - 3 - expected.length;
    return { line, code: m[1]!, mode: m[2] as Snippet['mode'], expected, at: [start, start + expected.length] };
  });
}

/** Output lines without trailing spaces, without trailing empty lines. */
const lines = (s: string): string[] => s.replace(/\s+$/, '').split('\n').map((l) => l.trimEnd());

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lenet5-doc-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'lenet5'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'lenet5-doc-reader', private: true, type: 'module' }));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('docs/lenet5.md', () => {
  const all = snippets();

  it('has a snippet with its output for every element', () => {
    expect(all.length).toBeGreaterThanOrEqual(12);
    for (const s of all) expect(s.code, `snippet at line ${s.line} imports the package`).toMatch(/from 'lenet5(\/node)?'/);
  });

  it('every snippet runs and prints what the guide says', async () => {
    const outputs: string[] = [];
    // Two at a time (the machines running this have two cores); each snippet takes about 0.2-1.5 s.
    for (let i = 0; i < all.length; i += 2) {
      const batch = all.slice(i, i + 2).map(async (s, k) => {
        const file = join(dir, `snippet-${i + k}.mjs`);
        writeFileSync(file, s.code);
        try {
          const { stdout } = await run(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
          return stdout;
        } catch (err) {
          const e = err as { stderr?: string; message: string };
          throw new Error(`docs/lenet5.md:${s.line}: the snippet failed\n${e.stderr ?? e.message}`);
        }
      });
      outputs.push(...(await Promise.all(batch)));
    }
    if (UPDATE) {
      let text = guide;
      for (let i = all.length - 1; i >= 0; i--) {
        const s = all[i]!;
        if (s.mode === 'prints') text = text.slice(0, s.at[0]) + lines(outputs[i]!).join('\n') + '\n' + text.slice(s.at[1]);
      }
      writeFileSync(guidePath, text);
    }
    all.forEach((s, i) => {
      const got = lines(outputs[i]!);
      const want = lines(s.expected);
      if (s.mode === 'prints' && !UPDATE) {
        expect(got.join('\n'), `docs/lenet5.md:${s.line}: output`).toBe(want.join('\n'));
      } else if (s.mode === 'prints-lines') {
        let from = 0;
        for (const w of want) {
          const at = got.indexOf(w, from);
          expect(at, `docs/lenet5.md:${s.line}: the output has the line ${JSON.stringify(w)} (in order)\n${got.join('\n')}`)
            .toBeGreaterThanOrEqual(0);
          from = at + 1;
        }
      }
    });
  }, 120_000);

  it('names files that exist and the functions, classes and tests they contain', () => {
    const refs = [...guide.matchAll(/`((?:src|assembly|test|docs|scripts|bench)\/[\w./-]+)(?::\s*([^`]+))?`/g)];
    expect(refs.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const [, path, names] of refs) {
      const file = join(root, path!);
      if (!existsSync(file)) {
        problems.push(`${path}: no such file`);
        continue;
      }
      if (names === undefined) continue;
      // Test titles are written in quotes that escape apostrophes; inline code may wrap across lines.
      const text = readFileSync(file, 'utf8').replace(/\\'/g, "'");
      for (const name of names.match(/"[^"]+"|[^,\s][^,]*/g) ?? []) {
        const n = name.trim().replace(/\s+/g, ' ');
        const found = n.startsWith('"') ? text.includes(n.slice(1, -1))
          : new RegExp(`\\b${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(text);
        if (!found) problems.push(`${path}: does not contain ${n}`);
      }
    }
    for (const [, target] of guide.matchAll(/\]\((?!https?:|#)([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (!existsSync(resolve(dirname(guidePath), target!))) problems.push(`link ${target}: no such file`);
    }
    expect(problems).toEqual([]);
  });
});
