// STUB: to be replaced by the real twins.
import type { Arr } from '../backend/kernels.js';

export function denseForward(out: Arr, inp: Arr, weight: Arr, bias: Arr, N: number, IN: number, OUT: number): void {
  throw new Error('denseForward: not implemented');
}

export function denseBackward(dinp: Arr | null, dweight: Arr, dbias: Arr, dout: Arr, inp: Arr, weight: Arr, N: number, IN: number, OUT: number): void {
  throw new Error('denseBackward: not implemented');
}
