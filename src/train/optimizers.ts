/**
 * Optimizers: plain descriptions (`sgd(...)`, `adam(...)`, `sdlm(...)`, serialisable into a checkpoint)
 * and their bound state. Every update is one kernel call over the flat params/grads/state ranges.
 */
import { InvalidArgumentError } from '../errors.js';
import type { AnyDataset } from '../data/dataset.js';
import type { Sequential } from '../models/sequential.js';
import type { Region } from '../memory.js';
import type { Rng } from '../random.js';
import { sdlmSchedule, constantLr, type Schedule } from './schedules.js';

/** Options of `sgd()`. */
export interface SgdOptions {
  /** Learning rate (required), a finite number of at least 0; a schedule given to fit overrides it. */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum?: number;
  /** Use Nesterov momentum (default false). */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient, `wd * param` (default 0). */
  weightDecay?: number;
}

/** Options of `adam()`; the defaults are Keras'. */
export interface AdamOptions {
  /** Learning rate (default 1e-3); a schedule given to fit overrides it. */
  lr?: number;
  /** Decay of the first-moment estimate (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment estimate (default 0.999). */
  beta2?: number;
  /** Added to the denominator for stability (default 1e-7). */
  eps?: number;
  /** L2 weight decay added to the gradient, `wd * param` (default 0). */
  weightDecay?: number;
}

export { SDLM_ETA_SCALE } from './schedules.js';

/** Options of `sdlm()`, the paper's stochastic diagonal Levenberg-Marquardt (docs/sdlm.md). */
export interface SdlmOptions {
  /** A constant global rate eta (default: `sdlmSchedule()`, the paper's first eta times SDLM_ETA_SCALE, then a stretched decay). */
  lr?: number;
  /** Damping mu of eps_k = eta / (mu + h_kk) (default 0.02, as in the paper). */
  mu?: number;
  /** Samples the h_kk estimate averages over before each pass (default 500, as in the paper). */
  samples?: number;
  /**
   * The paper updates after every sample (batch size 1, the classic preset's default). With batches of
   * N, the step applies eta to the batch-mean gradient, like every other optimizer here (default); with
   * `perSample: true` it applies eta to the sum of the per-sample gradients (mean x N), as N online
   * steps would to first order. Measured on digits at the default eta: sums are fine up to N = 8 and
   * diverge at N = 32.
   */
  perSample?: boolean;
}

/**
 * An optimizer as data (`adam()`, `sgd({ lr })`, `sdlm()`): what `FitOptions.optimizer` takes and checkpoints
 * record.
 */
export type OptimizerSpec =
  | ({ type: 'sgd' } & SgdOptions)
  | ({ type: 'adam' } & AdamOptions)
  | ({ type: 'sdlm' } & SdlmOptions);

/** SGD with optional momentum, Nesterov momentum and L2 weight decay. */
export function sgd(opts: SgdOptions): OptimizerSpec {
  return { type: 'sgd', ...opts };
}

/** Adam (Kingma & Ba) with bias correction; defaults lr 1e-3, betas 0.9/0.999, eps 1e-7 (Keras). */
export function adam(opts: AdamOptions = {}): OptimizerSpec {
  return { type: 'adam', ...opts };
}

/** Stochastic diagonal Levenberg-Marquardt, the paper's method (Appendix C; its settings in Sec. III-B). */
export function sdlm(opts: SdlmOptions = {}): OptimizerSpec {
  return { type: 'sdlm', ...opts };
}

/** Hooks fit gives an optimizer. */
export interface EpochContext {
  /** The model being trained. */
  model: Sequential;
  /** The training data. */
  data: AnyDataset;
  /** The run's seeded random stream (SDLM draws its samples from it). */
  rng: Rng;
  /** The 0-based epoch about to run. */
  epoch: number;
}

/** An optimizer bound to a built model, its state held in the model's arena; `fit` calls it every step. */
export interface Optimizer {
  /** The spec it was made from. */
  readonly spec: OptimizerSpec;
  /** Updates taken so far. */
  steps: number;
  /** The schedule fit uses when the caller gives none. */
  defaultSchedule(): Schedule;
  /** Runs before every epoch (SDLM re-estimates its Hessian diagonal here). */
  beforeEpoch(ctx: EpochContext): void;
  /** One update from the grads block at rate `lr`, for a batch of N. */
  step(lr: number, N: number): void;
  /** State regions to save in a checkpoint. */
  readonly state: Region[];
}

function num(v: number | undefined, dflt: number, what: string, lo = 0): number {
  const x = v ?? dflt;
  if (!(typeof x === 'number' && Number.isFinite(x) && x >= lo)) {
    throw new InvalidArgumentError(`${what} must be a finite number >= ${lo}, got ${String(v)}`);
  }
  return x;
}

/** Binds an optimizer to a built model, reserving its state in the model's arena. */
export function createOptimizer(spec: OptimizerSpec, model: Sequential): Optimizer {
  const P = model.paramBlockLength;
  const k = model.backend;
  const params = model.paramsRegion;
  const grads = model.gradsRegion;
  switch (spec.type) {
    case 'sgd': {
      const lr = num(spec.lr, NaN, 'sgd lr');
      const momentum = num(spec.momentum, 0, 'sgd momentum');
      const wd = num(spec.weightDecay, 0, 'sgd weightDecay');
      const nesterov = spec.nesterov ? 1 : 0;
      if (nesterov && momentum === 0) throw new InvalidArgumentError('sgd: nesterov needs a momentum > 0');
      const [velocity] = model.allocState([{ name: 'sgd.velocity', length: P }]);
      return {
        spec, steps: 0, state: [velocity!],
        defaultSchedule: () => constantLr(lr),
        beforeEpoch() {},
        step(rate) {
          k.sgdUpdate(params, grads, velocity!, P, rate, momentum, wd, nesterov);
          this.steps++;
        },
      };
    }
    case 'adam': {
      const lr = num(spec.lr, 1e-3, 'adam lr');
      const b1 = num(spec.beta1, 0.9, 'adam beta1');
      const b2 = num(spec.beta2, 0.999, 'adam beta2');
      const eps = num(spec.eps, 1e-7, 'adam eps');
      const wd = num(spec.weightDecay, 0, 'adam weightDecay');
      if (b1 >= 1 || b2 >= 1) throw new InvalidArgumentError(`adam: betas must be < 1, got ${b1}, ${b2}`);
      const [m, v] = model.allocState([{ name: 'adam.m', length: P }, { name: 'adam.v', length: P }]);
      return {
        spec, steps: 0, state: [m!, v!],
        defaultSchedule: () => constantLr(lr),
        beforeEpoch() {},
        step(rate) {
          this.steps++;
          k.adamUpdate(params, grads, m!, v!, P, rate, b1, b2, eps, wd, this.steps);
        },
      };
    }
    case 'sdlm': {
      const mu = num(spec.mu, 0.02, 'sdlm mu');
      const samples = Math.floor(num(spec.samples, 500, 'sdlm samples', 1));
      const perSample = spec.perSample ?? false;
      model.checkSecondOrder();
      const [hkk] = model.allocState([{ name: 'sdlm.hkk', length: P }]);
      return {
        spec, steps: 0, state: [hkk!],
        defaultSchedule: () => (spec.lr !== undefined ? constantLr(num(spec.lr, 0, 'sdlm lr')) : sdlmSchedule()),
        beforeEpoch(ctx) {
          estimateHessianDiagonal(ctx.model, ctx.data, ctx.rng, samples, hkk!);
        },
        step(rate, N) {
          k.sdlmUpdate(params, grads, hkk!, P, perSample ? rate * N : rate, mu);
          this.steps++;
        },
      };
    }
    default:
      throw new InvalidArgumentError(`unknown optimizer ${JSON.stringify((spec as { type?: unknown }).type)}`);
  }
}

/**
 * h_kk: the average over `samples` random training samples of the per-sample Gauss-Newton second
 * derivative of the loss w.r.t. each parameter (shared weights summed over their connections).
 * Accumulates in the grads block (which the next step zeroes anyway), then averages into `hkk`.
 */
export function estimateHessianDiagonal(model: Sequential, data: AnyDataset, rng: Rng, samples: number,
  hkk: Region): void {
  const n = Math.min(samples, data.count);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = rng.int(data.count);
  model.zeroGrad();
  const cap = model.capacity;
  for (let at = 0; at < n; at += cap) {
    const N = Math.min(cap, n - at);
    model.writeBatch(data, at, N, order);
    model.forward(N, false);
    model.secondDerivatives(N);
  }
  const view = model.view;
  const h = view(hkk);
  const sum = view(model.gradsRegion);
  const inv = 1 / n;
  for (let i = 0; i < h.length; i++) h[i] = sum[i]! * inv;
  model.zeroGrad();
}
