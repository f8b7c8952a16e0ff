import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const wasmBytes = readFileSync(new URL('../build/lenet5.wasm', import.meta.url));

// The loader keeps module state (the compiled module, the default backend): give each test a fresh copy.
async function freshLoader() {
  vi.resetModules();
  return import('../src/backend/load.js');
}

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/lenet5.wasm') {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(wasmBytes);
    } else if (req.url === '/wrong-mime.wasm') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(wasmBytes);
    } else if (req.url === '/truncated.wasm') {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(wasmBytes.subarray(0, wasmBytes.length >> 1));
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('init()', () => {
  beforeEach(() => vi.restoreAllMocks());

  it('refuses to create a backend before init()', async () => {
    const { createBackend, isInitialized } = await freshLoader();
    expect(isInitialized()).toBe(false);
    expect(() => createBackend()).toThrow(/call `await init\(\)`/);
  });

  it('loads the embedded module with no configuration and gives each backend its own memory', async () => {
    const { init, createBackend, hasRelaxedSimd } = await freshLoader();
    // The relaxed-SIMD build where the engine validates it (test/relaxed.test.ts checks both paths).
    expect(await init()).toEqual({ backend: 'wasm', simd: true, relaxedSimd: hasRelaxedSimd() });
    const a = createBackend();
    const b = createBackend();
    expect(a.name).toBe('wasm');
    expect(a.arena.memory).not.toBe(b.arena.memory);
    const r = a.arena.alloc(4);
    r.f32[0] = 5;
    expect(b.arena.alloc(4).f32[0]).toBe(0);
  });

  it('accepts bytes, a URL (with or without the wasm MIME type) and a Response', async () => {
    for (const wasm of [
      new Uint8Array(wasmBytes),
      `${base}/lenet5.wasm`,
      new URL(`${base}/wrong-mime.wasm`),
      fetch(`${base}/lenet5.wasm`),
      new Response(new Uint8Array(wasmBytes)),
    ]) {
      const { init, createBackend } = await freshLoader();
      expect((await init({ wasm })).backend).toBe('wasm');
      expect(createBackend().name).toBe('wasm');
    }
  });

  it('names the cause when the wasm cannot be had', async () => {
    let { init } = await freshLoader();
    await expect(init({ wasm: `${base}/missing.wasm` })).rejects.toThrow(/missing\.wasm failed: HTTP 404/);
    ({ init } = await freshLoader());
    await expect(init({ wasm: `${base}/truncated.wasm` })).rejects.toThrow(/not a valid WebAssembly module/);
    ({ init } = await freshLoader());
    await expect(init({ wasm: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/not a valid WebAssembly module/);
    ({ init } = await freshLoader());
    await expect(init({ wasm: 'http://127.0.0.1:1/lenet5.wasm' })).rejects.toThrow(/could not fetch the wasm/);
    ({ init } = await freshLoader());
    await expect(init({ wasm: 'file:///tmp/lenet5.wasm' })).rejects.toThrow(/pass its bytes/);
  });

  it('falls back to the js backend with a one-line warning when SIMD is missing', async () => {
    const { init, createBackend } = await freshLoader();
    const validate = WebAssembly.validate;
    // Pretend the engine rejects every SIMD instruction.
    vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) =>
      validate(bytes) && !new Uint8Array(bytes as ArrayBuffer).includes(253) ? true : false);
    const warnings: string[] = [];
    expect(await init({ warn: (m) => warnings.push(m) })).toEqual({ backend: 'js', simd: false, relaxedSimd: false });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/SIMD is not available .* pure-JS backend/);
    expect(createBackend().name).toBe('js');
    expect(() => createBackend('wasm')).toThrow(/wasm backend is not loaded/);
  });

  it("init({ backend: 'js' }) skips wasm; init({ backend: 'wasm' }) without SIMD is an error", async () => {
    let loader = await freshLoader();
    expect((await loader.init({ backend: 'js' })).backend).toBe('js');
    expect(loader.createBackend().name).toBe('js');
    loader = await freshLoader();
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    await expect(loader.init({ backend: 'wasm' })).rejects.toThrow(/needs WebAssembly SIMD/);
  });
});
