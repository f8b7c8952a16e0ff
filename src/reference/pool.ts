// STUB: to be replaced by the real twins.
import type { Arr } from '../backend/kernels.js';

export function avgPoolForward(out: Arr, inp: Arr, N: number, C: number, H: number, W: number): void {
  throw new Error('avgPoolForward: not implemented');
}

export function avgPoolBackward(dinp: Arr, dout: Arr, N: number, C: number, H: number, W: number): void {
  throw new Error('avgPoolBackward: not implemented');
}

export function subsampleForward(out: Arr, inp: Arr, coeff: Arr, bias: Arr, N: number, C: number, H: number, W: number): void {
  throw new Error('subsampleForward: not implemented');
}

export function subsampleBackward(dinp: Arr, dcoeff: Arr, dbias: Arr, dout: Arr, inp: Arr, coeff: Arr, N: number, C: number, H: number, W: number): void {
  throw new Error('subsampleBackward: not implemented');
}

export function maxPoolForward(out: Arr, argmax: Int32Array, inp: Arr, N: number, C: number, H: number, W: number): void {
  throw new Error('maxPoolForward: not implemented');
}

export function maxPoolBackward(dinp: Arr, dout: Arr, argmax: Int32Array, N: number, C: number, H: number, W: number): void {
  throw new Error('maxPoolBackward: not implemented');
}
