// STUB: to be replaced by the real twins.
import type { Arr } from '../backend/kernels.js';

export function convForward(out: Arr, inp: Arr, weight: Arr, bias: Arr, mask: Arr | null, col: Arr, N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void {
  throw new Error('convForward: not implemented');
}

export function convBackwardInput(dinp: Arr, dout: Arr, weight: Arr, mask: Arr | null, col: Arr, N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void {
  throw new Error('convBackwardInput: not implemented');
}

export function convBackwardWeights(dweight: Arr, dbias: Arr, dout: Arr, inp: Arr, mask: Arr | null, col: Arr, N: number, C: number, H: number, W: number, OC: number, KH: number, KW: number, pad: number): void {
  throw new Error('convBackwardWeights: not implemented');
}
