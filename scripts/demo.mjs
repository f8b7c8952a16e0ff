#!/usr/bin/env node
/**
 * `npm run demo`: builds the demo page (src/web) with esbuild into demo-dist/ and serves that folder on
 * 127.0.0.1, printing the address.
 *
 *   node scripts/demo.mjs [--port N] [--out DIR] [--build-only] [--no-build] [--no-minify]
 *
 * The port defaults to $PORT, else a free one. The server serves only the demo folder (no directory
 * listings, nothing outside it), with the MIME types browsers insist on (application/wasm, text/javascript
 * for module workers) and the COOP/COEP headers that make the page cross-origin isolated, which
 * SharedArrayBuffer and WebAssembly threads require.
 */
import { createReadStream, existsSync, mkdirSync, copyFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'src/web');

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.lenet5': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

/** Headers of every response: cross-origin isolation (threads) and no caching of a dev build. */
export const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/** Builds the page into `outDir` (emptied first). Returns the output files and their sizes. */
export async function buildDemo({ outDir = join(root, 'demo-dist'), minify = true } = {}) {
  if (!existsSync(join(root, 'src/backend/wasm-binary.generated.ts'))) {
    throw new Error('src/backend/wasm-binary.generated.ts is missing: run `npm run build` (or `npm run asbuild`) first');
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets/pretrained'), { recursive: true });
  const result = await build({
    entryPoints: {
      main: join(web, 'main.ts'),
      worker: join(web, 'worker.ts'),
      style: join(web, 'style.css'),
    },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari16'],
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  copyFileSync(join(web, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(root, 'assets/digits.png'), join(outDir, 'assets/digits.png'));
  // Whatever pretrained models this checkout has (the page explains a missing one and offers a fresh model).
  const pretrained = join(root, 'assets/pretrained');
  const shipped = existsSync(pretrained) ? readdirSync(pretrained).filter((f) => f.endsWith('.lenet5') || f === 'metrics.json') : [];
  for (const f of shipped) copyFileSync(join(pretrained, f), join(outDir, 'assets/pretrained', f));
  writeFileSync(join(outDir, 'assets/pretrained/index.json'), `${JSON.stringify(shipped.filter((f) => f.endsWith('.lenet5')))}\n`);
  const files = Object.fromEntries(Object.entries(result.metafile.outputs)
    .map(([file, o]) => [relative(outDir, resolve(root, file)), o.bytes]));
  return { outDir, files };
}

/**
 * Serves `dir` on host:port (0 = a free port). Resolves with the server and its address. `isolate: false`
 * leaves out COOP/COEP/CORP (a plain static host, as most users have).
 */
export function serveDir(dir, { port = 0, host = '127.0.0.1', isolate = true } = {}) {
  const base = resolve(dir);
  const headers = isolate ? HEADERS : { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  const server = createServer((req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(405, 'method not allowed');
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (path.includes('\0')) return send(400, 'bad request');
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(base, `.${path}`);
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden');
    let st;
    try {
      st = statSync(file);
    } catch {
      return send(404, `not found: ${path}`);
    }
    if (!st.isFile()) return send(404, `not found: ${path}`);
    res.writeHead(200, {
      ...headers,
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': st.size,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolvePromise({ server, url: `http://${host}:${addr.port}/` });
    });
  });
}

async function main(argv) {
  const flag = (name) => argv.includes(name);
  const value = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const outDir = resolve(value('--out') ?? join(root, 'demo-dist'));
  const portText = value('--port') ?? process.env.PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo: --port must be an integer in 0..65535, got ${portText}`);
    process.exit(2);
  }
  if (!flag('--no-build')) {
    const t0 = performance.now();
    const { files } = await buildDemo({ outDir, minify: !flag('--no-minify') });
    const js = Object.entries(files).filter(([f]) => f.endsWith('.js') || f.endsWith('.css'))
      .map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KB`).join(', ');
    console.error(`demo: built ${relative(process.cwd(), outDir) || '.'} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${js})`);
  }
  if (flag('--build-only')) return;
  if (!existsSync(join(outDir, 'index.html'))) {
    console.error(`demo: ${outDir} has no index.html; run without --no-build`);
    process.exit(2);
  }
  const { server, url } = await serveDir(outDir, { port });
  console.log(`lenet5 demo: ${url}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
