/**
 * Data loading figure: time to load and parse the 60,000-image training set (images + labels) from its
 * gzip files, as `loadFashionMnist({ dir, split: 'train' })` does it (read, zlib inflate, IDX parse,
 * Dataset), plus the browser path (DecompressionStream) on the same bytes for the ratio.
 *
 * Data: $LENET5_DATA_DIR/fashion-mnist, else ../shared/data/fashion-mnist, else the loader's own cache
 * (downloading once). Run: npm run bench, or on its own
 *   npx esbuild bench/data.ts --bundle --platform=node --format=esm --packages=external --outfile=.cache/bench/data.mjs && node .cache/bench/data.mjs
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipWeb } from '../src/data/gzip.js';
import { gunzipNode } from '../src/data/gzip.node.js';
import { parseIdxImages, parseIdxLabels } from '../src/data/idx.js';
import { defaultCacheDir, loadFashionMnist } from '../src/data/mnist.node.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function dataDir(): Promise<string> {
  const shared = join(process.env.LENET5_DATA_DIR ?? resolve(process.cwd(), '../shared/data'), 'fashion-mnist');
  if (existsSync(join(shared, 'train-images-idx3-ubyte.gz'))) return shared;
  console.log(`no shared data at ${shared}; using the loader's cache (downloads once)`);
  await loadFashionMnist({ split: 'train' });
  return join(defaultCacheDir(), 'fashion-mnist');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  const dir = await dataDir();
  const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'].map((f) => join(dir, f));
  const gzBytes = files.reduce((s, f) => s + readFileSync(f).length, 0);

  // End to end through the public loader (includes file reads), zlib path.
  const loaderMs: number[] = [];
  let rawBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const ds = await loadFashionMnist({ dir, split: 'train' });
    loaderMs.push(performance.now() - t0);
    rawBytes = ds.images.length + 16 + ds.labels.length + 8;
    if (ds.count !== 60000) throw new Error(`expected 60000 samples, got ${ds.count}`);
  }

  // Inflate + parse only, zlib vs DecompressionStream, on bytes already in memory.
  const gz = files.map((f) => new Uint8Array(readFileSync(f)));
  const time = async (inflate: (b: Uint8Array) => Uint8Array | Promise<Uint8Array>): Promise<number> => {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      parseIdxImages(await inflate(gz[0]!));
      parseIdxLabels(await inflate(gz[1]!));
      ms.push(performance.now() - t0);
    }
    return median(ms);
  };
  const zlibMs = await time((b) => gunzipNode(b));
  const webMs = await time((b) => gunzipWeb(b));

  const mb = (n: number): number => n / 1e6;
  const load = median(loaderMs);
  console.log(`data: Fashion-MNIST train, 60,000 images, ${mb(gzBytes).toFixed(1)} MB gzip -> ${mb(rawBytes).toFixed(1)} MB IDX; median of ${RUNS}`);
  console.log(
    `  loadFashionMnist({ dir, split: 'train' }) : ${load.toFixed(0)} ms  ` +
      `(${(mb(gzBytes) / (load / 1000)).toFixed(0)} MB/s gzip in, ${(mb(rawBytes) / (load / 1000)).toFixed(0)} MB/s IDX out)`,
  );
  console.log(`  inflate+parse, node:zlib                 : ${zlibMs.toFixed(0)} ms  (${(mb(gzBytes) / (zlibMs / 1000)).toFixed(0)} MB/s gzip in)`);
  console.log(`  inflate+parse, DecompressionStream       : ${webMs.toFixed(0)} ms  (${(mb(gzBytes) / (webMs / 1000)).toFixed(0)} MB/s gzip in)`);
  console.log(`  ratio DecompressionStream / zlib         : ${(webMs / zlibMs).toFixed(2)}x`);
}

await main();
