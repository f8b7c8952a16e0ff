/** `lenet5 train`: trains a preset, prints progress and a per-epoch table, evaluates, saves the model. */
import { SingleBar } from 'cli-progress';
import type { BackendName } from '../../backend/backend.js';
import { LeNet5, RECIPES } from '../../models/lenet5.js';
import { saveModel } from '../../io/node.js';
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
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
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
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
  }
  if (history.aborted) out.notice('lenet5: interrupted; saving the model as it is after the last full batch');
  const val = data.validation ? net.evaluate(data.validation) : null;
  const test = data.test ? net.evaluate(data.test) : null;
  await saveModel(net, file);
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
