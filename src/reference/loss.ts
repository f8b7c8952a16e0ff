// STUB: to be replaced by the real twins.
import type { Arr } from '../backend/kernels.js';

export function softmaxCrossEntropy(dlogits: Arr, probs: Arr, logits: Arr, labels: Int32Array, N: number, C: number): number {
  throw new Error('softmaxCrossEntropy: not implemented');
}

export function mseLoss(dpred: Arr, pred: Arr, target: Arr, N: number, C: number): number {
  throw new Error('mseLoss: not implemented');
}

export function rbfPenaltyLoss(dpen: Arr, pen: Arr, labels: Int32Array, N: number, C: number): number {
  throw new Error('rbfPenaltyLoss: not implemented');
}

export function rbfMapLoss(dpen: Arr, pen: Arr, labels: Int32Array, N: number, C: number, j: number): number {
  throw new Error('rbfMapLoss: not implemented');
}
