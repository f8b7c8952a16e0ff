/**
 * Safety: model files are data, never code (no eval, no Function constructor, no dynamic import of a
 * computed specifier anywhere in src); the demo server binds 127.0.0.1 by default and serves only its
 * folder: traversal in every spelling (.., %2e%2e, %2f, %5c, double encoding, NUL) gets 403/404/400 and
 * no byte of the file outside, and so does a symlink inside the folder that leads out of it (one that stays
 * inside works).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir } from '../../scripts/demo.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mts|js|mjs)$/.test(f) ? [p] : [];
  });
}

describe('model files are data, never code', () => {
  it('no eval, Function constructor, computed dynamic import or require in src', () => {
    const files = sources(join(repo, 'src')).filter((f) => !f.endsWith('.generated.ts'));
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const f of files) {
      // Comments and string literals may mention the words (an error message says "model.eval()"); strip them first.
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1')
        // A string literal becomes 's': `import('./x.js')` stays a literal import, "model.eval()" goes.
        .replace(/'(?:[^'\\\n]|\\.)*'/g, "'s'");
      const rel = f.slice(repo.length + 1);
      for (const [what, re] of [
        ['eval', /\beval\s*\(/],
        ['Function constructor', /\bnew\s+Function\b|\bFunction\s*\(/],
        // Two exceptions: src/platform/node-builtin.ts, `import(specifier)` where specifier is 'node:' + name,
        // Node's own modules only; src/platform/node-package.ts, `import(name)` of a fixed list of lenet5's own
        // dependencies (both checked below).
        ['computed dynamic import', rel === 'src/platform/node-builtin.ts' ? /\bimport\s*\((?!\s*specifier\s*\))/
          : rel === 'src/platform/node-package.ts' ? /\bimport\s*\((?!\s*name\s*\))/
          : /\bimport\s*\(\s*(?!['"][^'"]+['"]\s*\))/],
        ['require', /\brequire\s*\(/],
        ['setTimeout with a string', /\bset(Timeout|Interval)\s*\(\s*['"`]/],
      ] as const) {
        if (re.test(code)) found.push(`${rel}: ${what}`);
      }
    }
    expect(found).toEqual([]);
    const builtin = readFileSync(join(repo, 'src/platform/node-builtin.ts'), 'utf8');
    expect(builtin).toContain('const specifier = `node:${name}`;');
    expect(builtin.match(/specifier\s*=/g)).toHaveLength(1);
    // nodePackage loads only the listed packages, and checks the list at run time.
    const pkg = readFileSync(join(repo, 'src/platform/node-package.ts'), 'utf8');
    expect(pkg).toContain("export const NODE_PACKAGES = ['cli-progress'] as const;");
    expect(pkg).toContain('if (!NODE_PACKAGES.includes(name)) throw');
    expect(pkg.replace(/\/\*[\s\S]*?\*\//g, '').match(/\bimport\s*\(\s*name\s*\)/g)).toHaveLength(1);
  });
});

describe('the demo server serves only its folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'lenet5-serve-'));
  const site = join(root, 'site');
  const SECRET = 'secret-outside-the-folder-7f3a';
  let server: import('node:http').Server;
  let port = 0;

  beforeAll(async () => {
    mkdirSync(join(site, 'assets'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(site, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(root, 'secret.txt'), SECRET);
    writeFileSync(join(root, 'package.json'), `{"name":"${SECRET}"}`);
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'outside', 'data.txt'), SECRET);
    // Symlinks that lead out of the folder (relative, absolute, a directory, a chain through an inside link)
    // and ones that stay inside it.
    symlinkSync('../secret.txt', join(site, 'out-relative.txt'));
    symlinkSync(join(root, 'secret.txt'), join(site, 'out-absolute.txt'));
    symlinkSync('../outside', join(site, 'out-dir'));
    symlinkSync('out-relative.txt', join(site, 'out-chain.txt'));
    symlinkSync(root, join(site, 'assets', 'up'));
    symlinkSync('assets/app.js', join(site, 'in-file.js'));
    symlinkSync(join(site, 'assets'), join(site, 'in-dir'));
    symlinkSync('missing.js', join(site, 'dangling.js'));
    const s = await serveDir(site, { port: 0 });
    server = s.server;
    port = (server.address() as AddressInfo).port;
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
  });

  afterAll(async () => {
    await new Promise<void>((ok) => server.close(() => ok()));
    rmSync(root, { recursive: true, force: true });
  });

  /** Sends the path exactly as written (no client-side normalisation). */
  const rawGet = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', fail);
      req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
      req.end();
    });

  it('serves files inside the folder', async () => {
    expect((await rawGet('/')).status).toBe(200);
    expect((await rawGet('/assets/app.js')).body).toBe('export {};');
  });

  const attacks = [
    '/../secret.txt', '/../package.json', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/package.json',
    '/%2e%2e%2fsecret.txt', '/..%2fsecret.txt', '/..%2f..%2fsecret.txt', '/.%2e/secret.txt', '/%2e./secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt', '/assets%2f..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%252e%252e/secret.txt',
    '/%2e%2e%5csecret.txt', '/secret.txt%00.html', '/..%00/secret.txt', `/${'..%2f'.repeat(8)}etc%2fpasswd`,
    '//../secret.txt', '/%c0%ae%c0%ae/secret.txt', '/%', '/%zz',
  ];
  it.each([
    '/out-relative.txt', '/out-absolute.txt', '/out-dir/data.txt', '/out-chain.txt', '/assets/up/secret.txt',
    '/assets/up/package.json', '/in-dir/up/secret.txt',
  ])('%s, a symlink out of the folder: refused, nothing leaked', async (path) => {
    const r = await rawGet(path);
    expect([403, 404]).toContain(r.status);
    expect(r.body).not.toContain(SECRET);
  });

  it('symlinks that stay inside the folder are served; a dangling one is 404', async () => {
    expect(await rawGet('/in-file.js')).toEqual({ status: 200, body: 'export {};' });
    expect(await rawGet('/in-dir/app.js')).toEqual({ status: 200, body: 'export {};' });
    expect((await rawGet('/dangling.js')).status).toBe(404);
  });

  it.each(attacks)('%s: refused, nothing leaked', async (path) => {
    const r = await rawGet(path);
    expect([400, 403, 404]).toContain(r.status);
    expect(r.body).not.toContain(SECRET);
    expect(r.body).not.toMatch(/root:x:0:0/);
  });
});
