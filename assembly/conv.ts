// STUB: to be replaced by the real kernels.
export function convForward(out: usize, inp: usize, weight: usize, bias: usize, mask: usize, col: usize, N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  unreachable();
}

export function convBackwardInput(dinp: usize, dout: usize, weight: usize, mask: usize, col: usize, N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  unreachable();
}

export function convBackwardWeights(dweight: usize, dbias: usize, dout: usize, inp: usize, mask: usize, col: usize, N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, pad: i32): void {
  unreachable();
}
