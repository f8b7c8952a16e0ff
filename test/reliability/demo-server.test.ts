/**
 * The demo server (scripts/demo.mjs `serveDir`) under clients and files that misbehave: downloads aborted
 * mid-stream close their file (the process's open descriptors return to where they were, instead of one
 * leaked per abort until EMFILE); a file it can find but not open (permissions, deleted by a rebuild between
 * the lookup and the open, out of descriptors) gets an error status and the server goes on serving; a FIFO
 * or a directory named like a file is refused without blocking. Everything talks to 127.0.0.1 only.
 */
import { execFileSync } from 'node:child_process';
import fs, { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir } from '../../scripts/demo.mjs';

const root = mkdtempSync(join(tmpdir(), 'lenet5-serve-res-'));
/** Larger than the loopback socket buffers can absorb, so an aborted download leaves the file half read. */
const BIG = 32 << 20;
let server: Server;
let port = 0;

beforeAll(async () => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(BIG, 7));
  const s = await serveDir(root, { port: 0 });
  server = s.server;
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
  rmSync(root, { recursive: true, force: true });
});

/** A GET read to the end: status, body size and text (bounded by a timeout). */
const get = (path: string): Promise<{ status: number; bytes: number; text: string }> =>
  new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        ok({ status: res.statusCode ?? 0, bytes: body.length, text: body.subarray(0, 200).toString('latin1') });
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });

/** Starts downloading `path` and drops the connection once the first bytes of the body arrive. */
const abortedGet = (path: string): Promise<number> =>
  new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      res.once('data', (d: Buffer) => {
        req.destroy();
        ok(d.length);
      });
    });
    req.on('error', (err) => {
      if (!req.destroyed) fail(err);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const connections = (): Promise<number> => new Promise((ok, fail) => server.getConnections((err, n) => (err ? fail(err) : ok(n))));

const HAS_PROC_FD = existsSync('/proc/self/fd');
/** Open file descriptors of this process (Linux: the entries of /proc/self/fd). */
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('aborted downloads', () => {
  it.skipIf(!HAS_PROC_FD)(`close their file: the open descriptor count returns to its baseline${HAS_PROC_FD ? '' : ' (skipped: no /proc/self/fd on this system)'}`, async () => {
    // Warm up (one full download), then take the baseline with no connection open.
    expect((await get('/big.bin')).bytes).toBe(BIG);
    for (let t = 0; t < 100 && (await connections()) > 0; t++) await sleep(20);
    const baseline = openFds();
    const N = 24;
    for (let i = 0; i < N; i++) expect(await abortedGet('/big.bin')).toBeGreaterThan(0);
    // The server notices each abort when its socket closes; give it a bounded while to close the files.
    let now = openFds();
    for (let t = 0; t < 250 && ((await connections()) > 0 || now > baseline + 2); t++) {
      await sleep(20);
      now = openFds();
    }
    console.log(`demo server: open descriptors ${baseline} before ${N} aborted downloads of ${BIG >> 20} MB, ${now} after`);
    expect(await connections()).toBe(0);
    // A little slack for descriptors the runtime opens on its own; a leak is one per aborted download.
    expect(now, `open descriptors after ${N} aborted downloads (baseline ${baseline})`).toBeLessThanOrEqual(baseline + 2);
    // And it still serves the whole file.
    expect((await get('/big.bin')).bytes).toBe(BIG);
  });
});

/**
 * Makes the server's opens of files named `name` fail with `code`, as the kernel would: both fs.open (the
 * callback API, used by fs.createReadStream) and fs.promises.open, in the module objects and their ES module
 * bindings (syncBuiltinESMExports), whichever of them the server uses. Returns the undo.
 */
function failOpens(name: string, code: string): () => void {
  const promisesOpen = fs.promises.open;
  const callbackOpen = fs.open;
  const hit = (p: unknown): boolean => String(p).endsWith(`/${name}`);
  const error = (p: unknown): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: injected by the test, open '${String(p)}'`), { code, syscall: 'open', path: String(p) });
  fs.promises.open = (async (p: fs.PathLike, ...rest: unknown[]) => {
    if (hit(p)) throw error(p);
    return (promisesOpen as (...a: unknown[]) => Promise<unknown>)(p, ...rest);
  }) as typeof fs.promises.open;
  fs.open = ((p: fs.PathLike, ...rest: unknown[]) => {
    const cb = rest[rest.length - 1] as (err: NodeJS.ErrnoException | null, fd?: number) => void;
    if (hit(p)) return process.nextTick(cb, error(p));
    return (callbackOpen as (...a: unknown[]) => void)(p, ...rest);
  }) as typeof fs.open;
  syncBuiltinESMExports();
  return () => {
    fs.promises.open = promisesOpen;
    fs.open = callbackOpen;
    syncBuiltinESMExports();
  };
}

describe('a file the server can find but not open', () => {
  it('a file with mode 000 gets 403, and the server goes on serving', async () => {
    const file = join(root, 'locked.js');
    writeFileSync(file, 'locked-content-5b1e');
    chmodSync(file, 0o000);
    // Mode 000 stops only an unprivileged process: as root (or with CAP_DAC_OVERRIDE) open succeeds anyway.
    let permissionsApply: boolean;
    try {
      closeSync(openSync(file, 'r'));
      permissionsApply = false;
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('EACCES');
      permissionsApply = true;
    }
    const undo = permissionsApply ? () => undefined : failOpens('locked.js', 'EACCES');
    console.log(permissionsApply
      ? 'demo server, unreadable file: a real mode-000 file (this process is not privileged)'
      : `demo server, unreadable file: running as ${process.getuid?.() === 0 ? 'root' : 'a privileged user'}, where mode 000 ` +
        'is still readable; the open of the mode-000 file fails with EACCES injected into fs.open/fs.promises.open instead');
    try {
      const r = await get('/locked.js');
      expect(r.status).toBe(403);
      expect(r.text).not.toContain('locked-content');
      expect((await get('/index.html')).status).toBe(200);
    } finally {
      undo();
      chmodSync(file, 0o644);
    }
    expect((await get('/locked.js')).text).toBe('locked-content-5b1e');
  });

  it.each([
    ['EACCES', 'permission denied', 403],
    ['ENOENT', 'deleted (by a rebuild) between the lookup and the open', 404],
    ['EMFILE', 'out of file descriptors', 500],
  ] as const)('open fails with %s (%s): %i, and the server goes on serving', async (code, _what, status) => {
    const name = `open-${code.toLowerCase()}.js`;
    writeFileSync(join(root, name), 'export const secret = 1;');
    const undo = failOpens(name, code);
    try {
      const r = await get(`/${name}`);
      expect(r.status).toBe(status);
      expect(r.text).not.toContain('secret');
    } finally {
      undo();
    }
    expect((await get('/index.html')).status).toBe(200);
    expect((await get(`/${name}`)).status).toBe(200);
  });

  it('a FIFO is refused at once (opening it for reading would block), a directory named like a file too', async () => {
    const fifo = join(root, 'pipe.js');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(root, 'folder.js'));
    const t0 = performance.now();
    expect((await get('/pipe.js')).status).toBe(404);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect((await get('/folder.js')).status).toBe(404);
    expect((await get('/index.html')).status).toBe(200);
  });
});
