/**
 * `--data` for the CLI: `mnist` / `fashion-mnist` (cache, else download), `digits` (bundled with the
 * package), or a folder of IDX files named as MNIST's (the two training files are enough to train: then
 * the last sixth of the training set validates). With no `--data`, MNIST when it is cached or
 * downloadable, else the bundled digits with a one-line notice. `--validation-split F` holds out the last
 * F of the training set as a validation set, with or without a test set.
 */
import { statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { Dataset } from '../data/dataset.js';
import { DataFormatError, DataNotFoundError, DownloadError } from '../errors.js';
import { FASHION_MNIST, MNIST, splitValidation, type Progress, type TrainTest } from '../data/mnist.js';
import { loadDigits, loadNode, type NodeLoadOptions } from '../data/index.node.js';
import { findDataFile } from '../data/mnist.node.js';
import type { Output } from './output.js';
import { UsageError } from './errors.js';

export interface LoadedData {
  /** What was loaded: 'mnist', 'fashion-mnist', 'digits' or the folder path. */
  name: string;
  train: Dataset | null;
  /** The test set; null for a folder that has only the training files. */
  test: Dataset | null;
  /** The last part of the training set held out by `--validation-split` (or by default, when there is no test set). */
  validation: Dataset | null;
}

/** The validation fraction used when a folder has the training files but no test files: MNIST's last 10,000 of 60,000. */
export const DEFAULT_VALIDATION_SPLIT = 1 / 6;

/** Seed of the fixed 4,000 / 1,000 split of the bundled digits (train / held-out test). */
export const DIGITS_SPLIT_SEED = 5;
export const DIGITS_TRAIN_COUNT = 4000;

/** The bundled digits split the same way everywhere (CLI, pretraining script, tests). */
export async function digitsSplit(): Promise<{ train: Dataset; test: Dataset }> {
  const all = await loadDigits();
  const [train, test] = all.split(DIGITS_TRAIN_COUNT, { seed: DIGITS_SPLIT_SEED });
  return { train, test };
}

function downloadProgress(out: Output): { onProgress: (p: Progress) => void; stop: () => void } {
  let bar: SingleBar | null = null;
  let file = '';
  return {
    onProgress(p) {
      if (p.file !== file) {
        bar?.stop();
        file = p.file;
        bar = new SingleBar({
          format: `downloading ${p.file} [{bar}] {percentage}% {value}/{total} bytes`,
          stream: process.stderr,
          hideCursor: false,
        });
        bar.start(p.total ?? 0, 0);
        if (!process.stderr.isTTY) out.notice(`downloading ${p.url}`);
      }
      if (p.total !== null && bar !== null) bar.setTotal(p.total);
      bar?.update(p.loaded);
    },
    stop: () => bar?.stop(),
  };
}

function named(name: string, data: Dataset | TrainTest): LoadedData {
  return data instanceof Dataset
    ? { name, train: null, test: data, validation: null }
    : { name, train: data.train, test: data.test, validation: null };
}

/** Divides the training set when a validation fraction is asked. */
function withValidation(data: LoadedData, validationSplit: number | undefined): LoadedData {
  if (validationSplit === undefined || data.train === null) return data;
  const { train, validation } = splitValidation(data.train, validationSplit);
  return { ...data, train, validation };
}

/**
 * Loads what `--data` names. `testOnly`: only the test split is needed (eval). `validationSplit`: hold out
 * the last fraction of the training set as `validation`.
 */
export async function loadData(choice: string | undefined, out: Output, testOnly = false, validationSplit?: number): Promise<LoadedData> {
  return withValidation(nonEmpty(await loadSource(choice, out, testOnly)), validationSplit);
}

/** A split that holds no images is a data error (exit 1), named here, not a batch size of 0 or an accuracy of 0. */
function nonEmpty(data: LoadedData): LoadedData {
  for (const [set, what, file] of [[data.train, 'training', 'train-images'], [data.test, 'test', 't10k-images']] as const) {
    if (set !== null && set.count === 0) {
      throw new DataFormatError(`${data.name}: the ${what} set holds 0 images (${file}-idx3-ubyte and its labels are empty); ` +
        `${what === 'training' ? 'nothing to train on' : 'nothing to evaluate'}: pass a folder whose ${what} files hold images`, data.name);
    }
  }
  return data;
}

async function loadSource(choice: string | undefined, out: Output, testOnly: boolean): Promise<LoadedData> {
  const options: NodeLoadOptions = testOnly ? { split: 'test' } : {};
  if (choice === 'digits') {
    const { train, test } = await digitsSplit();
    return { name: 'digits', train: testOnly ? null : train, test, validation: null };
  }
  if (choice === 'mnist' || choice === 'fashion-mnist' || choice === undefined) {
    const progress = downloadProgress(out);
    try {
      const spec = choice === 'fashion-mnist' ? FASHION_MNIST : MNIST;
      const data = await loadNode(spec, { ...options, onProgress: progress.onProgress });
      progress.stop();
      return named(choice ?? 'mnist', data as Dataset | TrainTest);
    } catch (err) {
      progress.stop();
      if (choice === undefined && (err instanceof DownloadError || err instanceof DataNotFoundError)) {
        const reason = err instanceof DownloadError && err.unreachable
          ? 'no mirror could be reached'
          : (err as Error).message.split('\n')[0]!.replace(/:$/, '');
        out.notice(`lenet5: MNIST is not cached and could not be downloaded (${reason}); ` +
          'using the digits bundled with the package');
        return loadSource('digits', out, testOnly);
      }
      throw err;
    }
  }
  let isDir = false;
  try {
    isDir = statSync(choice).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new UsageError(`--data must be mnist, fashion-mnist, digits or a folder of IDX files; '${choice}' is none of these`);
  }
  if (!testOnly) {
    const [images, labels] = await Promise.all([
      findDataFile(MNIST, 'testImages', choice),
      findDataFile(MNIST, 'testLabels', choice),
    ]);
    if (images === null && labels === null) {
      // Only the training files (e.g. the MNIST training set alone): train on them, validate on their last part.
      const train = await loadNode(MNIST, { dir: choice, split: 'train' }) as Dataset;
      return { name: choice, train, test: null, validation: null };
    }
  }
  return named(choice, await loadNode(MNIST, { ...options, dir: choice }) as Dataset | TrainTest);
}
