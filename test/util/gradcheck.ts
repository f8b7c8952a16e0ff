import { expect } from 'vitest';

/**
 * Central finite differences in Float64. `loss()` recomputes a scalar from the current contents of
 * `x`; `analytic` is the gradient the backward kernel produced for `x`. Checks every element (or the
 * `indices` given) and names the worst one on failure.
 */
export function gradCheck(
  loss: () => number,
  x: Float64Array,
  analytic: ArrayLike<number>,
  opts: { label?: string; eps?: number; tol?: number; indices?: number[] } = {},
): void {
  const { label = 'gradient', eps = 1e-6, tol = 1e-5 } = opts;
  const indices = opts.indices ?? Array.from({ length: x.length }, (_, i) => i);
  let worst = -1;
  let worstErr = 0;
  let worstNum = 0;
  for (const i of indices) {
    const keep = x[i]!;
    x[i] = keep + eps;
    const up = loss();
    x[i] = keep - eps;
    const down = loss();
    x[i] = keep;
    const numeric = (up - down) / (2 * eps);
    const a = analytic[i]!;
    // Relative error with a floor so near-zero gradients are judged absolutely.
    const err = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
    // NaN (a broken backward) always wins and sticks.
    if (worst < 0 || (!Number.isNaN(worstErr) && (Number.isNaN(err) || err > worstErr))) {
      worst = i;
      worstErr = err;
      worstNum = numeric;
    }
  }
  expect(indices.length, `${label}: no elements to check`).toBeGreaterThan(0);
  // One assertion either way (NaN compares false, so a broken backward fails it).
  expect(
    worstErr <= tol,
    `${label}: finite differences disagree at [${worst}]: analytic ${analytic[worst]} vs numeric ${worstNum} ` +
      `(relative error ${worstErr}, tolerance ${tol})`,
  ).toBe(true);
}

/** Weighted sum <w, y>: a scalar loss whose gradient with respect to y is w. */
export function dot(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * y[i]!;
  return s;
}
