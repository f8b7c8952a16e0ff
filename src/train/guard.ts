/**
 * What keeps a training run from silently going wrong: the divergence guard and gradient clipping.
 *
 * The guard copies the params and optimizer state aside before every update (memcpy-speed copies,
 * double-buffered) and scans nothing per step: a bad update shows up as a non-finite loss on the next batch
 * (or in the scan at each epoch end and checkpoint), and the copy from before it is put back, so the model
 * keeps the weights of the last good step. Errors name the step, the layer and the quantity.
 */
import { TrainingDivergedError } from '../errors.js';
import { firstNonFinite } from '../models/inference.js';
import type { Sequential } from '../models/sequential.js';
import type { Optimizer } from './optimizers.js';

interface Snapshot {
  params: Float32Array;
  state: Float32Array[];
}

export class DivergenceGuard {
  private readonly snaps: [Snapshot, Snapshot] | null;
  private at = 0;
  /** The latest update of this fit call (step -1: none yet). */
  private readonly last = { step: -1, epoch: 0, batch: 0 };

  constructor(private readonly model: Sequential, private readonly optimizer: Optimizer, enabled: boolean) {
    const snapshot = (): Snapshot => ({
      params: new Float32Array(model.paramBlockLength),
      state: optimizer.state.map((r) => new Float32Array(r.length)),
    });
    this.snaps = enabled ? [snapshot(), snapshot()] : null;
  }

  /** Keeps the params and optimizer state as they are before the update of (epoch, batch). */
  beforeUpdate(epoch: number, batch: number): void {
    if (this.snaps === null) return;
    this.at ^= 1;
    const s = this.snaps[this.at];
    s.params.set(this.model.view(this.model.paramsRegion));
    this.optimizer.state.forEach((r, i) => s.state[i]!.set(this.model.view(r)));
    this.last.step = this.optimizer.steps;
    this.last.epoch = epoch;
    this.last.batch = batch;
  }

  /** Throws (after putting back the weights from before the last update) when a weight is not finite. */
  checkWeights(): void {
    if (this.snaps === null || this.last.step < 0) return;
    const w = this.model.view(this.model.paramsRegion);
    // One multiply-add a weight: the sum is 0 unless some weight is NaN or infinite.
    let acc = 0;
    for (let i = 0; i < w.length; i++) acc += w[i]! * 0;
    if (acc === 0) return;
    const at = firstNonFinite(w);
    const bad = w[at];
    const s = this.snaps[this.at];
    this.model.view(this.model.paramsRegion).set(s.params);
    this.optimizer.state.forEach((r, i) => this.model.view(r).set(s.state[i]!));
    const { step, epoch, batch } = this.last;
    throw diverged(step, epoch, batch, 'weight', `the update made a weight ${bad}`, paramName(this.model, at));
  }
}

/** Scales the gradient to norm `clip` when it is longer; throws when it is not finite. */
export function clipGradients(model: Sequential, clip: number, step: number, epoch: number, batch: number): void {
  const grads = model.view(model.gradsRegion);
  let sq = 0;
  for (let i = 0; i < grads.length; i++) sq += grads[i]! * grads[i]!;
  if (!Number.isFinite(sq)) {
    const at = firstNonFinite(grads);
    throw diverged(step, epoch, batch, 'gradient', `the gradient is not finite (${grads[at]})`, paramName(model, at));
  }
  if (sq > clip * clip) {
    const scale = clip / Math.sqrt(sq);
    for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * scale;
  }
}

/** "layer conv2 (conv2d), weight" for an index into the params or grads block. */
export function paramName(model: Sequential, at: number): string {
  let name = 'unknown layer';
  model.layers.forEach((l, i) => {
    l.params().forEach((p, j) => {
      if (model.paramOffsets[i]![j]! <= at) name = `layer ${l.name} (${l.type}), ${p.name}`;
    });
  });
  return name;
}

export function diverged(step: number, epoch: number, batch: number, quantity: 'loss' | 'gradient' | 'weight',
  what: string, layer: string): TrainingDivergedError {
  return new TrainingDivergedError(
    `training diverged at step ${step + 1} (epoch ${epoch + 1}, batch ${batch + 1}): ${what} in ${layer}; ` +
      'the model keeps the weights of the last good step; lower the learning rate or set clipGradNorm',
    { step, epoch, batch, layer, quantity });
}
