import { expect } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import type { Region } from '../../src/memory.js';
import { upload } from './backends.js';
import { maxAbs } from './compare.js';

/** Comparison tolerance for float32 sums against the float64 oracle, scaled by the result's magnitude. */
export const sumTol = (expected: ArrayLike<number>, label: string) => ({
  atol: 1e-5 * Math.max(1, maxAbs(expected)),
  rtol: 1e-5,
  label,
});

/** A region followed by a canary region: a kernel writing past the end of the first one shows up. */
export function guardedUpload(b: Backend, values: ArrayLike<number> | number, what: string): { r: Region; check: () => void } {
  const r = upload(b, values, what);
  const canary = upload(b, 8, `${what} canary`);
  canary.f32.fill(12345.5);
  return {
    r,
    check: () => {
      for (const v of canary.f32) if (v !== 12345.5) expect.fail(`${what}: kernel wrote past its end`);
    },
  };
}
