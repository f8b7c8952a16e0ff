/**
 * The README's snippets run as written: each code block marked `<!-- readme-test: node -->` runs in Node
 * against the built package (imported by its name, `lenet5`); each `<!-- readme-test: browser -->` block is
 * bundled with the README's esbuild command, served under the README's page (`browser-page`) and run in
 * Chromium, where a digit is drawn on its canvas with the mouse and must be read; each
 * `<!-- readme-test: browser-isolated -->` block runs on a cross-origin isolated page and must train and
 * predict on 2 threads. No console errors, no failed requests. The quick-start commands exist as scripts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir } from '../scripts/demo.mjs';
import { chromiumNote, describeInChromium, drawStrokes, launchChromium, watchPage, type Browser } from './browser/helpers.js';

const root = resolve(new URL('..', import.meta.url).pathname);
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function snippets(kind: 'node' | 'browser' | 'browser-isolated' | 'browser-page', lang = 'js'): string[] {
  const re = new RegExp(`<!-- readme-test: ${kind} -->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g');
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

  it('the TF.js / Keras table names calls that exist', async () => {
    // The mapping table lives in the user guide (docs/guide.md), which the README links.
    const guide = readFileSync(join(root, 'docs/guide.md'), 'utf8');
    expect(readme).toContain('docs/guide.md');
    const section = guide.slice(guide.indexOf('### Coming from TF.js / Keras'), guide.indexOf('### Long runs'));
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBeGreaterThanOrEqual(12);
    const lib = await import('../dist/index.node.js');
    await lib.init();
    const net = lib.LeNet5.modern() as unknown as Record<string, unknown>;
    const ours = rows.map((r) => r.split(' | ')[1]!).join(' ');
    const methods = [...ours.matchAll(/net\.(\w+)\(/g)].map((m) => m[1]!);
    const statics = [...ours.matchAll(/(LeNet5|Dataset)\.(\w+)\(/g)].map((m) => [m[1]!, m[2]!] as const);
    const functions = [...ours.matchAll(/`(\w+)\(\{/g)].map((m) => m[1]!);
    expect(methods).toEqual(expect.arrayContaining(['fit', 'predict', 'predictBatch', 'evaluate', 'saveTo', 'summary']));
    expect(functions).toEqual(expect.arrayContaining(['earlyStopping', 'reduceLrOnPlateau']));
    for (const m of methods) expect(typeof net[m], `net.${m}`).toBe('function');
    for (const [cls, m] of statics) expect(typeof (lib as unknown as Record<string, Record<string, unknown>>)[cls]![m], `${cls}.${m}`).toBe('function');
    for (const f of functions) expect(typeof (lib as unknown as Record<string, unknown>)[f], f).toBe('function');
  });

  it('quick-start commands are real scripts', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Install'));
    const named = [...quick.matchAll(/npm (?:run )?(\w[\w:-]*)/g)].map(([, script]) => script!).filter((s) => s !== 'ci' && s !== 'install');
    // The section names at least start and test (an empty match would check nothing).
    expect(named).toEqual(expect.arrayContaining(['start', 'test']));
    for (const script of named) expect(pkg.scripts[script], `npm ${script}`).toMatch(/\S/);
  });
});

/** The README's esbuild command for browser apps, which the page below must state. */
const ESBUILD_COMMAND = 'npx esbuild app.js --bundle --format=esm --splitting --outdir=dist';

describeInChromium('README browser snippets, built as the README says and run in Chromium' + chromiumNote, () => {
  let browser: Browser | null = null;
  const servers: Server[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  });

  /** Builds `code` as app.js with the README's command into its own site, under `html`; returns the page. */
  async function open(name: string, code: string, html: string, isolate: boolean) {
    expect(readme).toContain(ESBUILD_COMMAND);
    const site = join(dir, name);
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'app.js'), code);
    writeFileSync(join(site, 'index.html'), html);
    const result = await build({
      entryPoints: [join(site, 'app.js')], absWorkingDir: dir, bundle: true, format: 'esm', splitting: true,
      outdir: join(site, 'dist'), logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const { server, url } = await serveDir(site, { isolate });
    servers.push(server);
    const page = await browser!.context.newPage();
    const problems = watchPage(page);
    await page.goto(url, { timeout: 30_000 });
    return { page, problems };
  }

  it('the drawing app reads a digit drawn on its canvas with the mouse', async () => {
    const [code] = snippets('browser');
    const [html] = snippets('browser-page', 'html');
    expect(code, 'a browser snippet').toMatch(/\S/);
    expect(html, 'the page of the browser snippet').toMatch(/\S/);
    const { page, problems } = await open('draw', code!, html!, false);
    try {
      await page.waitForFunction(() => document.querySelector('#out')?.textContent === 'draw a digit', null, { timeout: 30_000 });
      // A 1: one vertical stroke down the middle of the canvas (unit coordinates).
      await drawStrokes(page, 'canvas', [[[0.5, 0.18], [0.5, 0.45], [0.51, 0.82]]]);
      await page.waitForFunction(() => /^\d \(/.test(document.querySelector('#out')?.textContent ?? ''), null, { timeout: 10_000 });
      const text = await page.textContent('#out');
      expect(text).toMatch(/^1 \(\d+\.\d%\)$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('the threads snippet trains and predicts on 2 threads on a cross-origin isolated page', async () => {
    const snippet = snippets('browser-isolated');
    expect(snippet.length).toBeGreaterThan(0);
    for (const [i, code] of snippet.entries()) {
      const { page, problems } = await open(`isolated-${i}`, code, '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">' +
        '<p id="out">loading</p><script type="module" src="dist/app.js"></script>', true);
      try {
        await page.waitForFunction(() => document.querySelector('#out')?.textContent !== 'loading', null, { timeout: 60_000 });
        expect(await page.textContent('#out')).toBe('trained on 2 threads, predicted 1024 digits on 2');
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    }
  }, 120_000);
});
