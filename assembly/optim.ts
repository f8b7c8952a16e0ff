// STUB: to be replaced by the real kernels.
export function sgdUpdate(param: usize, grad: usize, velocity: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32, nesterov: i32): void {
  unreachable();
}

export function adamUpdate(param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, t: i32): void {
  unreachable();
}
