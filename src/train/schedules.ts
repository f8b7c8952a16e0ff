/**
 * Learning-rate schedules: functions of the 0-based epoch (pass) returning the rate for that epoch.
 */
import { InvalidArgumentError } from '../errors.js';
/** A learning-rate schedule: the rate for a 0-based epoch. */
export type Schedule = (epoch: number) => number;

/** The same rate every epoch. */
export function constantLr(lr: number): Schedule {
  checkRate(lr);
  return () => lr;
}

/** Multiplies the rate by `factor` every `every` epochs: lr * factor^floor(epoch / every). */
export function stepLr(opts: { lr: number; factor: number; every: number }): Schedule {
  checkRate(opts.lr);
  if (!(opts.every >= 1)) throw new InvalidArgumentError(`stepLr: every must be >= 1, got ${opts.every}`);
  return (epoch) => opts.lr * opts.factor ** Math.floor(epoch / opts.every);
}

/** Piecewise constant: `[{ until: 2, lr: 5e-4 }, ...]`, each entry applying to epochs below `until`. */
export function piecewiseLr(pieces: readonly { until: number; lr: number }[], after: number): Schedule {
  pieces.forEach((p) => checkRate(p.lr));
  checkRate(after);
  return (epoch) => {
    for (const p of pieces) if (epoch < p.until) return p.lr;
    return after;
  };
}

/**
 * The paper's global rate for SDLM (Sec. III-B): 0.0005 for passes 1-2, 0.0002 for 3-5, 0.0001 for 6-8,
 * 0.00005 for 9-12, 0.00001 after; every value multiplied by `scale`.
 */
export function paperSchedule(scale = 1): Schedule {
  if (!(scale > 0 && Number.isFinite(scale))) throw new InvalidArgumentError(`paperSchedule: scale must be > 0, got ${scale}`);
  return piecewiseLr([
    { until: 2, lr: 0.0005 * scale },
    { until: 5, lr: 0.0002 * scale },
    { until: 8, lr: 0.0001 * scale },
    { until: 12, lr: 0.00005 * scale },
  ], 0.00001 * scale);
}

function checkRate(lr: number): void {
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) {
    throw new InvalidArgumentError(`learning rate must be a finite number >= 0, got ${String(lr)}`);
  }
}
