/**
 * The exact per-sample Gauss-Newton diagonal of a classic (RBF-output) network, in Float64, as an
 * independent check of the SDLM estimate h_kk.
 *
 * For one sample, with x the RBF layer's input (F6's squashed output, 84 values) and E(x) the
 * per-sample loss (Eq. 8 or Eq. 9), the Gauss-Newton matrix of the parameters is J^T H J, J = dx/dw
 * the network's Jacobian and H = d2E/dx2 the exact Hessian of the loss in x. H is positive
 * semi-definite for both losses (below), so H = L L^T (Cholesky) and
 *
 *   diag(J^T H J)_w = sum_c (d(l_c . x)/dw)^2,   l_c the c-th column of L:
 *
 * one first-order back-propagation per column (84 per sample) through the model's ordinary backward,
 * squared and summed. Nothing of the second-derivative pass (backward2, the hessian kernels) is used.
 * Unlike the paper's layer-by-layer recursion, this keeps every off-diagonal term (between units of a
 * layer, between the connections of a shared weight); it drops only the f'' terms of the squashing
 * units, which is what "Gauss-Newton" means.
 *
 * Eq. 8: E = y_D = |x - w_D|^2, H = 2 I.
 * Eq. 9: E = y_D + log(e^-j + sum_i e^-y_i), y_i = |x - w_i|^2, p_i = e^-y_i / (e^-j + sum_k e^-y_k),
 * r_i = x - w_i:  H = 2 (1 - sum_i p_i) I + sum_i p_i (2 r_i)(2 r_i)^T - s s^T,  s = sum_i p_i 2 r_i,
 * i.e. 2 (1 - sum p) I + R^T (diag p - p p^T) R with R_i = 2 r_i; both terms are PSD since sum p < 1.
 */
import type { Region } from '../../src/memory.js';
import type { Sequential } from '../../src/models/sequential.js';

/** The exact Hessian (n x n, row-major) of the per-sample loss w.r.t. the RBF input x. */
export function lossHessian(x: ArrayLike<number>, proto: ArrayLike<number>, label: number, classes: number,
  loss: { kind: 'rbf-penalty' } | { kind: 'rbf-map'; j: number }): Float64Array {
  const n = x.length;
  const H = new Float64Array(n * n);
  if (loss.kind === 'rbf-penalty') {
    for (let k = 0; k < n; k++) H[k * n + k] = 2;
    return H;
  }
  const y = new Float64Array(classes);
  for (let i = 0; i < classes; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (x[k]! - proto[i * n + k]!) ** 2;
    y[i] = s;
  }
  // p_i with the log-sum-exp shifted by the smallest of j, y_0, ...
  let m = loss.j;
  for (let i = 0; i < classes; i++) m = Math.min(m, y[i]!);
  let z = Math.exp(m - loss.j);
  for (let i = 0; i < classes; i++) z += Math.exp(m - y[i]!);
  const p = y.map((v) => Math.exp(m - v) / z);
  let sp = 0;
  for (let i = 0; i < classes; i++) sp += p[i]!;
  const s = new Float64Array(n);
  for (let i = 0; i < classes; i++) for (let k = 0; k < n; k++) s[k] = s[k]! + p[i]! * 2 * (x[k]! - proto[i * n + k]!);
  for (let k = 0; k < n; k++) {
    for (let l = 0; l < n; l++) {
      let v = k === l ? 2 * (1 - sp) : 0;
      for (let i = 0; i < classes; i++) v += p[i]! * 4 * (x[k]! - proto[i * n + k]!) * (x[l]! - proto[i * n + l]!);
      H[k * n + l] = v - s[k]! * s[l]!;
    }
  }
  void label;
  return H;
}

/** Lower Cholesky factor of a PSD matrix (a tiny jitter on the diagonal keeps it defined if singular). */
export function cholesky(H: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  let tr = 0;
  for (let k = 0; k < n; k++) tr += H[k * n + k]!;
  const jitter = 1e-13 * (tr / n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i * n + j]! + (i === j ? jitter : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 0)) : (L[j * n + j]! > 0 ? s / L[j * n + j]! : 0);
    }
  }
  return L;
}

interface Internals {
  dacts: Region[];
}

/**
 * The rows b_c = J^T l_c (c = 0..n-1, n = 84) of the sample in batch row 0 (already written with
 * writeBatch or setInput, batch of 1): J^T H J = sum_c b_c b_c^T, so its diagonal is sum_c b_c^2. The
 * model must be a classic network (last layer RBF, RBF loss) on a Float64 backend. Uses (and clears)
 * the grads block.
 */
export function gaussNewtonRows(m: Sequential, label: number, proto: ArrayLike<number>): Float64Array[] {
  const L = m.layers.length;
  const loss = m.loss;
  if (loss.kind !== 'rbf-penalty' && loss.kind !== 'rbf-map') throw new Error('exact Gauss-Newton: RBF losses only');
  m.forward(1, false);
  const x = Float64Array.from(m.view(m.activation(L - 2)).subarray(0, proto.length / m.classes));
  const n = x.length;
  const C = cholesky(lossHessian(x, proto, label, m.classes, loss), n);
  const dx = m.view((m as unknown as Internals).dacts[L - 1]!);
  const g = m.view(m.gradsRegion);
  const rows: Float64Array[] = [];
  for (let c = 0; c < n; c++) {
    m.zeroGrad();
    for (let k = 0; k < n; k++) dx[k] = C[k * n + c]!;
    // The ordinary first-order backward from F6's output down (the RBF layer is inside the loss here).
    for (let i = L - 2; i >= 0; i--) m.layers[i]!.backward(1, i > 0);
    rows.push(Float64Array.from(g));
  }
  m.zeroGrad();
  return rows;
}

/** Adds the exact Gauss-Newton diagonal sum_c b_c^2 of the sample in batch row 0 to `out`. */
export function addExactGaussNewton(m: Sequential, label: number, proto: ArrayLike<number>, out: Float64Array): void {
  for (const b of gaussNewtonRows(m, label, proto)) for (let w = 0; w < out.length; w++) out[w] = out[w]! + b[w]! * b[w]!;
}

/**
 * The largest eigenvalue of the per-sample Gauss-Newton matrix preconditioned by the per-parameter
 * steps eps_k: lambda_max(E^(1/2) J^T H J E^(1/2)) = lambda_max(M), M_cd = sum_k eps_k b_c[k] b_d[k]
 * (n x n, n = 84). A per-sample step -E g of a quadratic loss overshoots along the top direction when
 * this exceeds 2. Returns it with the trace of M (= sum_k eps_k GN_kk).
 */
export function preconditionedTop(rows: Float64Array[], eps: ArrayLike<number>): { top: number; trace: number } {
  const n = rows.length;
  const M = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const bc = rows[c]!;
    for (let d = 0; d <= c; d++) {
      const bd = rows[d]!;
      let s = 0;
      for (let k = 0; k < bc.length; k++) s += eps[k]! * bc[k]! * bd[k]!;
      M[c * n + d] = s;
      M[d * n + c] = s;
    }
  }
  let trace = 0;
  for (let c = 0; c < n; c++) trace += M[c * n + c]!;
  // Power iteration (M is PSD).
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let top = 0;
  for (let it = 0; it < 500; it++) {
    const w = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let d = 0; d < n; d++) s += M[c * n + d]! * v[d]!;
      w[c] = s;
    }
    const norm = Math.hypot(...w);
    if (norm === 0) break;
    const next = norm;
    v = w.map((t) => t / norm);
    if (Math.abs(next - top) <= 1e-12 * next) {
      top = next;
      break;
    }
    top = next;
  }
  return { top, trace };
}
