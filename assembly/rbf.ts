// STUB: to be replaced by the real kernels.
export function rbfForward(out: usize, inp: usize, proto: usize, N: i32, IN: i32, OUT: i32): void {
  unreachable();
}

export function rbfBackward(dinp: usize, dout: usize, inp: usize, proto: usize, N: i32, IN: i32, OUT: i32): void {
  unreachable();
}
