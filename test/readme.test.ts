/**
 * The README's snippets run as written: each code block marked `<!-- readme-test: node -->` runs in Node
 * against the built package (imported by its name, `lenet5`), each `<!-- readme-test: browser -->` block
 * bundles for the browser with esbuild; the quick-start commands exist as scripts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(new URL('..', import.meta.url).pathname);
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function snippets(kind: 'node' | 'browser'): string[] {
  const re = new RegExp(`<!-- readme-test: ${kind} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...readme.matchAll(re)].map((m) => m[1]!);
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lenet5-readme-'));
  // `import ... from 'lenet5'` resolves to this repo through its exports map, as for an installed copy.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'lenet5'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-consumer', private: true, type: 'module' }));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README', () => {
  it('has node and browser snippets to test', () => {
    expect(snippets('node').length).toBeGreaterThan(0);
    expect(snippets('browser').length).toBeGreaterThan(0);
  });

  it('node snippets run', () => {
    snippets('node').forEach((code, i) => {
      const file = join(dir, `snippet-${i}.mjs`);
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      expect(out).toMatch(/test accuracy \d+\.\d%/);
      expect(out.trim().split('\n').at(-1)).toBe('true');
    });
  }, 150_000);

  it('browser snippets bundle for the browser', async () => {
    for (const [i, code] of snippets('browser').entries()) {
      const file = join(dir, `browser-${i}.js`);
      writeFileSync(file, code);
      const result = await build({
        entryPoints: [file], absWorkingDir: dir, bundle: true, platform: 'browser', format: 'esm', write: false,
        logLevel: 'silent',
      });
      expect(result.errors).toEqual([]);
    }
  });

  it('quick-start commands are real scripts', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Install'));
    for (const [, script] of quick.matchAll(/npm (?:run )?(\w[\w:-]*)/g)) {
      if (script === 'ci' || script === 'install') continue;
      expect(pkg.scripts[script!], `npm ${script}`).toBeDefined();
    }
  });
});
