import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { ChecksumError, DataFormatError, DataNotFoundError, DownloadError, DownloadTimeoutError, InvalidArgumentError } from '../../src/errors.js';
import { writeIdx } from '../../src/data/idx.js';
import { FASHION_MNIST, loadFashionMnist as loadFashionWeb, loadMnist as loadMnistWeb, MNIST, splitValidation } from '../../src/data/mnist.js';
import type { Progress } from '../../src/data/mnist.js';
import { defaultCacheDir, loadFashionMnist, loadMnist } from '../../src/data/mnist.node.js';
import { digitsTrainTest, FASHION, MNIST_TRAIN, loadFashion, loadMnistTrain, say, skipNote, skipTag } from '../util/data.js';
import { startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const T10K = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/**
 * The t10k pair the folder and download tests work on: Fashion-MNIST's own files when the data folder has
 * them (checked against the published checksums), else the 1,000 held-out packaged digits written as t10k
 * IDX files, with their own checksums passed as `checksums` (the option for a private build).
 */
interface T10k {
  what: string;
  /** The two files as gzip, by name. */
  gz: Map<string, Uint8Array>;
  count: number;
  /** Options every download in the suite adds: none for Fashion-MNIST, the fixture's checksums otherwise. */
  opts: { checksums?: { testImages: { md5Raw: string }; testLabels: { md5Raw: string } } };
  labelsMd5: string;
}

const T10K_WHAT = FASHION.dir !== null ? "Fashion-MNIST's t10k files" : 'the held-out packaged digits as t10k files, in place of Fashion-MNIST';

async function t10k(): Promise<T10k> {
  if (FASHION.dir !== null) {
    const gz = new Map(T10K.map((f) => [f, new Uint8Array(readFileSync(join(FASHION.dir!, f)))] as const));
    return { what: T10K_WHAT, gz, count: 10000, opts: {}, labelsMd5: FASHION_MNIST.files.testLabels.md5Raw! };
  }
  const { test: d } = await digitsTrainTest();
  const images = writeIdx([d.count, d.height, d.width], d.images);
  const labels = writeIdx([d.count], d.labels);
  const gz = new Map([[T10K[0]!, new Uint8Array(gzipSync(images))], [T10K[1]!, new Uint8Array(gzipSync(labels))]]);
  const checksums = { testImages: { md5Raw: md5(images) }, testLabels: { md5Raw: md5(labels) } };
  return { what: T10K_WHAT, gz, count: d.count, opts: { checksums }, labelsMd5: md5(labels) };
}

function sameData(a: Dataset, b: Dataset): void {
  expect(a.count).toBe(b.count);
  expect(Buffer.compare(Buffer.from(a.images), Buffer.from(b.images))).toBe(0);
  expect(Buffer.compare(Buffer.from(a.labels), Buffer.from(b.labels))).toBe(0);
}

/** Runs `fn` expecting a rejection; returns the error. */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('paths and specs', () => {
  test('cache folder: LENET5_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultCacheDir({ LENET5_CACHE_DIR: '/tmp/x' })).toBe('/tmp/x');
    if (process.platform === 'linux') {
      expect(defaultCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/lenet5');
      expect(defaultCacheDir({})).toMatch(/\.cache\/lenet5$/);
    }
  });
  test('canonical mirrors and checksums', () => {
    expect(MNIST.mirrors[0]).toBe('https://storage.googleapis.com/cvdf-datasets/mnist/');
    expect(MNIST.files.trainImages.md5Gz).toBe('f68b3c2dcbeaaa9fbdd348bbdeb94873');
    expect(FASHION_MNIST.files.testLabels.md5Raw).toBe('15d484375f8d13e6eb1aabb0c3f46965');
  });
  test('no cache and download: false is a clear error that says how to use a local folder', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'lenet5-nodl-'));
    const err = await failure(loadMnist({ cacheDir, download: false }));
    expect(err).toBeInstanceOf(DataNotFoundError);
    expect(err.message).toContain('download is off');
    expect(err.message).toContain("{ dir: '/path/to/folder' }");
    await rm(cacheDir, { recursive: true, force: true });
  });
});

describe('local folders', () => {
  // One line for the file: what it skipped, and what stood in for Fashion-MNIST's t10k files.
  const notes = [
    ...(FASHION.dir === null ? [`${skipNote(FASHION, 'the full Fashion-MNIST check')}; the t10k folder and download tests use the held-out packaged digits as t10k files instead`] : []),
    ...(MNIST_TRAIN.dir === null ? [skipNote(MNIST_TRAIN, 'the MNIST training set check')] : []),
  ];
  if (notes.length > 0) say(`loader tests: ${notes.join('; ')}`);

  test.skipIf(FASHION.dir === null)(`the full Fashion-MNIST from its gzip files: 60,000 + 10,000, balanced classes${skipTag(FASHION)}`, async () => {
    const { train, test: t } = await loadFashion();
    expect([train.count, train.height, train.width]).toEqual([60000, 28, 28]);
    expect(t.count).toBe(10000);
    expect(Array.from(train.classCounts())).toEqual(new Array(10).fill(6000));
    expect(Array.from(t.classCounts())).toEqual(new Array(10).fill(1000));
    expect(train.classNames?.[9]).toBe('Ankle boot');
    expect(train.name).toBe('fashion-mnist-train');
  });

  test.skipIf(MNIST_TRAIN.dir === null)(`MNIST's training set alone (split: 'train'): 60,000 digits with the published class counts${skipTag(MNIST_TRAIN)}`, async () => {
    const train = await loadMnistTrain();
    expect([train.count, train.height, train.width]).toEqual([60000, 28, 28]);
    expect(Array.from(train.classCounts())).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(train.name).toBe('mnist-train');
    // The folder has no t10k files: asking for both splits names the missing file.
    const err = await failure(loadMnist({ dir: MNIST_TRAIN.dir!, download: false }));
    expect(err).toBeInstanceOf(DataNotFoundError);
    expect(err.message).toContain('t10k-images-idx3-ubyte');
  });

  test(`a folder with only raw t10k files (dotted names) loads with split: 'test' (${T10K_WHAT})`, async () => {
    const { gz, count } = await t10k();
    const dir = await mkdtemp(join(tmpdir(), 'lenet5-dir-'));
    await writeFile(join(dir, 't10k-images.idx3-ubyte'), gunzipSync(gz.get(T10K[0]!)!));
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), gunzipSync(gz.get(T10K[1]!)!));
    const t = await loadFashionMnist({ dir, split: 'test' });
    expect(t.count).toBe(count);
    const err = await failure(loadFashionMnist({ dir }));
    expect(err).toBeInstanceOf(DataNotFoundError);
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(err.message).toContain("split: 'test'");
    // Images and labels that disagree in count are refused, naming both files.
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), writeIdx([count - 1], new Uint8Array(count - 1)));
    const mismatch = await failure(loadFashionMnist({ dir, split: 'test' }));
    expect(mismatch).toBeInstanceOf(DataFormatError);
    expect(mismatch.message).toMatch(new RegExp(`t10k-images\\.idx3-ubyte holds ${count} images but .*t10k-labels-idx1-ubyte holds ${count - 1} labels`));
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing folder says so', async () => {
    const err = await failure(loadMnist({ dir: '/nonexistent/lenet5-data', split: 'test' }));
    expect(err).toBeInstanceOf(DataNotFoundError);
    expect(err.message).toContain('/nonexistent/lenet5-data does not exist');
  });
});

describe(`downloads from a local HTTP server (serving ${T10K_WHAT})`, () => {
  let server: TestServer;
  let base: string;
  let files = new Map<string, Uint8Array>();
  let reference: Dataset;
  let fx: T10k;
  const tmps: string[] = [];
  const cache = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'lenet5-cache-'));
    tmps.push(d);
    return d;
  };

  beforeAll(async () => {
    fx = await t10k();
    files = fx.gz;
    // A structurally valid labels file with one label changed: only the checksum can tell.
    const labels = gunzipSync(files.get(T10K[1]!)!);
    labels[8 + 100] = (labels[8 + 100]! + 1) % 10; // after the 8-byte header
    const badLabels = new Uint8Array(gzipSync(labels));
    server = await startServer((req, res) => {
      const [, route, name] = (req.url ?? '').split('/') as [string, string, string];
      const body = files.get(name);
      if (!body || route === '404') {
        res.writeHead(404).end('not found');
        return;
      }
      switch (route) {
        case 'ok': {
          const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
          const from = m ? Number(m[1]) : 0;
          if (m && from >= body.length) {
            res.writeHead(416).end();
            return;
          }
          const part = body.subarray(from);
          const head: Record<string, string | number> = { 'content-length': part.length };
          if (m) head['content-range'] = `bytes ${from}-${body.length - 1}/${body.length}`;
          res.writeHead(m ? 206 : 200, head).end(part);
          return;
        }
        case 'plain': {
          const raw = gunzipSync(body);
          res.writeHead(200, { 'content-length': raw.length }).end(raw);
          return;
        }
        case 'trunc': {
          const half = body.subarray(0, body.length >> 1);
          res.writeHead(200, { 'content-length': half.length }).end(half);
          return;
        }
        case 'cut':
          res.writeHead(200, { 'content-length': body.length });
          res.write(body.subarray(0, body.length >> 1), () => res.destroy());
          return;
        case 'bad': {
          const b = name === T10K[1] ? badLabels : body;
          res.writeHead(200, { 'content-length': b.length }).end(b);
          return;
        }
        case 'stall':
          res.writeHead(200, { 'content-length': body.length });
          res.write(body.subarray(0, 1000)); // then nothing, ever
          return;
        default:
          res.writeHead(404).end();
      }
    });
    base = server.url;
    // The reference: the same two files read from a folder, no download involved.
    const refDir = await cache();
    for (const [f, b] of files) await writeFile(join(refDir, f), b);
    reference = await loadFashionMnist({ dir: refDir, split: 'test', download: false });
    expect(reference.count).toBe(fx.count);
  });

  afterAll(async () => {
    await server?.close();
    for (const d of tmps) await rm(d, { recursive: true, force: true });
  });

  test('downloads into the cache with progress, verifies, then loads from the cache offline', async () => {
    const cacheDir = await cache();
    const events: Progress[] = [];
    const t = await loadFashionMnist({ ...fx.opts, baseUrl: `${base}/ok/`, cacheDir, split: 'test', onProgress: (p) => events.push(p) });
    sameData(t, reference);
    expect(new Set(events.map((e) => e.file))).toEqual(new Set(T10K));
    const last = events.filter((e) => e.file === T10K[0]).at(-1)!;
    expect(last.loaded).toBe(files.get(T10K[0]!)!.length);
    expect(last.total).toBe(last.loaded);
    expect((await readdir(join(cacheDir, 'fashion-mnist'))).sort()).toEqual([...T10K].sort());
    const before = server.requests.length;
    const again = await loadFashionMnist({ ...fx.opts, baseUrl: 'http://127.0.0.1:9/', cacheDir, split: 'test', download: false });
    sameData(again, reference);
    expect(server.requests.length).toBe(before);
  });

  test('mirrors are tried in turn (404 first, then a good one)', async () => {
    const cacheDir = await cache();
    const t = await loadFashionMnist({ ...fx.opts, mirrors: [`${base}/404/`, `${base}/ok`], cacheDir, split: 'test' });
    sameData(t, reference);
    expect(server.requests.some((r) => r.url === `/404/${T10K[0]}`)).toBe(true);
  });

  test('the browser path (fetch + DecompressionStream + JS MD5) gives the same data in Node', async () => {
    sameData(await loadFashionWeb({ ...fx.opts, baseUrl: `${base}/ok/`, split: 'test' }), reference);
    // A server that sends the files uncompressed is fine too: Fashion-MNIST is checked on raw bytes.
    sameData(await loadFashionWeb({ ...fx.opts, baseUrl: `${base}/plain/`, split: 'test' }), reference);
    const err = await failure(loadFashionWeb({ ...fx.opts, baseUrl: `${base}/bad/`, split: 'test' }));
    expect((err as DownloadError).cause).toBeInstanceOf(ChecksumError);
  });

  test('a 404 everywhere is a DownloadError naming the URL, with the local-folder hint; nothing cached', async () => {
    const cacheDir = await cache();
    const err = await failure(loadFashionMnist({ ...fx.opts, baseUrl: `${base}/404/`, cacheDir, split: 'test' }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain(`${base}/404/t10k-images-idx3-ubyte.gz: HTTP 404`);
    expect(err.message).toContain("{ dir: '/path/to/folder' }");
    expect(await readdir(join(cacheDir, 'fashion-mnist'))).toEqual([]);
  });

  test('a truncated file is rejected and never kept', async () => {
    const cacheDir = await cache();
    const err = await failure(loadFashionMnist({ ...fx.opts, baseUrl: `${base}/trunc/`, cacheDir, split: 'test' }));
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).cause).toBeInstanceOf(DataFormatError);
    expect(err.message).toMatch(/corrupt or truncated gzip/);
    expect(await readdir(join(cacheDir, 'fashion-mnist'))).toEqual([]);
  });

  test('a connection cut mid-body is a DownloadError', async () => {
    const cacheDir = await cache();
    const err = await failure(loadFashionMnist({ ...fx.opts, baseUrl: `${base}/cut/`, cacheDir, split: 'test', timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain(`${base}/cut/t10k-images-idx3-ubyte.gz`);
    expect(existsSync(join(cacheDir, 'fashion-mnist', T10K[0]!))).toBe(false);
  });

  test('a wrong checksum is a ChecksumError; the bad file is not kept, the good one is', async () => {
    const cacheDir = await cache();
    const err = await failure(loadFashionMnist({ ...fx.opts, baseUrl: `${base}/bad/`, cacheDir, split: 'test' }));
    const cause = (err as DownloadError).cause as ChecksumError;
    expect(cause).toBeInstanceOf(ChecksumError);
    expect(cause.expected).toBe(fx.labelsMd5);
    expect(err.message).toMatch(new RegExp(`uncompressed MD5 is [0-9a-f]{32}, expected ${fx.labelsMd5}`));
    expect(await readdir(join(cacheDir, 'fashion-mnist'))).toEqual([T10K[0]]);
    // verify: false accepts it (for custom builds), and says nothing.
    const t = await loadFashionMnist({ ...fx.opts, baseUrl: `${base}/bad/`, cacheDir, split: 'test', verify: false });
    expect(t.label(100)).not.toBe(reference.label(100));
  });

  test('a stalled response times out instead of hanging', async () => {
    const cacheDir = await cache();
    const t0 = Date.now();
    const err = await failure(loadFashionMnist({ ...fx.opts, baseUrl: `${base}/stall/`, cacheDir, split: 'test', timeoutMs: 300 }));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).code).toBe('E_TIMEOUT');
    expect((err as DownloadError).cause).toBeInstanceOf(DownloadTimeoutError);
    expect(err.message).toMatch(/no data for 300 ms after 1000 bytes/);
    expect(err.message).not.toContain('offline');
    expect(existsSync(join(cacheDir, 'fashion-mnist', T10K[0]!))).toBe(false);
  });

  test('an AbortSignal cancels a download at once, with its own reason', async () => {
    const cacheDir = await cache();
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('user cancelled')), 100);
    const t0 = Date.now();
    const err = await failure(loadFashionMnist({ ...fx.opts, baseUrl: `${base}/stall/`, cacheDir, split: 'test', signal: ctl.signal }));
    expect(err.message).toBe('user cancelled');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('offline (nothing listening) says so and how to use a local folder', async () => {
    const closed = await startServer(() => {});
    const url = closed.url;
    await closed.close();
    const cacheDir = await cache();
    const err = await failure(loadFashionMnist({ ...fx.opts, mirrors: [`${url}/a/`, `${url}/b/`], cacheDir, split: 'test', timeoutMs: 2000 }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toContain('this machine looks offline');
    expect(err.message).toContain("{ dir: '/path/to/folder' }");
    expect(err.message).toContain('ECONNREFUSED');
  });

  test('an interrupted download resumes with a Range request', async () => {
    const cacheDir = await cache();
    const dir = join(cacheDir, 'fashion-mnist');
    await loadFashionMnist({ ...fx.opts, baseUrl: `${base}/404/`, cacheDir, split: 'test' }).catch(() => {}); // creates the folder
    const gz = files.get(T10K[0]!)!;
    const kept = Math.min(1_000_000, gz.length >> 1);
    await writeFile(join(dir, `${T10K[0]}.part`), gz.subarray(0, kept));
    const t = await loadFashionMnist({ ...fx.opts, baseUrl: `${base}/ok/`, cacheDir, split: 'test' });
    sameData(t, reference);
    expect(server.requests.some((r) => r.url === `/ok/${T10K[0]}` && r.range === `bytes=${kept}-`)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([...T10K].sort());
  });

  test('a stale partial file that does not verify is discarded and fetched whole', async () => {
    const cacheDir = await cache();
    const dir = join(cacheDir, 'fashion-mnist');
    await loadFashionMnist({ ...fx.opts, baseUrl: `${base}/404/`, cacheDir, split: 'test' }).catch(() => {});
    await writeFile(join(dir, `${T10K[1]}.part`), new Uint8Array(100).fill(7));
    sameData(await loadFashionMnist({ ...fx.opts, baseUrl: `${base}/ok/`, cacheDir, split: 'test' }), reference);
  });

  test('a damaged cached file is reported with what to do', async () => {
    const cacheDir = await cache();
    await loadFashionMnist({ ...fx.opts, baseUrl: `${base}/ok/`, cacheDir, split: 'test' });
    const p = join(cacheDir, 'fashion-mnist', T10K[0]!);
    await writeFile(p, files.get(T10K[0]!)!.subarray(0, 5000));
    const err = await failure(loadFashionMnist({ ...fx.opts, cacheDir, split: 'test', download: false }));
    expect(err).toBeInstanceOf(DataFormatError);
    expect(err.message).toContain(`cached file ${p} is damaged: delete it`);
  });
});

/** A tiny MNIST-format training set: image i is filled with the value i, its label is i % 10. */
function tinyTrainingFiles(n: number): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * 28 * 28);
  for (let i = 0; i < n; i++) pixels.fill(i, i * 784, (i + 1) * 784);
  return {
    images: writeIdx([n, 28, 28], pixels),
    labels: writeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)),
  };
}

describe('a folder with only the two training files (synthetic IDX)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lenet5-trainonly-'));
    const { images, labels } = tinyTrainingFiles(12);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), labels); // raw: either form is accepted
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("split: 'train' loads them", async () => {
    const train = await loadMnist({ dir, split: 'train' });
    expect([train.count, train.height, train.width]).toEqual([12, 28, 28]);
  });

  test('validationSplit: the last fraction validates, in order, from the training files alone', async () => {
    const { train, validation, ...rest } = await loadMnist({ dir, validationSplit: 0.25 });
    expect(rest).toEqual({});
    expect([train.count, validation.count]).toEqual([9, 3]);
    expect(Array.from(validation.labels)).toEqual([9, 0, 1]);
    expect(validation.image(0)[0]).toBe(9);
    expect(train.image(8)[783]).toBe(8);
    // 1/6 of 12 is 2: MNIST's 10,000 of 60,000.
    expect((await loadMnist({ dir, validationSplit: 1 / 6 })).validation.count).toBe(2);
  });

  test('without a split: a clear error that names the ways to load the training files alone', async () => {
    const err = await failure(loadMnist({ dir }));
    expect(err).toBeInstanceOf(DataNotFoundError);
    expect(err.message).toContain('t10k-images-idx3-ubyte');
    expect(err.message).toContain("{ split: 'train' }");
    expect(err.message).toContain('validationSplit');
  });

  test('a validation fraction outside (0, 1), or with split, is refused', async () => {
    for (const f of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(await failure(loadMnist({ dir, validationSplit: f }))).toBeInstanceOf(InvalidArgumentError);
    }
    const both = await failure(loadMnist({ dir, split: 'train', validationSplit: 0.5 } as never));
    expect(both).toBeInstanceOf(InvalidArgumentError);
    const { images, labels } = tinyTrainingFiles(3);
    const three = await loadMnist({ dir: await (async () => {
      const d = await mkdtemp(join(tmpdir(), 'lenet5-three-'));
      await writeFile(join(d, 'train-images-idx3-ubyte'), images);
      await writeFile(join(d, 'train-labels-idx1-ubyte'), labels);
      return d;
    })(), split: 'train' });
    // 0.1 of 3 rounds to no validation sample at all.
    expect(() => splitValidation(three, 0.1)).toThrow(/at least one/);
  });

  test('the browser loader with validationSplit fetches only the two training files', async () => {
    const { images, labels } = tinyTrainingFiles(12);
    const asked: string[] = [];
    const fakeFetch = (async (url: string | URL) => {
      const u = String(url);
      asked.push(u.slice(u.lastIndexOf('/') + 1));
      if (u.endsWith('train-images-idx3-ubyte.gz')) return new Response(gzipSync(images));
      if (u.endsWith('train-labels-idx1-ubyte.gz')) return new Response(gzipSync(labels));
      return new Response('not here', { status: 404 });
    }) as typeof fetch;
    const { train, validation } = await loadMnistWeb({ baseUrl: 'http://mirror.invalid/mnist/', fetch: fakeFetch, verify: false, validationSplit: 0.5 });
    expect([train.count, validation.count]).toEqual([6, 6]);
    expect(asked).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  });
});
