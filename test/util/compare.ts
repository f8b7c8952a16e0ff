import { expect } from 'vitest';

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  label?: string;
}

type Numeric = ArrayLike<number>;

/**
 * Element-wise |a - e| <= atol + rtol*|e|. On failure the message names the worst element, its values
 * and how many elements failed, so a broken kernel says where it broke.
 */
export function expectClose(actual: Numeric, expected: Numeric, opts: CloseOptions = {}): void {
  const { atol = 1e-5, rtol = 1e-4, label = 'values' } = opts;
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  let failures = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const diff = Math.abs(a - e);
    maxDiff = Math.max(maxDiff, Number.isNaN(diff) ? Infinity : diff);
    const tol = atol + rtol * Math.abs(e);
    const excess = Number.isNaN(diff) ? Infinity : diff - tol;
    if (excess > 0) {
      failures++;
      if (excess > worstExcess || worst < 0) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (failures > 0) {
    expect.fail(
      `${label}: ${failures}/${expected.length} elements differ; worst at [${worst}]: ` +
        `actual ${actual[worst]} vs expected ${expected[worst]} (atol ${atol}, rtol ${rtol}, max |diff| ${maxDiff})`,
    );
  }
}

/** Largest absolute value, to sanity-check that a compared tensor is not all zeros. */
export function maxAbs(a: Numeric): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
