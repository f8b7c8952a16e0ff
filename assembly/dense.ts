// STUB: to be replaced by the real kernels.
export function denseForward(out: usize, inp: usize, weight: usize, bias: usize, N: i32, IN: i32, OUT: i32): void {
  unreachable();
}

export function denseBackward(dinp: usize, dweight: usize, dbias: usize, dout: usize, inp: usize, weight: usize, N: i32, IN: i32, OUT: i32): void {
  unreachable();
}
