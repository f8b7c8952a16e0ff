// STUB: to be replaced by the real twins.
import type { Arr } from '../backend/kernels.js';

export function rbfForward(out: Arr, inp: Arr, proto: Arr, N: number, IN: number, OUT: number): void {
  throw new Error('rbfForward: not implemented');
}

export function rbfBackward(dinp: Arr, dout: Arr, inp: Arr, proto: Arr, N: number, IN: number, OUT: number): void {
  throw new Error('rbfBackward: not implemented');
}
