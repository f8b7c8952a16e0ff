// Parameter updates over flat ranges of n values (params, grads and optimizer state are contiguous
// blocks of the arena, so one call updates the whole model). L2 weight decay is added to the gradient.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

/**
 * dst = a * dst + b * src over n values: data-parallel training folds each worker's shard gradient (the
 * gradient of its shard's mean loss) into the batch gradient, weighted by shard size / batch size.
 */
export function scaleAdd(dst: usize, src: usize, n: i32, a: f32, b: f32): void {
  const av = f32x4.splat(a), bv = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, f32x4.add(f32x4.mul(av, v128.load(dst + o)), f32x4.mul(bv, v128.load(src + o))));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, a * load<f32>(dst + o) + b * load<f32>(src + o));
  }
}

/**
 * SGD with momentum: g' = g + wd p; v = momentum v + g'; p -= lr v.
 * Nesterov (nesterov != 0): p -= lr (g' + momentum v) with the updated v.
 */
export function sgdUpdate(param: usize, grad: usize, velocity: usize, n: i32, lr: f32, momentum: f32,
  weightDecay: f32, nesterov: i32): void {
  const lrv = f32x4.splat(lr), mv = f32x4.splat(momentum), wdv = f32x4.splat(weightDecay);
  let i = 0;
  if (nesterov != 0) {
    for (; i + 4 <= n; i += 4) {
      const o = (<usize>i) << 2;
      const p = v128.load(param + o);
      const g = f32x4.add(v128.load(grad + o), f32x4.mul(wdv, p));
      const v = f32x4.add(f32x4.mul(mv, v128.load(velocity + o)), g);
      v128.store(velocity + o, v);
      v128.store(param + o, f32x4.sub(p, f32x4.mul(lrv, f32x4.add(g, f32x4.mul(mv, v)))));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = (<usize>i) << 2;
      const p = v128.load(param + o);
      const g = f32x4.add(v128.load(grad + o), f32x4.mul(wdv, p));
      const v = f32x4.add(f32x4.mul(mv, v128.load(velocity + o)), g);
      v128.store(velocity + o, v);
      v128.store(param + o, f32x4.sub(p, f32x4.mul(lrv, v)));
    }
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const v = momentum * load<f32>(velocity + o) + g;
    store<f32>(velocity + o, v);
    store<f32>(param + o, p - lr * (nesterov != 0 ? g + momentum * v : v));
  }
}

/**
 * Adam (Kingma & Ba) at step t >= 1: g' = g + wd p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
 * p -= lr (m c1) / (sqrt(v c2) + eps), with the bias corrections c1 = 1 / (1 - b1^t), c2 = 1 / (1 - b2^t).
 * The caller computes c1 and c2 once per step, in f64 (b^t for large t is where float32 would lose digits):
 * a pow in here would bring AssemblyScript's pow and its 4 KB table into every build, for two numbers a step.
 */
export function adamUpdate(param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32,
  eps: f32, weightDecay: f32, c1: f32, c2: f32): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
  const nb1 = f32x4.splat(1 - beta1), nb2 = f32x4.splat(1 - beta2);
  const c1v = f32x4.splat(c1), c2v = f32x4.splat(c2);
  const lrv = f32x4.splat(lr), epsv = f32x4.splat(eps), wdv = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const p = v128.load(param + o);
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(wdv, p));
    const mm = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(nb1, g));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(nb2, f32x4.mul(g, g)));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const step = f32x4.div(f32x4.mul(mm, c1v), f32x4.add(f32x4.sqrt(f32x4.mul(vv, c2v)), epsv));
    v128.store(param + o, f32x4.sub(p, f32x4.mul(lrv, step)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const mm = beta1 * load<f32>(m + o) + (1 - beta1) * g;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * g * g;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(param + o, p - lr * ((mm * c1) / (Mathf.sqrt(vv * c2) + eps)));
  }
}
