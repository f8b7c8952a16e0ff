/**
 * The API reference and the doc comments it is made of. API Extractor runs on the declarations in dist/ (as
 * `npm run docs` does, through scripts/docs.mjs) for the three entries with types, lenet5, lenet5/node and
 * lenet5/onnx; the tests fail listing every public export or member without a doc comment, every TSDoc
 * error and any other problem API Extractor reports. Every `@example` of a public doc comment is written as
 * a .ts file of a consumer that has lenet5 installed (node_modules/lenet5 links to this repo) and must
 * type-check with the project's tsc. docs/api/ must be what `npm run docs` generates now.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract, generate, type DocsMessage } from '../scripts/docs.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);

interface ApiItem {
  kind: string;
  canonicalReference?: string;
  docComment?: string;
  members?: ApiItem[];
}

/** The fenced code blocks of the `@example` sections of a doc comment (`/** ... *\/` as API Extractor keeps it). */
export function examplesOf(docComment: string): { code: string[]; bare: number } {
  const lines = docComment.replace(/^\s*\/\*\*/, '').replace(/\*\/\s*$/, '').split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
  const code: string[] = [];
  let bare = 0;
  let inExample = false;
  let fence: string[] | null = null;
  let found = false;
  for (const line of lines) {
    if (fence) {
      if (/^```\s*$/.test(line)) {
        if (inExample) code.push(fence.join('\n'));
        fence = null;
      } else fence.push(line);
      continue;
    }
    if (/^```/.test(line)) {
      fence = [];
      if (inExample) found = true;
      continue;
    }
    const tag = /^\s*(@\w+)/.exec(line)?.[1];
    if (tag) {
      if (inExample && !found) bare++;
      inExample = tag === '@example';
      found = false;
    }
  }
  if (inExample && !found) bare++;
  return { code, bare };
}

let work = '';
let messages: DocsMessage[] = [];
let models: Array<{ entry: string; name: string; apiJson: string }> = [];
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lenet5-docs-'));
  ({ messages, models } = extract(join(work, 'model')));
}, 180_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const show = (list: DocsMessage[]) => list.map((m) => `${m.where} ${m.text}`);

describe('doc comments of the public API (lenet5, lenet5/node, lenet5/onnx)', () => {
  it('every public export and member has a doc comment', () => {
    const undocumented = messages.filter((m) => m.id === 'ae-undocumented');
    expect(show(undocumented), `${undocumented.length} undocumented (write a /** ... */ comment in src/ on each)`).toEqual([]);
  });

  it('no TSDoc errors (escape > as \\> or use backticks; @param name - text)', () => {
    const tsdoc = messages.filter((m) => m.category === 'TSDoc');
    expect(show(tsdoc)).toEqual([]);
  });

  it('no other problem reported by API Extractor', () => {
    const other = messages.filter((m) => m.id !== 'ae-undocumented' && m.category !== 'TSDoc');
    expect(other.map((m) => `${m.id} ${m.where} ${m.text}`)).toEqual([]);
  });

  it('every @example type-checks as code of an app that installed lenet5', () => {
    const dir = join(work, 'examples');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(root, join(dir, 'node_modules', 'lenet5'), 'dir');
    symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'docs-examples', private: true, type: 'module' }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom', 'dom.iterable'],
        types: ['node'], strict: true, noEmit: true, skipLibCheck: true,
      },
      include: ['*.ts'],
    }));
    const files = new Map<string, string>();
    const bare: string[] = [];
    const seen = new Set<string>();
    const visit = (item: ApiItem) => {
      if (item.docComment && item.canonicalReference) {
        const { code, bare: n } = examplesOf(item.docComment);
        if (n > 0) bare.push(item.canonicalReference);
        for (const c of code) {
          const key = `${item.canonicalReference}\n${c}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const file = `example-${files.size + 1}.ts`;
          files.set(file, item.canonicalReference);
          writeFileSync(join(dir, file), `// @example of ${item.canonicalReference}\n${c}\nexport {};\n`);
        }
      }
      item.members?.forEach(visit);
    };
    for (const { apiJson } of models) visit(JSON.parse(readFileSync(apiJson, 'utf8')) as ApiItem);
    expect(bare, '@example sections without a fenced code block').toEqual([]);
    expect(files.size, 'the doc comments have examples').toBeGreaterThanOrEqual(10);
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    let out = '';
    let failed = false;
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
    } catch (e) {
      failed = true;
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      out = `${stdout ?? ''}${stderr ?? ''}` || String(e);
    }
    // Name the doc comment of each error: `example-3.ts(2,1): error TS...` becomes `lenet5!init:function(1) ...`.
    const errors = out.split('\n').filter((l) => /error TS/.test(l))
      .map((l) => l.replace(/^(example-\d+\.ts)/, (f) => `${files.get(f)} (${f})`));
    expect(errors).toEqual([]);
    expect(failed ? out : '', 'tsc failed without a type error').toBe('');
  }, 150_000);
});

describe('docs/api/', () => {
  it('is what `npm run docs` generates from the doc comments now (run it and commit docs/api/)', () => {
    const fresh = join(work, 'api');
    generate(join(work, 'model'), fresh);
    const committed = join(root, 'docs/api');
    const list = (d: string) => readdirSync(d).filter((f) => f.endsWith('.md')).sort();
    const have = list(committed);
    const want = list(fresh);
    expect(have.filter((f) => !want.includes(f)), 'pages to delete').toEqual([]);
    expect(want.filter((f) => !have.includes(f)), 'pages missing').toEqual([]);
    const stale = want.filter((f) => readFileSync(join(fresh, f), 'utf8') !== readFileSync(join(committed, f), 'utf8'));
    expect(stale, 'pages out of date').toEqual([]);
  });
});
