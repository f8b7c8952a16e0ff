// STUB: to be replaced by the real twins.
import type { Arr } from '../backend/kernels.js';

export function sgdUpdate(param: Arr, grad: Arr, velocity: Arr, n: number, lr: number, momentum: number, weightDecay: number, nesterov: number): void {
  throw new Error('sgdUpdate: not implemented');
}

export function adamUpdate(param: Arr, grad: Arr, m: Arr, v: Arr, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, t: number): void {
  throw new Error('adamUpdate: not implemented');
}
