/**
 * Node loaders for MNIST and Fashion-MNIST: a local folder (`{ dir }`), or a download into an on-disk cache
 * from mirrors tried in turn. Downloads go to `<file>.part` and are renamed into place only after the
 * checksum passed, so an interrupted or corrupt download never leaves a file that later looks valid; a
 * leftover `.part` is resumed with an HTTP Range request (and discarded if the result does not verify).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Dataset } from './dataset.js';
import { DataFormatError, DataNotFoundError, InvalidArgumentError } from '../errors.js';
import { inflateIdx, readIdxFile } from './read.node.js';
import {
  assemble,
  checksumFor,
  FASHION_MNIST,
  filesFor,
  MNIST,
  resolveMirrors,
  splitToLoad,
  splitValidation,
  verifyChecksum,
} from './mnist.js';
import { fetchToSink, tryMirrors } from './download.js';
import type { DatasetSpec, FileKey, LoadOptions, Split, TrainTest, TrainValidation } from './mnist.js';

/**
 * Options of Node's `loadMnist`, `loadFashionMnist` and `loadNode`: those of the browser loaders, plus a local
 * folder, the cache folder and whether to download.
 */
export interface NodeLoadOptions extends LoadOptions {
  /**
   * A folder holding the files (raw or gzipped, any of the usual names); nothing is downloaded. They are
   * parsed strictly but not checked against the published checksums (they may be a custom build).
   */
  dir?: string;
  /** Cache root (default: $LENET5_CACHE_DIR, else $XDG_CACHE_HOME/lenet5, else ~/.cache/lenet5). */
  cacheDir?: string;
  /** Download missing files into the cache (default true); false fails with a clear error instead. */
  download?: boolean;
}

/** The cache root in force: option, then LENET5_CACHE_DIR, then the platform's user cache folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LENET5_CACHE_DIR) return resolve(env.LENET5_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'lenet5');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'lenet5', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'lenet5');
  return join(homedir(), '.cache', 'lenet5');
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/**
 * MNIST in Node: from `dir`, from the cache, or downloaded. With `split`, one Dataset; with
 * `validationSplit`, `{ train, validation }` from the two training files alone (a folder with only
 * `train-images-idx3-ubyte.gz` and `train-labels-idx1-ubyte.gz` is enough); else `{ train, test }`.
 *
 * @example
 * ```ts
 * import { loadMnist } from 'lenet5/node';
 *
 * // Downloaded once into the cache (~/.cache/lenet5/mnist), read from there afterwards.
 * const { train, test } = await loadMnist();
 * console.log(train.count, test.count); // 60000 10000
 * // Or from a folder holding the four IDX files (gzipped or not), without network:
 * const local = await loadMnist({ dir: 'data/mnist', download: false, split: 'train' });
 * ```
 */
export function loadMnist(options: NodeLoadOptions & { split: Split }): Promise<Dataset>;
/** MNIST from the two training files alone: `{ train, validation }`, the last `validationSplit` of them held out. */
export function loadMnist(options: NodeLoadOptions & { validationSplit: number; split?: undefined }): Promise<TrainValidation>;
/** MNIST, both splits: `{ train, test }`, from `dir`, from the cache, or downloaded into it. */
export function loadMnist(options?: NodeLoadOptions & { split?: undefined; validationSplit?: undefined }): Promise<TrainTest>;
export function loadMnist(options: NodeLoadOptions = {}): Promise<Dataset | TrainTest | TrainValidation> {
  return loadNode(MNIST, options);
}

/** Fashion-MNIST in Node, same options and result as `loadMnist`. */
export function loadFashionMnist(options: NodeLoadOptions & { split: Split }): Promise<Dataset>;
/** Fashion-MNIST from the two training files alone: `{ train, validation }`, the last `validationSplit` held out. */
export function loadFashionMnist(options: NodeLoadOptions & { validationSplit: number; split?: undefined }): Promise<TrainValidation>;
/** Fashion-MNIST, both splits: `{ train, test }`. */
export function loadFashionMnist(options?: NodeLoadOptions & { split?: undefined; validationSplit?: undefined }): Promise<TrainTest>;
export function loadFashionMnist(options: NodeLoadOptions = {}): Promise<Dataset | TrainTest | TrainValidation> {
  return loadNode(FASHION_MNIST, options);
}

/** Loads any MNIST-format dataset described by `spec` (exported for custom specs). */
export async function loadNode(spec: DatasetSpec, options: NodeLoadOptions = {}): Promise<Dataset | TrainTest | TrainValidation> {
  const split = splitToLoad(options);
  const keys = filesFor(split);
  const raw: Partial<Record<FileKey, Uint8Array>> = {};
  const names: Partial<Record<FileKey, string>> = {};
  if (options.dir !== undefined) {
    for (const key of keys) {
      const path = await findInDir(spec, key, options.dir);
      names[key] = path;
      raw[key] = inflate(await readIdxFile(path), path);
    }
  } else {
    const root = resolve(options.cacheDir ?? defaultCacheDir());
    const dir = join(root, spec.id);
    for (const key of keys) {
      const path = join(dir, `${spec.files[key].name}.gz`);
      names[key] = path;
      raw[key] = await fromCache(spec, key, path, dir, options);
    }
  }
  const data = assemble(spec, raw, (k) => names[k]!, split);
  return options.validationSplit === undefined ? data : splitValidation(data as Dataset, options.validationSplit);
}

/** Accepted file names for a key, in order: canonical, `.gz`, and the dotted variant some archives use. */
function candidates(base: string): string[] {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

/** The path of `key`'s file in `dir` under any accepted name, or null when the folder has none of them. */
export async function findDataFile(spec: DatasetSpec, key: FileKey, dir: string): Promise<string | null> {
  for (const n of candidates(spec.files[key].name)) {
    const p = join(dir, n);
    if ((await stat(p).catch(() => null))?.isFile()) return p;
  }
  return null;
}

async function findInDir(spec: DatasetSpec, key: FileKey, dir: string): Promise<string> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) {
    throw new DataNotFoundError(`${spec.title}: data folder ${dir} does not exist or is not a folder`, dir);
  }
  const names = candidates(spec.files[key].name);
  for (const n of names) {
    const p = join(dir, n);
    if ((await stat(p).catch(() => null))?.isFile()) return p;
  }
  throw new DataNotFoundError(
    `${spec.title}: ${dir} has none of ${names.join(', ')}; put the file there (raw or gzipped)` +
      (key.startsWith('train')
        ? ", or load only the test files with { split: 'test' }"
        : ", or use the training files alone: { split: 'train' }, or { validationSplit: 1 / 6 } to hold out the last " +
          'sixth of them as a validation set'),
    join(dir, names[0]!),
  );
}

function inflate(bytes: Uint8Array, name: string): Uint8Array {
  return inflateIdx(bytes, name);
}

async function fromCache(spec: DatasetSpec, key: FileKey, path: string, dir: string, options: NodeLoadOptions): Promise<Uint8Array> {
  try {
    const cached = await readIdxFile(path, { missingOk: true });
    if (cached) return inflate(cached, path);
  } catch (err) {
    if (!(err instanceof DataFormatError)) throw err;
    throw new DataFormatError(
      `${(err as Error).message}\n(cached file ${path} is damaged: delete it and it will be downloaded again)`,
      path,
      { cause: err },
    );
  }
  const file = checksumFor(spec, key, options);
  const fname = `${file.name}.gz`;
  const hint =
    `To use files you already have, pass { dir: '/path/to/folder' } (a folder with ${spec.files.trainImages.name}.gz, ` +
    `${spec.files.trainLabels.name}.gz, ${spec.files.testImages.name}.gz, ${spec.files.testLabels.name}.gz, raw or gzipped), ` +
    `or copy them into ${dir}; or give another mirror with { baseUrl }.`;
  if (options.download === false) {
    throw new DataNotFoundError(`${spec.title}: ${path} is not in the cache and download is off. ${hint}`, path);
  }
  if (options.verify !== false && !file.md5Raw && !file.md5Gz) {
    throw new InvalidArgumentError(`${spec.title}: no checksum for ${fname}; pass checksums, or verify: false`);
  }
  await mkdir(dir, { recursive: true });
  const mirrors = resolveMirrors(spec, options);
  return tryMirrors(mirrors, fname, spec.title, (url) => downloadVerified(url, path, fname, spec, file, options), hint);
}

/** Downloads `url` into `path` atomically; returns the uncompressed bytes. Retries once from zero after a bad resume. */
async function downloadVerified(
  url: string,
  path: string,
  fname: string,
  spec: DatasetSpec,
  file: ReturnType<typeof checksumFor>,
  options: NodeLoadOptions,
): Promise<Uint8Array> {
  const part = `${path}.part`;
  for (let attempt = 0; ; attempt++) {
    const resumed = await downloadPart(url, part, fname, spec, options);
    const served = await readFile(part);
    try {
      const bytes = inflate(served, url);
      if (options.verify !== false) verifyChecksum(file, served, bytes, md5, url);
      await rename(part, path);
      return bytes;
    } catch (err) {
      await rm(part, { force: true });
      if (resumed && attempt === 0) continue; // the kept part may have been stale: fetch whole once
      if (err instanceof DataFormatError) {
        throw new DataFormatError(`${err.message} (downloaded from ${url}; not kept)`, url, { cause: err });
      }
      throw err;
    }
  }
}

/** Fetches into `part`, resuming a leftover part with a Range request. Returns true when it resumed. */
async function downloadPart(url: string, part: string, fname: string, spec: DatasetSpec, options: NodeLoadOptions): Promise<boolean> {
  const have = (await stat(part).catch(() => null))?.size ?? 0;
  // Opened once the server answered with a body to write, so a 404 or a refused connection leaves no file.
  let fh: FileHandle | undefined;
  let offset = have;
  try {
    // identity: we verify the bytes as published, so no transparent re-encoding in between.
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (have > 0) headers.range = `bytes=${have}-`;
    await fetchToSink(url, (chunk) => fh!.write(chunk).then(() => {}), {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      fetch: options.fetch,
      headers,
      onResponse: async (status, h) => {
        if (have > 0 && status === 206 && (h.get('content-range') ?? '').startsWith(`bytes ${have}-`)) {
          fh = await open(part, 'a');
          return;
        }
        // A fresh download, or the server ignored the Range request (200) or sent another range: start over.
        fh = await open(part, 'w');
        offset = 0;
      },
      onProgress: (loaded, total) =>
        options.onProgress?.({
          dataset: spec.id,
          file: fname,
          url,
          loaded: offset + loaded,
          total: total === null ? null : offset + total,
        }),
    }).catch(async (err: unknown) => {
      // 416: the kept part is already whole or stale; drop it so the next attempt starts clean.
      if ((err as { status?: number }).status === 416) await rm(part, { force: true });
      throw err;
    });
    return offset > 0;
  } finally {
    await fh?.close().catch(() => {});
  }
}
