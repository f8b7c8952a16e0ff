// STUB: to be replaced by the real kernels.
export function avgPoolForward(out: usize, inp: usize, N: i32, C: i32, H: i32, W: i32): void {
  unreachable();
}

export function avgPoolBackward(dinp: usize, dout: usize, N: i32, C: i32, H: i32, W: i32): void {
  unreachable();
}

export function subsampleForward(out: usize, inp: usize, coeff: usize, bias: usize, N: i32, C: i32, H: i32, W: i32): void {
  unreachable();
}

export function subsampleBackward(dinp: usize, dcoeff: usize, dbias: usize, dout: usize, inp: usize, coeff: usize, N: i32, C: i32, H: i32, W: i32): void {
  unreachable();
}

export function maxPoolForward(out: usize, argmax: usize, inp: usize, N: i32, C: i32, H: i32, W: i32): void {
  unreachable();
}

export function maxPoolBackward(dinp: usize, dout: usize, argmax: usize, N: i32, C: i32, H: i32, W: i32): void {
  unreachable();
}
