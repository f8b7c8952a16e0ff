/**
 * Training callbacks, as Keras and TF.js have them: hooks at the start and end of training, of each epoch
 * and of each batch, every one awaited when it returns a promise, and two built-ins, `earlyStopping` and
 * `reduceLrOnPlateau`. A hook receives what happened and a TrainingControl to stop the run, scale the
 * learning rate or read and set the weights.
 *
 * The loop (fit.ts) calls hooks through `callHooks`, which stays synchronous while no hook returns a promise,
 * so a run without async callbacks keeps its step-to-step speed.
 */
import { InvalidArgumentError } from '../errors.js';

/** One batch, after its optimizer step. */
export interface BatchInfo {
  /** 0-based epoch (counted over every fit call of the model). */
  epoch: number;
  /** 0-based index of the batch within its epoch. */
  batch: number;
  /** Batches per epoch (the last one may be smaller than the batch size). */
  batches: number;
  /** Mean loss of this batch. */
  loss: number;
  /** Learning rate of this step. */
  lr: number;
}

/** The log of one epoch (Keras' `logs`): training and validation metrics, learning rate and time. */
export interface EpochResult {
  /** 0-based epoch (counted over every fit call of the model). */
  epoch: number;
  /** Mean training loss over the epoch's samples. */
  loss: number;
  /** Share of the epoch's training samples classified right while training, 0 to 1. */
  accuracy: number;
  /** Mean loss on the validation data; only with `validation` or `validationSplit`. */
  valLoss?: number;
  /** Accuracy on the validation data, 0 to 1; only with `validation` or `validationSplit`. */
  valAccuracy?: number;
  /** The learning rate the epoch trained at (the schedule's, times `TrainingControl.lrScale`). */
  lr: number;
  /** Wall-clock time of the epoch's training, in seconds (validation excluded). */
  seconds: number;
  /** Training throughput of the epoch, samples per second. */
  samplesPerSecond: number;
}

/** Why training stopped: every epoch ran, an earlyStopping callback ended it, the signal aborted it, or another callback called `stop()`. */
export type StopReason = 'completed' | 'earlyStopping' | 'aborted' | 'callback';

/** What `fit` resolves with: one EpochResult per epoch run, the same numbers as series, and why it stopped. */
export interface History {
  /** One log per epoch run, in order. */
  epochs: EpochResult[];
  /** Training loss per epoch, for plotting. */
  loss: number[];
  /** Training accuracy per epoch, 0 to 1. */
  accuracy: number[];
  /** Validation loss per epoch (empty without validation). */
  valLoss: number[];
  /** Validation accuracy per epoch, 0 to 1 (empty without validation). */
  valAccuracy: number[];
  /** Why the run ended (see StopReason). */
  stopReason: StopReason;
  /** True when the signal stopped training early (the model holds the weights of the last full batch). */
  aborted: boolean;
  /** Threads the run trained on: `threads` of fit, or 1 when it fell back (with a notice) or was not asked. */
  threads: number;
}

/** What `onTrainBegin` learns about the run. */
export interface TrainBeginInfo {
  /** Epochs asked for, and the (0-based) first of them. */
  epochs: number;
  /** The 0-based epoch the run starts at (epochs already trained by earlier fit calls). */
  initialEpoch: number;
  /** Samples per batch. */
  batchSize: number;
  /** Batches per epoch. */
  batches: number;
  /** Training samples (after `validationSplit`) and validation samples (0 without validation). */
  samples: number;
  /** Validation samples (0 without validation). */
  validationSamples: number;
}

/** What `onEpochBegin` learns about the epoch about to run. */
export interface EpochBeginInfo {
  /** 0-based epoch (counted over every fit call of the model). */
  epoch: number;
  /** The learning rate this epoch trains at. */
  lr: number;
  /** Batches in the epoch. */
  batches: number;
}

/** What `onBatchBegin` learns about the batch about to run. */
export interface BatchBeginInfo {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based index of the batch within its epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Samples in this batch (the last batch of an epoch may be smaller). */
  size: number;
}

/** How a callback steers the run. */
export interface TrainingControl {
  /**
   * Ends training: called from `onEpochEnd`, after this epoch; from a batch hook, after this batch (the
   * unfinished epoch is then not in the history). `history.stopReason` becomes `reason`.
   */
  stop(reason?: 'earlyStopping' | 'callback'): void;
  /** True once `stop()` was called. */
  readonly stopRequested: boolean;
  /** Multiplies the schedule's learning rate from the next epoch on (default 1; reduceLrOnPlateau lowers it). */
  lrScale: number;
  /** A copy of every parameter of the model being trained. */
  getWeights(): Float32Array;
  /** Replaces every parameter of the model (as many values as `getWeights()` returns). */
  setWeights(values: ArrayLike<number>): void;
}

/** A hook; what it returns is ignored unless it is a promise, which is awaited. */
type Hook<T> = (value: T, control: TrainingControl) => unknown;

/**
 * Hooks into `fit`, Keras-style; implement any of them. A hook that returns a promise is awaited before
 * training goes on. `onTrainEnd` runs also when the run stops early or is aborted, not when it throws.
 */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?: Hook<TrainBeginInfo>;
  /** After the last epoch (also when stopped early or aborted), with the history. */
  onTrainEnd?: Hook<History>;
  /** Before each epoch. */
  onEpochBegin?: Hook<EpochBeginInfo>;
  /** After each epoch and its validation, with the epoch's log. */
  onEpochEnd?: Hook<EpochResult>;
  /** Before each batch. */
  onBatchBegin?: Hook<BatchBeginInfo>;
  /** After each batch's optimizer step. */
  onBatchEnd?: Hook<BatchInfo>;
}

export type HookName = keyof Callback;

/**
 * Calls `hook` of every callback in order; returns a promise only when one of them returned one (the rest
 * then run after it settles), so the caller awaits only then.
 */
export function callHooks<K extends HookName>(list: readonly Callback[], hook: K,
  value: Parameters<NonNullable<Callback[K]>>[0], control: TrainingControl): Promise<void> | undefined {
  for (let i = 0; i < list.length; i++) {
    const fn = list[i]![hook] as Hook<typeof value> | undefined;
    if (fn === undefined) continue;
    const r = fn.call(list[i], value, control);
    if (r !== undefined && r !== null && typeof (r as Promise<void>).then === 'function') {
      return (async () => {
        await r;
        for (let j = i + 1; j < list.length; j++) {
          const next = list[j]![hook] as Hook<typeof value> | undefined;
          if (next !== undefined) await next.call(list[j], value, control);
        }
      })();
    }
  }
  return undefined;
}

/** A metric of the epoch log that callbacks can watch. */
export type Monitor = 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy';

const MONITORS: readonly Monitor[] = ['loss', 'accuracy', 'valLoss', 'valAccuracy'];

/** Tracks the best value of a monitored metric: lower is better for losses, higher for accuracies. */
class Watch {
  readonly sign: 1 | -1;
  best = Infinity;
  constructor(readonly what: string, readonly monitor: Monitor, readonly minDelta: number) {
    if (!MONITORS.includes(monitor)) {
      throw new InvalidArgumentError(`${what}: monitor must be one of ${MONITORS.join(', ')}, got ${String(monitor)}`);
    }
    if (!(typeof minDelta === 'number' && minDelta >= 0 && Number.isFinite(minDelta))) {
      throw new InvalidArgumentError(`${what}: minDelta must be a finite number >= 0, got ${String(minDelta)}`);
    }
    this.sign = monitor.endsWith('ccuracy') ? -1 : 1;
  }

  reset(info: TrainBeginInfo): void {
    this.best = Infinity;
    if (this.monitor.startsWith('val') && info.validationSamples === 0) {
      throw new InvalidArgumentError(`${this.what}: monitor '${this.monitor}' needs validation data; pass validation or validationSplit ` +
        "to fit, or monitor 'loss'");
    }
  }

  /** True when the epoch improved on the best by more than minDelta (and records it). */
  improved(log: EpochResult): boolean {
    const v = log[this.monitor];
    if (v === undefined || Number.isNaN(v)) return false;
    const score = this.sign * v;
    if (score < this.best - this.minDelta) {
      this.best = score;
      return true;
    }
    return false;
  }
}

function checkCount(what: string, name: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(`${what}: ${name} must be an integer >= 0, got ${String(v)}`);
}

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /** The metric to watch (default 'valLoss'); losses must fall, accuracies rise. */
  monitor?: Monitor;
  /** Epochs without improvement before stopping (default 0: stop at the first epoch that does not improve). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /**
   * When training ends (stopped or not), put back the weights of the best epoch (default false: keep the
   * last). The optimizer state is not rewound.
   */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when `monitor` has not improved for `patience` epochs (Keras' EarlyStopping); the
 * history then says `stopReason: 'earlyStopping'`. One callback object can serve several fit calls: it
 * starts afresh at each.
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback {
  const what = 'earlyStopping';
  const watch = new Watch(what, opts.monitor ?? 'valLoss', opts.minDelta ?? 0);
  const patience = opts.patience ?? 0;
  checkCount(what, 'patience', patience);
  const restore = opts.restoreBestWeights ?? false;
  let wait = 0;
  let best: Float32Array | null = null;
  let bestIsLast = true;
  return {
    onTrainBegin(info) {
      watch.reset(info);
      wait = 0;
      best = null;
      bestIsLast = true;
    },
    onEpochEnd(log, control) {
      if (watch.improved(log)) {
        wait = 0;
        bestIsLast = true;
        if (restore) best = control.getWeights();
        return;
      }
      bestIsLast = false;
      wait++;
      if (wait > patience) control.stop('earlyStopping');
    },
    onTrainEnd(_history, control) {
      if (restore && best !== null && !bestIsLast) control.setWeights(best);
    },
  };
}

/** Options of `reduceLrOnPlateau`. */
export interface ReduceLrOnPlateauOptions {
  /** The metric to watch (default 'valLoss'). */
  monitor?: Monitor;
  /** The learning rate is multiplied by this on a plateau (default 0.1; in (0, 1)). */
  factor?: number;
  /** Epochs without improvement before lowering the rate (default 10). */
  patience?: number;
  /** The least change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before watching again (default 0). */
  cooldown?: number;
  /** The rate never goes below this (default 0). */
  minLr?: number;
}

/**
 * Lowers the learning rate by `factor` when `monitor` has not improved for `patience` epochs (Keras'
 * ReduceLROnPlateau). It scales whatever the schedule gives (TrainingControl.lrScale), from the next
 * epoch on, never below `minLr`; the epoch log's `lr` shows the rate used.
 */
export function reduceLrOnPlateau(opts: ReduceLrOnPlateauOptions = {}): Callback {
  const what = 'reduceLrOnPlateau';
  const watch = new Watch(what, opts.monitor ?? 'valLoss', opts.minDelta ?? 1e-4);
  const factor = opts.factor ?? 0.1;
  if (!(typeof factor === 'number' && factor > 0 && factor < 1)) {
    throw new InvalidArgumentError(`${what}: factor must be a number in (0, 1), got ${String(factor)}`);
  }
  const patience = opts.patience ?? 10;
  const cooldown = opts.cooldown ?? 0;
  checkCount(what, 'patience', patience);
  checkCount(what, 'cooldown', cooldown);
  const minLr = opts.minLr ?? 0;
  if (!(typeof minLr === 'number' && minLr >= 0 && Number.isFinite(minLr))) {
    throw new InvalidArgumentError(`${what}: minLr must be a finite number >= 0, got ${String(minLr)}`);
  }
  let wait = 0;
  let cooling = 0;
  return {
    onTrainBegin(info) {
      watch.reset(info);
      wait = 0;
      cooling = 0;
    },
    onEpochEnd(log, control) {
      if (cooling > 0) cooling--;
      if (watch.improved(log)) {
        wait = 0;
        return;
      }
      if (cooling > 0) return;
      wait++;
      if (wait <= patience || log.lr <= minLr) return;
      // log.lr = schedule * lrScale: the new rate is factor times it, but at least minLr.
      const base = log.lr / control.lrScale;
      if (base > 0) control.lrScale = Math.max(log.lr * factor, minLr) / base;
      wait = 0;
      cooling = cooldown;
    },
  };
}
