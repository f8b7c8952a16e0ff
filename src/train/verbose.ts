/**
 * `fit({ verbose })`: Keras-style progress in Node. 1: a progress bar per epoch (on a terminal; elsewhere,
 * as in CI logs, only the epoch lines), then one line per epoch with its log; 2: the epoch lines only.
 * Browsers print nothing. Written to stderr, as the `lenet5 train` command does, so stdout stays the
 * program's. The bar is cli-progress, loaded only here and only in Node (node-builtin.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import { isNode } from '../platform/node-builtin.js';
import { nodePackage } from '../platform/node-package.js';
import type { Callback, EpochResult } from './callbacks.js';

/** Keras' levels: 0 silent, 1 progress bar, 2 one line per epoch (`true` = 1, `false` = 0). */
export type Verbosity = 0 | 1 | 2 | boolean;

/** Where the progress goes: process.stderr, or a stand-in with the same two members. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

interface Bar {
  start(total: number, value: number, payload: Record<string, unknown>): void;
  update(value: number, payload: Record<string, unknown>): void;
  stop(): void;
}
type CliProgress = { SingleBar: new (opts: Record<string, unknown>) => Bar };

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** The line printed at the end of each epoch. */
export function epochLine(log: EpochResult, lastEpoch: number): string {
  const parts = [`epoch ${log.epoch + 1}/${lastEpoch}`, `${log.seconds.toFixed(1)}s`, `loss ${log.loss.toFixed(4)}`,
    `accuracy ${pct(log.accuracy)}`];
  if (log.valLoss !== undefined) parts.push(`valLoss ${log.valLoss.toFixed(4)}`);
  if (log.valAccuracy !== undefined) parts.push(`valAccuracy ${pct(log.valAccuracy)}`);
  parts.push(`lr ${log.lr.toPrecision(3)}`);
  return parts.join(' - ');
}

/** The callback that prints progress at `level`, or null where nothing is printed (level 0, browsers). */
export async function verboseCallback(level: Verbosity | undefined, stream?: ProgressStream):
  Promise<(Callback & { close(): void }) | null> {
  if (level === undefined || level === false || level === 0) return null;
  if (level !== true && level !== 1 && level !== 2) {
    throw new InvalidArgumentError(`fit: verbose must be 0, 1 or 2 (or a boolean), got ${String(level)}`);
  }
  const out = stream ?? (isNode() ? (globalThis as unknown as { process: { stderr: ProgressStream } }).process.stderr : null);
  if (out === null) return null;
  const bar = (level === 1 || level === true) && out.isTTY === true
    ? new (await nodePackage<CliProgress>('cli-progress')).SingleBar({
      format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | batch {value}/{total} | loss {loss} | ETA {eta_formatted}',
      stream: out,
      hideCursor: false,
      etaBuffer: 50,
      // The epoch's line replaces its finished bar.
      clearOnComplete: true,
    })
    : null;
  let last = 0;
  let running = false;
  return {
    onTrainBegin(info) {
      last = info.initialEpoch + info.epochs;
    },
    onEpochBegin(info) {
      if (bar === null) return;
      bar.start(info.batches, 0, { epoch: info.epoch + 1, epochs: last, loss: '-' });
      running = true;
    },
    onBatchEnd(b) {
      bar?.update(b.batch + 1, { epoch: b.epoch + 1, epochs: last, loss: b.loss.toFixed(4) });
    },
    onEpochEnd(log) {
      if (running) bar?.stop();
      running = false;
      out.write(`${epochLine(log, last)}\n`);
    },
    /** Stops the bar (its redraw timer would keep Node running) when fit throws. */
    close() {
      if (running) bar?.stop();
      running = false;
    },
    onTrainEnd(history) {
      if (running) bar?.stop();
      running = false;
      if (history.stopReason === 'earlyStopping') out.write('stopped early: the monitored metric stopped improving\n');
      else if (history.stopReason === 'aborted') out.write('aborted: the signal stopped training\n');
    },
  };
}
