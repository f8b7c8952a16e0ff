/** `lenet5 train`: trains a preset, prints progress and a per-epoch table, evaluates, saves the model. */
import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { BackendName } from '../../backend/backend.js';
import { LeNet5, RECIPES } from '../../models/lenet5.js';
import { saveModel } from '../../io/node.js';
import { TrainingDivergedError } from '../../errors.js';
import { adam, sdlm, sgd, type OptimizerSpec } from '../../train/optimizers.js';
import type { EpochResult } from '../../train/fit.js';
import { DEFAULT_VALIDATION_SPLIT, loadData } from '../data.js';
import { UsageError } from '../errors.js';
import { pct, table, type Output } from '../output.js';

export interface TrainOptions {
  model: 'modern' | 'classic';
  data?: string;
  epochs?: number;
  batchSize?: number;
  optimizer?: 'adam' | 'sgd' | 'sdlm';
  lr?: number;
  seed: number;
  distort?: boolean;
  backend: BackendName;
  out?: string;
  /** Data-parallel worker threads (default 1). */
  threads?: number;
  /** Hold out the last fraction of the training set as a validation set (default: none, or 1/6 without a test set). */
  validationSplit?: number;
  /** Checkpoint file, written at every epoch end and on SIGINT/SIGTERM (default: `<out>.ckpt`). */
  checkpoint?: string;
  /** Continue from the checkpoint when it exists. */
  resume?: boolean;
  /** Save the model even when training diverged (the last good weights), replacing --out. */
  force?: boolean;
}

/** Exit codes of a run stopped by a signal (128 + the signal's number), as shells report them. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** The folder of `file` must exist and be writable, and `file` must not be a folder: checked before training. */
function checkWritable(file: string, flag: string): void {
  const folder = dirname(resolve(file));
  let st;
  try {
    st = statSync(folder);
  } catch {
    throw new UsageError(`${flag} ${file}: the folder ${folder} does not exist; create it first`);
  }
  if (!st.isDirectory()) throw new UsageError(`${flag} ${file}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${file}: the folder ${folder} is not writable`);
  }
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag} ${file} is a folder; name a file`);
}

/** The command line that continues an interrupted run: the same arguments, with --resume. */
function resumeCommand(): string {
  const args = process.argv.slice(2).filter((a) => a !== '--resume');
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  return ['lenet5', ...args, '--resume'].map(quote).join(' ');
}

/** Defaults follow the presets' recipes (RECIPES): modern = Adam 1e-3, 10 epochs; classic = SDLM, 20 passes. */
function optimizerFor(o: TrainOptions): OptimizerSpec {
  if (o.optimizer === undefined && o.lr === undefined) return RECIPES[o.model].optimizer();
  const which = o.optimizer ?? (o.model === 'classic' ? 'sdlm' : 'adam');
  if (which === 'adam') return adam(o.lr === undefined ? {} : { lr: o.lr });
  if (which === 'sgd') return sgd({ lr: o.lr ?? 0.01, momentum: 0.9 });
  return sdlm(o.lr === undefined ? {} : { lr: o.lr });
}

export async function train(o: TrainOptions, out: Output): Promise<void> {
  if (o.optimizer === 'sdlm' && o.model === 'modern') {
    throw new UsageError('--optimizer sdlm needs --model classic (SDLM is the paper\'s method for the RBF network)');
  }
  const recipe = RECIPES[o.model];
  const epochs = o.epochs ?? recipe.epochs;
  // The recipe's batch (classic: online, one sample per SDLM step), or 32 when another optimizer replaces it.
  const batchSize = o.batchSize ?? (o.optimizer === undefined || o.optimizer === (o.model === 'classic' ? 'sdlm' : 'adam')
    ? recipe.batchSize : 32);
  const file = o.out ?? `lenet5-${o.model}.lenet5`;
  const ckpt = o.checkpoint ?? `${file}.ckpt`;
  // Before any data is loaded or any epoch runs: a run must not end in a file it cannot write.
  checkWritable(file, '--out');
  checkWritable(ckpt, '--checkpoint');
  if (o.resume === true && !existsSync(ckpt)) out.notice(`lenet5: no checkpoint at ${ckpt}; starting from the beginning`);
  let data = await loadData(o.data, out, false, o.validationSplit);
  if (data.test === null && data.validation === null) {
    out.notice(`lenet5: ${data.name} has no test files; holding out the last ${Math.round(data.train!.count * DEFAULT_VALIDATION_SPLIT)} ` +
      'training images as a validation set (--validation-split 1/6)');
    data = await loadData(o.data, out, false, DEFAULT_VALIDATION_SPLIT);
  }
  // Scored after every epoch and at the end: the validation set when there is one, else the test set.
  const heldOut = (data.validation ?? data.test)!;
  const trainSet = o.distort ? data.train!.withDistortion() : data.train!;
  // Lay the arena out for at most the data's size: fit() then names a --batch-size over it (exit 2).
  const capacity = Math.min(batchSize, trainSet.count);
  const net = o.model === 'classic'
    ? LeNet5.classic({ seed: o.seed, backend: o.backend, batchSize: capacity })
    : LeNet5.modern({ seed: o.seed, backend: o.backend, batchSize: capacity });
  out.info(`training ${o.model} LeNet-5 (${net.paramCount()} parameters, ${net.backend.name} backend) on ${data.name}: ` +
    `${trainSet.count} training${data.validation ? `, ${data.validation.count} validation` : ''}` +
    `${data.test ? ` and ${data.test.count} test` : ''} images, ${epochs} epochs, batch ${batchSize}` +
    `${o.distort ? ', with distortions' : ''}`);

  const short = data.validation ? 'val' : 'test';
  const header = ['epoch', 'train loss', 'train acc', `${short} loss`, `${short} acc`, 'seconds', 'samples/s'];
  const rows: (string | number)[][] = [];
  const bar = new SingleBar({
    format: 'epoch {epoch} [{bar}] {percentage}% | {speed} samples/s | loss {loss} | ETA {eta_formatted}',
    stream: process.stderr,
    hideCursor: false,
    etaBuffer: 50,
  });
  const batches = Math.ceil(trainSet.count / batchSize);
  let epochStart = performance.now();
  let samples = 0;
  let barEpoch = -1;
  const ac = new AbortController();
  let stoppedBy: keyof typeof SIGNAL_EXIT | null = null;
  const onSignal = (sig: keyof typeof SIGNAL_EXIT) => {
    stoppedBy ??= sig;
    ac.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onEpochEnd = (r: EpochResult) => {
    bar.stop();
    barEpoch = -1;
    rows.push([r.epoch + 1, r.loss.toFixed(4), pct(r.accuracy), r.valLoss?.toFixed(4) ?? '-', pct(r.valAccuracy ?? NaN),
      r.seconds.toFixed(1), Math.round(r.samplesPerSecond)]);
    const lines = table(header, rows).split('\n');
    if (rows.length === 1) out.info(`${lines[0]}\n${lines[1]}`);
    out.info(lines[lines.length - 1]!);
  };
  let history;
  try {
    history = await net.fit(trainSet, {
      epochs,
      batchSize,
      optimizer: optimizerFor(o),
      seed: o.seed,
      validation: heldOut,
      signal: ac.signal,
      checkpoint: { path: ckpt },
      resume: o.resume === true,
      ...(o.threads !== undefined ? { threads: o.threads, warn: (m: string) => out.notice(m) } : {}),
      onBatchEnd: (b) => {
        if (b.epoch !== barEpoch) {
          barEpoch = b.epoch;
          epochStart = performance.now();
          samples = 0;
          bar.start(batches, 0, { epoch: b.epoch + 1, speed: 0, loss: '-' });
        }
        samples += batchSize;
        const speed = Math.round(samples / ((performance.now() - epochStart) / 1000));
        bar.update(b.batch + 1, { epoch: b.epoch + 1, speed, loss: b.loss.toFixed(4) });
      },
      onEpochEnd,
    });
  } catch (err) {
    if (!(err instanceof TrainingDivergedError)) throw err;
    // The guard kept the last good weights; they replace --out only when asked.
    bar.stop();
    if (o.force === true) {
      await saveModel(net, file);
      out.notice(`lenet5: --force: saved the last good weights before the divergence to ${file}`);
    } else {
      out.notice(`lenet5: nothing saved; ${existsSync(file) ? `${file} is unchanged` : `${file} was not written`} ` +
        '(--force saves the last good weights); try a lower --lr');
    }
    throw err;
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (history.aborted) {
    const sig: keyof typeof SIGNAL_EXIT = stoppedBy ?? 'SIGINT';
    out.result({ model: o.model, interrupted: sig, checkpoint: ckpt, resume: resumeCommand() },
      `interrupted by ${sig}: checkpoint written to ${ckpt} (${file} not written); continue with:\n  ${resumeCommand()}`);
    process.exitCode = SIGNAL_EXIT[sig];
    return;
  }
  const val = data.validation ? net.evaluate(data.validation) : null;
  const test = data.test ? net.evaluate(data.test) : null;
  const scored = [val, test].filter((r) => r !== null);
  if (!net.getWeights().every(Number.isFinite) || scored.some((r) => !Number.isFinite(r.loss))) {
    if (o.force === true) await saveModel(net, file);
    throw new TrainingDivergedError(`training diverged: the ${scored.some((r) => !Number.isFinite(r.loss)) ? 'held-out loss' : 'weights'} ` +
      `are not finite; ${o.force === true ? `saved to ${file} anyway (--force)` : `nothing saved (${file} is unchanged; --force saves it anyway)`}; ` +
      'try a lower --lr', { step: -1, epoch: history.epochs.length - 1, batch: -1, quantity: 'loss', layer: 'the held-out evaluation' });
  }
  await saveModel(net, file);
  // The run finished: its checkpoint has nothing left to resume.
  rmSync(ckpt, { force: true });
  const trained = history.epochs;
  const seconds = trained.reduce((s, e) => s + e.seconds, 0);
  const seen = trained.reduce((s, e) => s + e.samplesPerSecond * e.seconds, 0);
  const samplesPerSec = seconds > 0 ? Math.round(seen / seconds) : 0;
  const scores = [
    ...(val ? [`validation accuracy ${pct(val.accuracy)}, validation loss ${val.loss.toFixed(4)} (${data.validation!.count} images)`] : []),
    ...(test ? [`test accuracy ${pct(test.accuracy)}, test loss ${test.loss.toFixed(4)} (${data.test!.count} images)`] : []),
  ];
  out.result(
    { model: o.model, data: data.name, epochs: trained.length,
      ...(val ? { validationAccuracy: val.accuracy, validationLoss: val.loss, validationImages: data.validation!.count } : {}),
      ...(test ? { testAccuracy: test.accuracy, testLoss: test.loss } : {}),
      samplesPerSec, out: file },
    `${scores.join('; ')}; ${samplesPerSec} samples/s; model saved to ${file}`,
  );
}
