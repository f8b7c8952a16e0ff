/**
 * MNIST and Fashion-MNIST: what the files are, where they live, how they are checked, and a loader over
 * `fetch` + `DecompressionStream('gzip')` that runs the same in browsers and in Node >= 20. Node's entry
 * adds local folders, an on-disk cache and zlib (`mnist.node.ts`); both share the pieces defined here.
 */
import { Dataset } from './dataset.js';
import { ChecksumError, DataFormatError, InvalidArgumentError } from '../errors.js';
import { concat, gunzipWeb, isGzip } from './gzip.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';
import { md5Hex } from './md5.js';
import { fetchToSink, tryMirrors } from './download.js';

export { DEFAULT_TIMEOUT_MS } from './download.js';

/** The four files of an MNIST-format dataset. */
export type FileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** One file of an MNIST-format dataset: its name and published checksums. */
export interface FileSpec {
  /** Canonical file name without `.gz` (e.g. `train-images-idx3-ubyte`). */
  name: string;
  /** MD5 of the published gzip file, when the published gzip bytes are the reference. */
  md5Gz?: string;
  /** MD5 of the uncompressed IDX bytes (preferred: it survives recompression). */
  md5Raw?: string;
}

/**
 * An MNIST-format dataset: its id, title, mirrors, files and class names (`MNIST`, `FASHION_MNIST`, or your own for
 * `loadNode`).
 */
export interface DatasetSpec {
  /** Short id, also the name of its cache folder (`'mnist'`). */
  id: string;
  /** Display name (`'MNIST'`). */
  title: string;
  /** Base URLs (ending in `/`), tried in turn. */
  mirrors: readonly string[];
  /** The four files with their checksums. */
  files: Record<FileKey, FileSpec>;
  /** A name for each class index. */
  classNames: readonly string[];
}

/**
 * MNIST (LeCun, Cortes and Burges): 60,000 training and 10,000 test 28x28 handwritten digits, with its canonical
 * mirrors and checksums.
 */
export const MNIST: DatasetSpec = {
  id: 'mnist',
  title: 'MNIST',
  mirrors: ['https://storage.googleapis.com/cvdf-datasets/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/'],
  files: {
    trainImages: { name: 'train-images-idx3-ubyte', md5Gz: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    trainLabels: { name: 'train-labels-idx1-ubyte', md5Gz: 'd53e105ee54ea40749a09fcbcd1e9432' },
    testImages: { name: 't10k-images-idx3-ubyte', md5Gz: '9fb629c4189551a2d022fa330f9573f3' },
    testLabels: { name: 't10k-labels-idx1-ubyte', md5Gz: 'ec29112dd5afa0611ce80d1b7f02629c' },
  },
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
};

/**
 * Fashion-MNIST (Zalando Research, MIT). Checked on the uncompressed bytes: redistributions (Debian's
 * dataset-fashion-mnist among them) recompress the .gz files, so only the IDX payload is stable.
 */
export const FASHION_MNIST: DatasetSpec = {
  id: 'fashion-mnist',
  title: 'Fashion-MNIST',
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  files: {
    trainImages: { name: 'train-images-idx3-ubyte', md5Raw: 'f4a8712d7a061bf5bd6d2ca38dc4d50a' },
    trainLabels: { name: 'train-labels-idx1-ubyte', md5Raw: '9018921c3c673c538a1fc5bad174d6f9' },
    testImages: { name: 't10k-images-idx3-ubyte', md5Raw: '8181f5470baa50b63fa0f6fddb340f0a' },
    testLabels: { name: 't10k-labels-idx1-ubyte', md5Raw: '15d484375f8d13e6eb1aabb0c3f46965' },
  },
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** One split of a dataset: `'train'` (60,000 images for MNIST) or `'test'` (10,000). */
export type Split = 'train' | 'test';

/** Download progress, passed to `LoadOptions.onProgress` as bytes arrive. */
export interface Progress {
  /** The dataset's id (`'mnist'`). */
  dataset: string;
  /** File name being fetched (e.g. `t10k-images-idx3-ubyte.gz`). */
  file: string;
  /** The URL being fetched. */
  url: string;
  /** Bytes received so far (including a resumed part). */
  loaded: number;
  /** Expected size from Content-Length, or null when the server does not say. */
  total: number | null;
}

/**
 * Options of `loadMnist` and `loadFashionMnist`: where to fetch from, checks, timeout, progress and cancellation.
 */
export interface LoadOptions {
  /** One base URL to fetch from (overrides `mirrors`). */
  baseUrl?: string | URL;
  /** Base URLs tried in turn (default: the dataset's canonical mirrors). */
  mirrors?: readonly (string | URL)[];
  /** Give up on a connection or response that delivers nothing for this long (default 30 s). */
  timeoutMs?: number;
  /** Called as bytes arrive, for a progress bar. */
  onProgress?: (p: Progress) => void;
  /** Only one split: then the result is that Dataset, and only its two files are needed. */
  split?: Split;
  /**
   * Hold out the last `validationSplit` (a fraction strictly between 0 and 1) of the training set as a validation set:
   * the result is `{ train, validation }` and only the two training files are needed (the test files are
   * neither fetched nor read). MNIST's last 10,000 training digits: `validationSplit: 1 / 6`.
   */
  validationSplit?: number;
  /** Check downloads against the published checksums (default true). */
  verify?: boolean;
  /** Replace the checksums (e.g. for a private mirror of a different build). */
  checksums?: Partial<Record<FileKey, { md5Gz?: string; md5Raw?: string }>>;
  /** Aborts the downloads (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** Both splits of a dataset. */
export interface TrainTest {
  /** The training split (60,000 images for MNIST). */
  train: Dataset;
  /** The test split (10,000 images for MNIST). */
  test: Dataset;
}

/** The training set divided by `validationSplit`: the first samples train, the last ones validate. */
export interface TrainValidation {
  /** The training samples, without the held-out ones. */
  train: Dataset;
  /** The held-out last share of the training files. */
  validation: Dataset;
}


/** Checks a validation fraction: a number with 0 < F < 1. */
export function checkValidationSplit(fraction: unknown, what = 'validationSplit'): number {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction <= 0 || fraction >= 1) {
    throw new InvalidArgumentError(`${what} must be a fraction between 0 and 1 (exclusive), e.g. 0.1 or 1/6; got ${String(fraction)}`);
  }
  return fraction;
}

/**
 * The last `fraction` of `data` (rounded to whole samples) as validation, the rest as train; both are views
 * of the same memory, in the original order (no shuffle: MNIST's last 10,000 training digits are the
 * usual validation set, `fraction` 1/6).
 */
export function splitValidation(data: Dataset, fraction: number): TrainValidation {
  checkValidationSplit(fraction);
  const nVal = Math.round(data.count * fraction);
  if (nVal < 1 || nVal >= data.count) {
    throw new InvalidArgumentError(`validationSplit ${fraction} of ${data.count} samples leaves ${nVal} for validation and ` +
      `${data.count - nVal} for training; both need at least one`);
  }
  return { train: data.subset(0, data.count - nVal), validation: data.subset(data.count - nVal, data.count) };
}

/** The split to load for the options (`validationSplit` needs the training files only). */
export function splitToLoad(options: Pick<LoadOptions, 'split' | 'validationSplit'>): Split | undefined {
  if (options.validationSplit === undefined) return options.split;
  checkValidationSplit(options.validationSplit);
  if (options.split !== undefined) {
    throw new InvalidArgumentError("pass split or validationSplit, not both (validationSplit divides the training set)");
  }
  return 'train';
}

/** The keys a split needs. */
export function filesFor(split: Split | undefined): FileKey[] {
  if (split === 'train') return ['trainImages', 'trainLabels'];
  if (split === 'test') return ['testImages', 'testLabels'];
  if (split !== undefined) throw new InvalidArgumentError(`split must be 'train' or 'test' (or omitted for both), got ${String(split)}`);
  return ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
}

/** Mirror base URLs from the options, each ending in `/`. */
export function resolveMirrors(spec: DatasetSpec, options: Pick<LoadOptions, 'baseUrl' | 'mirrors'>): string[] {
  const list = options.baseUrl !== undefined ? [options.baseUrl] : (options.mirrors ?? spec.mirrors);
  if (list.length === 0) throw new InvalidArgumentError(`${spec.title}: mirrors is empty; give at least one base URL`);
  return list.map((u) => {
    const s = String(u);
    return s.endsWith('/') ? s : `${s}/`;
  });
}

/** The checksums in force for a file. */
export function checksumFor(spec: DatasetSpec, key: FileKey, options: Pick<LoadOptions, 'checksums'>): FileSpec {
  const over = options.checksums?.[key];
  return over ? { name: spec.files[key].name, ...over } : spec.files[key];
}

/**
 * Checks a downloaded file: the raw MD5 when known (survives recompression), else the gzip MD5 on the bytes
 * as served. `md5` is injected so Node can use node:crypto.
 */
export function verifyChecksum(
  file: FileSpec,
  served: Uint8Array,
  raw: Uint8Array,
  md5: (b: Uint8Array) => string,
  url: string,
): void {
  let expected: string;
  let actual: string;
  let what: string;
  if (file.md5Raw) {
    expected = file.md5Raw.toLowerCase();
    actual = md5(raw);
    what = 'uncompressed';
  } else if (file.md5Gz) {
    if (!isGzip(served)) {
      throw new ChecksumError(
        `${url}: the server sent the file uncompressed, so it cannot be checked against the published gzip MD5; ` +
          'use another mirror, or pass verify: false if you trust this one',
        url,
        file.md5Gz,
        'n/a',
      );
    }
    expected = file.md5Gz.toLowerCase();
    actual = md5(served);
    what = 'gzip';
  } else {
    return;
  }
  if (actual !== expected) {
    throw new ChecksumError(
      `${url}: ${what} MD5 is ${actual}, expected ${expected}: the download is corrupt or the mirror serves a different ` +
        'file; it was not kept. Try again, use another mirror, or pass checksums/verify: false for a custom build',
      url,
      expected,
      actual,
    );
  }
}

/** Builds a Dataset from an images and a labels IDX file (uncompressed), checking they agree. */
export function datasetFromIdx(
  imagesRaw: Uint8Array,
  labelsRaw: Uint8Array,
  names: { images: string; labels: string; dataset: string },
  classNames?: readonly string[],
): Dataset {
  const images = parseIdxImages(imagesRaw, { name: names.images });
  const labels = parseIdxLabels(labelsRaw, { name: names.labels, numClasses: classNames?.length ?? 10 });
  if (images.count !== labels.length) {
    throw new DataFormatError(
      `${names.images} holds ${images.count} images but ${names.labels} holds ${labels.length} labels; ` +
        'the two files are from different sets or one is damaged',
      names.images,
    );
  }
  return new Dataset({
    images: images.pixels,
    labels,
    height: images.height,
    width: images.width,
    numClasses: classNames?.length ?? 10,
    classNames,
    name: names.dataset,
  });
}

function gzName(spec: FileSpec): string {
  return `${spec.name}.gz`;
}

/** Browser (and Node-without-disk) loader: fetch each file, inflate, verify, parse. No caching beyond HTTP's. */
export async function loadFromWeb(spec: DatasetSpec, options: LoadOptions = {}): Promise<Dataset | TrainTest | TrainValidation> {
  const mirrors = resolveMirrors(spec, options);
  const split = splitToLoad(options);
  const keys = filesFor(split);
  const raw: Partial<Record<FileKey, Uint8Array>> = {};
  for (const key of keys) {
    const file = checksumFor(spec, key, options);
    const fname = gzName(file);
    raw[key] = await tryMirrors(
      mirrors,
      fname,
      spec.title,
      async (url) => {
        const chunks: Uint8Array[] = [];
        await fetchToSink(url, (c) => void chunks.push(c), {
          timeoutMs: options.timeoutMs,
          signal: options.signal,
          fetch: options.fetch,
          onProgress: (loaded, total) => options.onProgress?.({ dataset: spec.id, file: fname, url, loaded, total }),
        });
        const served = concat(chunks);
        const bytes = isGzip(served) ? await gunzipWeb(served, url) : served;
        if (options.verify !== false) verifyChecksum(file, served, bytes, md5Hex, url);
        return bytes;
      },
      'Check the network (in a browser, a mirror that sends no CORS headers fails the same way), or pass ' +
        '{ baseUrl } pointing at a server that has the four files, e.g. your own site.',
    );
  }
  const data = assemble(spec, raw, (k) => new URL(gzName(spec.files[k]), mirrors[0]).href, split);
  return options.validationSplit === undefined ? data : splitValidation(data as Dataset, options.validationSplit);
}

/** Parses the fetched files into the result shape (one Dataset for a split, else train and test). */
export function assemble(
  spec: DatasetSpec,
  raw: Partial<Record<FileKey, Uint8Array>>,
  nameOf: (k: FileKey) => string,
  split: Split | undefined,
): Dataset | TrainTest {
  const make = (s: Split): Dataset =>
    datasetFromIdx(
      raw[`${s}Images`]!,
      raw[`${s}Labels`]!,
      { images: nameOf(`${s}Images`), labels: nameOf(`${s}Labels`), dataset: `${spec.id}-${s}` },
      spec.classNames,
    );
  if (split) return make(split);
  return { train: make('train'), test: make('test') };
}

/**
 * MNIST over fetch (browsers). With `split`, one Dataset; with `validationSplit`, `{ train, validation }`
 * from the training files alone; else `{ train, test }`.
 *
 * @example
 * ```ts
 * import { loadMnist } from 'lenet5';
 *
 * const test = await loadMnist({ split: 'test', onProgress: (p) => console.log(p.file, p.loaded, p.total) });
 * console.log(test.count, test.label(0)); // 10000 7
 * ```
 */
export function loadMnist(options: LoadOptions & { split: Split }): Promise<Dataset>;
/** MNIST from the two training files alone: `{ train, validation }`, the last `validationSplit` of them held out. */
export function loadMnist(options: LoadOptions & { validationSplit: number; split?: undefined }): Promise<TrainValidation>;
/** MNIST, both splits: `{ train, test }`, from `dir`, from the cache, or downloaded into it. */
export function loadMnist(options?: LoadOptions & { split?: undefined; validationSplit?: undefined }): Promise<TrainTest>;
export function loadMnist(options: LoadOptions = {}): Promise<Dataset | TrainTest | TrainValidation> {
  return loadFromWeb(MNIST, options);
}

/** Fashion-MNIST over fetch (browsers); results as `loadMnist`'s. */
export function loadFashionMnist(options: LoadOptions & { split: Split }): Promise<Dataset>;
/** Fashion-MNIST from the two training files alone: `{ train, validation }`, the last `validationSplit` held out. */
export function loadFashionMnist(options: LoadOptions & { validationSplit: number; split?: undefined }): Promise<TrainValidation>;
/** Fashion-MNIST, both splits: `{ train, test }`. */
export function loadFashionMnist(options?: LoadOptions & { split?: undefined; validationSplit?: undefined }): Promise<TrainTest>;
export function loadFashionMnist(options: LoadOptions = {}): Promise<Dataset | TrainTest | TrainValidation> {
  return loadFromWeb(FASHION_MNIST, options);
}
