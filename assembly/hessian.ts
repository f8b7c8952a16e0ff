// Second derivatives for stochastic diagonal Levenberg-Marquardt (LeCun et al. 1998, Appendix C; its
// settings in Sec. III-B): a Gauss-Newton estimate of the Hessian diagonal, back-propagated layer by layer.
// Through a unit y = f(a) the second derivative is multiplied by f'(a)^2; through a weight it is
// multiplied by the squared input; shared weights sum over their connections. Off-diagonal terms and
// f'' terms are dropped, so every estimate is >= 0.
//
// Conv and dense layers need no kernel of their own here: their second-derivative pass is their first-
// order backward run on squared weights and squared inputs (`square`). Parameter second derivatives
// ACCUMULATE (+=), input second derivatives are OVERWRITTEN (=), as for gradients.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

const A: f32 = 1.7159;
const S: f32 = 2.0 / 3.0;

/** out = inp^2 elementwise. // out, inp (n) */
export function square(out: usize, inp: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(inp + o);
    v128.store(out + o, f32x4.mul(v, v));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(inp + o);
    store<f32>(out + o, v * v);
  }
}

/** d2inp = d2out * f'(a)^2 for f(a) = A tanh(S a), from the forward output. // d2inp, d2out, out (n) */
export function tanhBackward2(d2inp: usize, d2out: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const y = load<f32>(out + o);
    const fp = S * (A - (y * y) / A);
    store<f32>(d2inp + o, load<f32>(d2out + o) * fp * fp);
  }
}

/** Average pooling 2x2: each input reaches one output with weight 1/4. // d2inp (N,C,H,W), d2out (N,C,H>>1,W>>1) */
export function avgPoolBackward2(d2inp: usize, d2out: usize, N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1;
  const OW = W >> 1;
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const ib = d2inp + ((<usize>p * H * W) << 2);
    const ob = d2out + ((<usize>p * OH * OW) << 2);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        let v: f32 = 0;
        const oh = h >> 1;
        const ow = w >> 1;
        if (oh < OH && ow < OW) v = load<f32>(ob + ((<usize>(oh * OW + ow)) << 2)) * <f32>0.0625;
        store<f32>(ib + ((<usize>(h * W + w)) << 2), v);
      }
    }
  }
}

/**
 * LeNet subsampling, out = coeff[c] * (sum of the 2x2 block) + bias[c]:
 * d2inp = d2out * coeff^2, d2coeff += d2out * (block sum)^2, d2bias += d2out.
 * // d2inp, inp (N,C,H,W); d2coeff, d2bias, coeff (C); d2out (N,C,H>>1,W>>1)
 */
export function subsampleBackward2(d2inp: usize, d2coeff: usize, d2bias: usize, d2out: usize, inp: usize,
  coeff: usize, N: i32, C: i32, H: i32, W: i32): void {
  const OH = H >> 1;
  const OW = W >> 1;
  for (let c = 0; c < C; c++) {
    const k = load<f32>(coeff + (<usize>c << 2));
    const k2 = k * k;
    let sc: f32 = 0;
    let sb: f32 = 0;
    for (let n = 0; n < N; n++) {
      const p = n * C + c;
      const ib = inp + ((<usize>p * H * W) << 2);
      const db = d2inp + ((<usize>p * H * W) << 2);
      const ob = d2out + ((<usize>p * OH * OW) << 2);
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const oh = h >> 1;
          const ow = w >> 1;
          let v: f32 = 0;
          if (oh < OH && ow < OW) v = load<f32>(ob + ((<usize>(oh * OW + ow)) << 2)) * k2;
          store<f32>(db + ((<usize>(h * W + w)) << 2), v);
        }
      }
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const i0 = ib + ((<usize>(2 * oh * W + 2 * ow)) << 2);
          const s = load<f32>(i0) + load<f32>(i0 + 4) + load<f32>(i0 + (<usize>W << 2)) +
            load<f32>(i0 + (<usize>W << 2) + 4);
          const d = load<f32>(ob + ((<usize>(oh * OW + ow)) << 2));
          sc += d * s * s;
          sb += d;
        }
      }
    }
    store<f32>(d2coeff + (<usize>c << 2), load<f32>(d2coeff + (<usize>c << 2)) + sc);
    store<f32>(d2bias + (<usize>c << 2), load<f32>(d2bias + (<usize>c << 2)) + sb);
  }
}

/**
 * RBF output + the paper's loss, per sample, with respect to the RBF input x (F6's output).
 * Eq. 8 (map = 0): E = y_D = sum_j (x_j - w_Dj)^2, so d2E/dx_j^2 = 2.
 * Eq. 9 (map = 1): adds the Gauss-Newton term of log(e^-j + sum_i e^-y_i), with the diagonal of its
 * Hessian in y, p_i (1 - p_i), p_i = e^-y_i / (e^-j + sum_k e^-y_k): + sum_i p_i (1 - p_i) (2 (x_j - w_ij))^2.
 * // d2inp, inp (N,IN); proto (OUT,IN); pen (N,OUT) the forward penalties
 */
export function rbfLossBackward2(d2inp: usize, inp: usize, proto: usize, pen: usize, N: i32, IN: i32, OUT: i32,
  j: f32, map: i32): void {
  for (let n = 0; n < N; n++) {
    const xb = inp + ((<usize>n * IN) << 2);
    const db = d2inp + ((<usize>n * IN) << 2);
    const pb = pen + ((<usize>n * OUT) << 2);
    for (let k = 0; k < IN; k++) store<f32>(db + (<usize>k << 2), 2);
    if (map == 0) continue;
    let m: f32 = j;
    for (let i = 0; i < OUT; i++) m = min(m, load<f32>(pb + (<usize>i << 2)));
    let z: f32 = Mathf.exp(m - j);
    for (let i = 0; i < OUT; i++) z += Mathf.exp(m - load<f32>(pb + (<usize>i << 2)));
    for (let i = 0; i < OUT; i++) {
      const p = Mathf.exp(m - load<f32>(pb + (<usize>i << 2))) / z;
      const h = <f32>4 * p * (<f32>1 - p);
      if (h == 0) continue;
      const wb = proto + ((<usize>i * IN) << 2);
      for (let k = 0; k < IN; k++) {
        const r = load<f32>(xb + (<usize>k << 2)) - load<f32>(wb + (<usize>k << 2));
        store<f32>(db + (<usize>k << 2), load<f32>(db + (<usize>k << 2)) + h * r * r);
      }
    }
  }
}

/** Softmax + cross-entropy, per sample, w.r.t. the logits: diagonal of the Hessian, p (1 - p). // (N,C) */
export function softmaxCrossEntropyBackward2(d2logits: usize, probs: usize, N: i32, C: i32): void {
  const n = N * C;
  for (let i = 0; i < n; i++) {
    const p = load<f32>(probs + (<usize>i << 2));
    store<f32>(d2logits + (<usize>i << 2), p * (<f32>1 - p));
  }
}

/** The SDLM step: param -= lr * grad / (mu + hkk), hkk the averaged second derivative. // (n) */
export function sdlmUpdate(param: usize, grad: usize, hkk: usize, n: i32, lr: f32, mu: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const step = lr / (mu + load<f32>(hkk + o));
    store<f32>(param + o, load<f32>(param + o) - step * load<f32>(grad + o));
  }
}
