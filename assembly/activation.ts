// STUB: to be replaced by the real kernels.
export function reluForward(out: usize, inp: usize, n: i32): void {
  unreachable();
}

export function reluBackward(dinp: usize, dout: usize, out: usize, n: i32): void {
  unreachable();
}

export function tanhForward(out: usize, inp: usize, n: i32): void {
  unreachable();
}

export function tanhBackward(dinp: usize, dout: usize, out: usize, n: i32): void {
  unreachable();
}

export function sigmoidForward(out: usize, inp: usize, n: i32): void {
  unreachable();
}

export function sigmoidBackward(dinp: usize, dout: usize, out: usize, n: i32): void {
  unreachable();
}

export function softmaxForward(out: usize, inp: usize, N: i32, C: i32): void {
  unreachable();
}

export function softmaxBackward(dinp: usize, dout: usize, out: usize, N: i32, C: i32): void {
  unreachable();
}
