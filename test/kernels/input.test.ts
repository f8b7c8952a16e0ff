/** bytesToInput: the wasm kernel equals its twin bit for bit (a table lookup), border included, no stray writes. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import * as ref from '../../src/reference/index.js';
import { expectClose } from '../util/compare.js';
import { guardedUpload } from '../util/guard.js';
import { Rng } from '../util/rng.js';
import { f32, upload, wasmBackend } from '../util/backends.js';

let b: Backend;
let base: number;

beforeAll(async () => {
  b = await wasmBackend();
  base = b.arena.used;
});

interface Shape { N: number; H: number; W: number; pad: number }

/** LeNet's two inputs (28x28 as is, and centred in 32x32), then seeded odd sizes around the 4-byte unroll. */
function shapes(): Shape[] {
  const fixed: Shape[] = [{ N: 3, H: 28, W: 28, pad: 0 }, { N: 2, H: 28, W: 28, pad: 2 }, { N: 1, H: 1, W: 1, pad: 0 },
    { N: 2, H: 3, W: 5, pad: 1 }];
  const rng = new Rng(0x1a9e75);
  while (fixed.length < 24) fixed.push({ N: rng.int(1, 4), H: rng.int(1, 13), W: rng.int(1, 13), pad: rng.int(0, 3) });
  return fixed;
}

describe('bytesToInput: wasm vs pure-TS twin', () => {
  it.each(shapes().map((s) => [`N=${s.N} ${s.H}x${s.W} pad ${s.pad}`, s] as const))('%s', (_name, s) => {
    b.arena.reset(base);
    const { N, H, W, pad } = s;
    const rng = new Rng(N * 1009 + H * 31 + W * 7 + pad);
    const pixels = Uint8Array.from({ length: N * H * W }, () => rng.int(0, 255));
    const lut = f32(rng.array(256));
    const outLen = N * (H + 2 * pad) * (W + 2 * pad);
    const bytes = b.arena.alloc(Math.ceil(pixels.length / 4) + 1, 'pixels');
    bytes.u8.set(pixels);
    const table = upload(b, lut, 'lut');
    const out = guardedUpload(b, outLen, 'out');
    out.r.f32.fill(Number.NaN); // every element, border included, must be written
    b.bytesToInput(out.r, bytes, table, N, H, W, pad);
    const expected = new Float32Array(outLen);
    ref.bytesToInput(expected, pixels, lut, N, H, W, pad);
    expectClose(out.r.f32, expected, { atol: 0, rtol: 0, label: 'input' });
    out.check();
    // Spot-check the twin itself: a border pixel is the blank level, an interior one its byte's level.
    if (pad > 0) expect(expected[0]).toBe(lut[0]);
    expect(expected[pad * (W + 2 * pad) + pad]).toBe(lut[pixels[0]!]);
  });
});
