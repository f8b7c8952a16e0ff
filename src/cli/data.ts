/**
 * `--data` for the CLI: `mnist` / `fashion-mnist` (cache, else download), `digits` (bundled with the
 * package), or a folder of IDX files named as MNIST's. With no `--data`, MNIST when it is cached or
 * downloadable, else the bundled digits with a one-line notice.
 */
import { statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { Dataset } from '../data/dataset.js';
import { DataNotFoundError, DownloadError } from '../errors.js';
import { FASHION_MNIST, MNIST, type Progress, type TrainTest } from '../data/mnist.js';
import { loadDigits, loadNode, type NodeLoadOptions } from '../data/index.node.js';
import type { Output } from './output.js';
import { UsageError } from './errors.js';

export interface LoadedData {
  /** What was loaded: 'mnist', 'fashion-mnist', 'digits' or the folder path. */
  name: string;
  train: Dataset | null;
  test: Dataset;
}

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
  return data instanceof Dataset ? { name, train: null, test: data } : { name, train: data.train, test: data.test };
}

/** Loads what `--data` names. `testOnly`: only the test split is needed (eval). */
export async function loadData(choice: string | undefined, out: Output, testOnly = false): Promise<LoadedData> {
  const options: NodeLoadOptions = testOnly ? { split: 'test' } : {};
  if (choice === 'digits') {
    const { train, test } = await digitsSplit();
    return { name: 'digits', train: testOnly ? null : train, test };
  }
  if (choice === 'mnist' || choice === 'fashion-mnist' || choice === undefined) {
    const progress = downloadProgress(out);
    try {
      const spec = choice === 'fashion-mnist' ? FASHION_MNIST : MNIST;
      const data = await loadNode(spec, { ...options, onProgress: progress.onProgress });
      progress.stop();
      return named(choice ?? 'mnist', data);
    } catch (err) {
      progress.stop();
      if (choice === undefined && (err instanceof DownloadError || err instanceof DataNotFoundError)) {
        const reason = err instanceof DownloadError && err.unreachable
          ? 'no mirror could be reached'
          : (err as Error).message.split('\n')[0]!.replace(/:$/, '');
        out.notice(`lenet5: MNIST is not cached and could not be downloaded (${reason}); ` +
          'using the digits bundled with the package');
        return loadData('digits', out, testOnly);
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
  return named(choice, await loadNode(MNIST, { ...options, dir: choice }));
}
