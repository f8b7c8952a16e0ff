/**
 * Optimizer twins over flat ranges of n values. L2 weight decay is added to the gradient first.
 */
import type { Arr } from '../backend/kernels.js';

/** dst = a * dst + b * src (twin of assembly/optim.ts: shard gradients folded into the batch gradient). */
export function scaleAdd(dst: Arr, src: Arr, n: number, a: number, b: number): void {
  const af = Math.fround(a), bf = Math.fround(b);
  for (let i = 0; i < n; i++) dst[i] = af * dst[i]! + bf * src[i]!;
}

/** v = momentum v + (g + wd p); p -= lr v (nesterov != 0: p -= lr (g + wd p + momentum v)). */
export function sgdUpdate(param: Arr, grad: Arr, velocity: Arr, n: number, lr: number, momentum: number,
  weightDecay: number, nesterov: number): void {
  for (let i = 0; i < n; i++) {
    const p = param[i]!;
    const g = grad[i]! + weightDecay * p;
    const v = momentum * velocity[i]! + g;
    velocity[i] = v;
    param[i] = p - lr * (nesterov !== 0 ? g + momentum * v : v);
  }
}

/**
 * Adam at step t >= 1: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), with g = grad + wd p.
 */
export function adamUpdate(param: Arr, grad: Arr, m: Arr, v: Arr, n: number, lr: number, beta1: number,
  beta2: number, eps: number, weightDecay: number, t: number): void {
  if (!(t >= 1)) throw new RangeError(`adamUpdate: step t must be >= 1 (bias correction divides by 1 - beta^t), got ${t}`);
  const c1 = 1 - Math.pow(beta1, t);
  const c2 = 1 - Math.pow(beta2, t);
  for (let i = 0; i < n; i++) {
    const p = param[i]!;
    const g = grad[i]! + weightDecay * p;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
  }
}
