/**
 * Real data for the tests, resolved in one place.
 *
 * The data folder is `$LENET5_DATA_DIR` when set (a relative path counts from the repository root; the
 * folder must then exist: a wrong path fails every suite that imports this module instead of quietly
 * testing less), else `../shared/data` beside the repository when that exists, else none. Inside it:
 * `fashion-mnist/` (the four IDX gz files), `mnist-train/` (MNIST's two training files only) and
 * `digits/digits.png`. With `LENET5_REQUIRE_DATA=1` (.ci/run, when the shared folder is there) a missing
 * dataset fails the same way.
 *
 * Everything is read through the library's own loaders with a folder (`{ dir }`) and `download: false`,
 * so no test ever reaches for the network. When a dataset is absent, a suite either substitutes the
 * digits the package carries (5,000 real handwritten digits, 4,000 to train and 1,000 held out, as the
 * CLI splits them) with thresholds measured on that data, or skips what cannot be substituted; either way
 * it prints ONE line starting with `[real data]` that says which data it used, or what it skipped and why.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDigits } from '../../src/data/digits.node.js';
import { loadFashionMnist, loadMnist } from '../../src/data/mnist.node.js';
import { DIGITS_SPLIT_SEED, DIGITS_TRAIN_COUNT } from '../../src/cli/data.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const isDir = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** The data folder in force and how it was found (`dir: null` when there is none). */
export interface DataRoot {
  dir: string | null;
  /** For the `[real data]` lines: where the folder came from, or why there is none. */
  how: string;
}

export function resolveDataRoot(env: NodeJS.ProcessEnv = process.env, repo = REPO_ROOT): DataRoot {
  const set = env['LENET5_DATA_DIR'];
  if (set !== undefined && set !== '') {
    const dir = resolve(repo, set);
    if (!isDir(dir)) {
      throw new Error(`LENET5_DATA_DIR=${set} is not a folder (resolved to ${dir}): point it at the data ` +
        '(fashion-mnist/, mnist-train/, digits/) or unset it');
    }
    return { dir, how: `LENET5_DATA_DIR=${dir}` };
  }
  const shared = join(repo, '..', 'shared', 'data');
  if (isDir(shared)) return { dir: shared, how: `../shared/data (${shared})` };
  return { dir: null, how: 'LENET5_DATA_DIR unset, ../shared/data absent' };
}

export const DATA_ROOT: DataRoot = resolveDataRoot();

/** One dataset's folder, or why it is not there. */
export interface Source {
  /** The folder to pass as `{ dir }`, or null. */
  dir: string | null;
  /** `found in ...` or `not found (...)`, for the `[real data]` line. */
  said: string;
  /** Its folder's name inside the data folder. */
  sub: string;
}

/** LENET5_REQUIRE_DATA=1 (set by .ci/run with the shared folder): a missing dataset is an error, not a substitution. */
const REQUIRED = process.env['LENET5_REQUIRE_DATA'] === '1';

function source(title: string, sub: string): Source {
  const missing = DATA_ROOT.dir === null ? `${title} not found (${DATA_ROOT.how})`
    : !isDir(join(DATA_ROOT.dir, sub)) ? `${title} not found (no ${sub}/ in ${DATA_ROOT.how})`
    : null;
  if (missing === null) return { dir: join(DATA_ROOT.dir!, sub), said: `${title} from ${join(DATA_ROOT.dir!, sub)} (${DATA_ROOT.how.split(' ')[0]})`, sub };
  if (REQUIRED) throw new Error(`LENET5_REQUIRE_DATA=1: ${missing}`);
  return { dir: null, said: missing, sub };
}

/** Fashion-MNIST's folder (60,000 + 10,000); an incomplete folder makes the loader fail, naming the file. */
export const FASHION: Source = source('Fashion-MNIST', 'fashion-mnist');
/** MNIST's training set (60,000; the t10k files are deliberately not in the shared folder). */
export const MNIST_TRAIN: Source = source('MNIST training set', 'mnist-train');
/** The digits sheet of the data folder (the package carries the same image). */
export const DIGITS_SHEET: string | null = DATA_ROOT.dir !== null && existsSync(join(DATA_ROOT.dir, 'digits', 'digits.png'))
  ? join(DATA_ROOT.dir, 'digits', 'digits.png')
  : null;

/** Prints the one line a suite owes about its data. */
export function say(line: string): void {
  console.log(`[real data] ${line}`);
}

/** What a suite skips without `src`, for its `[real data]` line. */
export function skipNote(src: Source, what: string): string {
  return `skipped ${what}: ${src.said}; point LENET5_DATA_DIR at a folder with ${src.sub}/ to run it`;
}

/** For the name of a test that needs `src`: empty when it runs, else why it is skipped. */
export function skipTag(src: Source): string {
  return src.dir !== null ? '' : ` [skipped: ${src.said}; point LENET5_DATA_DIR at a folder with ${src.sub}/ to run it]`;
}

export function loadFashion(): Promise<{ train: Dataset; test: Dataset }> {
  if (FASHION.dir === null) throw new Error(`loadFashion() without data: ${FASHION.said}`);
  return loadFashionMnist({ dir: FASHION.dir, download: false });
}

export function loadMnistTrain(): Promise<Dataset> {
  if (MNIST_TRAIN.dir === null) throw new Error(`loadMnistTrain() without data: ${MNIST_TRAIN.said}`);
  return loadMnist({ dir: MNIST_TRAIN.dir, split: 'train', download: false });
}

/** The 5,000 digits (20x20 glyphs padded to 28x28): the data folder's sheet, else the packaged copy. */
export function loadDigitsSheet(): Promise<Dataset> {
  return DIGITS_SHEET !== null ? loadDigits({ path: DIGITS_SHEET }) : loadDigits();
}

/** The digits split as the CLI splits them: 4,000 to train, the other 1,000 held out (seeded). */
export async function digitsTrainTest(): Promise<{ train: Dataset; test: Dataset }> {
  const [train, test] = (await loadDigitsSheet()).split(DIGITS_TRAIN_COUNT, { seed: DIGITS_SPLIT_SEED });
  return { train, test };
}

export interface TrainTest {
  train: Dataset;
  test: Dataset;
  /** What the suite got: the real Fashion-MNIST, or the digits in its place. */
  source: 'fashion-mnist' | 'digits';
}

/**
 * Fashion-MNIST when the data folder has it, else the digits (4,000 train / 1,000 test). `suite` names the
 * caller in the one line this prints.
 */
export async function fashionOrDigits(suite: string): Promise<TrainTest> {
  if (FASHION.dir !== null) {
    say(`${suite}: ${FASHION.said}`);
    return { ...(await loadFashion()), source: 'fashion-mnist' };
  }
  say(`${suite}: ${FASHION.said}: used the bundled digits instead (4,000 train / 1,000 test)`);
  return { ...(await digitsTrainTest()), source: 'digits' };
}
