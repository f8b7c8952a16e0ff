import { describe, expect, it } from 'vitest';
import { Arena, PlainMemory } from '../src/memory.js';

describe('Arena', () => {
  it('hands out 16-byte aligned, zeroed regions', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 1000);
    const a = arena.alloc(3, 'a');
    const b = arena.alloc(5, 'b');
    expect(a.ptr % 16).toBe(0);
    expect(b.ptr % 16).toBe(0);
    expect(b.ptr).toBeGreaterThanOrEqual(a.ptr + 12);
    expect(Array.from(b.f32)).toEqual([0, 0, 0, 0, 0]);
  });

  it('re-creates views after the memory grows, so writes are not silently dropped', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const arena = new Arena(memory);
    const a = arena.alloc(4, 'a');
    const stale = a.f32;
    stale[0] = 1;
    // 1 MiB more than one page: forces memory.grow, which detaches the old ArrayBuffer.
    arena.alloc(1 << 18, 'big');
    expect(stale.length).toBe(0); // the old view is detached: this is the trap the arena avoids
    stale[1] = 42; // silently dropped by the engine
    expect(a.f32[0]).toBe(1);
    expect(a.f32[1]).toBe(0);
    a.f32[1] = 42;
    expect(new Float32Array(memory.buffer, a.ptr, 4)[1]).toBe(42);
  });

  it('grows a plain-ArrayBuffer memory by copying, keeping contents', () => {
    const arena = new Arena(new PlainMemory(1));
    const a = arena.alloc(2, 'a');
    a.f32.set([3, 4]);
    arena.alloc(1 << 17, 'big');
    expect(Array.from(a.f32)).toEqual([3, 4]);
  });

  it('sub-regions share bytes and reject out-of-range slices', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }));
    const block = arena.alloc(10, 'params');
    const w = block.sub(4, 6, 'w');
    w.f32[0] = 7;
    expect(block.f32[4]).toBe(7);
    expect(() => block.sub(8, 3)).toThrow(/outside/);
  });

  it('refuses allocations beyond its limit with a clear error', () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0, 1 << 20);
    expect(() => arena.alloc(1 << 20, 'activations')).toThrow(/activations needs .* limited to 1048576 bytes/);
    expect(() => arena.alloc(-1, 'x')).toThrow(/cannot allocate/);
  });
});
