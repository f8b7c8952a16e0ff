// STUB: to be replaced by the real twins.
import type { Arr } from '../backend/kernels.js';

export function reluForward(out: Arr, inp: Arr, n: number): void {
  throw new Error('reluForward: not implemented');
}

export function reluBackward(dinp: Arr, dout: Arr, out: Arr, n: number): void {
  throw new Error('reluBackward: not implemented');
}

export function tanhForward(out: Arr, inp: Arr, n: number): void {
  throw new Error('tanhForward: not implemented');
}

export function tanhBackward(dinp: Arr, dout: Arr, out: Arr, n: number): void {
  throw new Error('tanhBackward: not implemented');
}

export function sigmoidForward(out: Arr, inp: Arr, n: number): void {
  throw new Error('sigmoidForward: not implemented');
}

export function sigmoidBackward(dinp: Arr, dout: Arr, out: Arr, n: number): void {
  throw new Error('sigmoidBackward: not implemented');
}

export function softmaxForward(out: Arr, inp: Arr, N: number, C: number): void {
  throw new Error('softmaxForward: not implemented');
}

export function softmaxBackward(dinp: Arr, dout: Arr, out: Arr, N: number, C: number): void {
  throw new Error('softmaxBackward: not implemented');
}
