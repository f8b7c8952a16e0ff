/**
 * `node scripts/run-ts.mjs bench/train.ts [--json] [--samples N]`: end-to-end training and inference
 * throughput of both presets on both backends, one thread, batch 32, measured in one run; the ratio
 * wasm / pure-JS is what to track (absolute numbers move with the machine).
 *
 * Training = write batch + forward + loss + backward + optimizer update (modern: Adam; classic: SDLM),
 * timed from the end of the first batch to the end of the last, so SDLM's per-pass h_kk estimate (500
 * samples, once per pass) is reported on its own line. Inference = predictBatch. Synthetic blob images,
 * so no data files are needed.
 */
import { init } from '../src/backend/load.js';
import { Dataset } from '../src/data/dataset.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { adam, sdlm } from '../src/train/optimizers.js';

const json = process.argv.includes('--json');
const at = process.argv.indexOf('--samples');
const samples = at >= 0 ? Number(process.argv[at + 1]) : 2048;
const print = (line: string): void => (json ? console.error(line) : console.log(line));

function synthetic(n: number): Dataset {
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  let s = 1;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    const cx = 8 + 12 * rnd(), cy = 8 + 12 * rnd(), r = 3 + 5 * rnd();
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      images[i * 784 + y * 28 + x] = Math.hypot(x - cx, y - cy) < r ? 255 : 0;
    }
  }
  return new Dataset({ images, labels, name: 'synthetic' });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

await init({ backend: 'wasm' });
const data = synthetic(samples);
const rows: { preset: string; backend: string; trainPerSec: number; inferPerSec: number; hkkSeconds?: number }[] = [];
print('preset    backend   train samples/s   inference images/s');
for (const preset of ['modern', 'classic'] as const) {
  for (const backend of ['wasm', 'js'] as const) {
    // The js backend is ~10-40x slower: time fewer samples so the run stays short.
    const n = backend === 'js' ? Math.max(128, samples >> 4) : samples;
    const sub = data.subset(0, n);
    const train: number[] = [];
    const infer: number[] = [];
    const estimate: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const net = preset === 'modern' ? LeNet5.modern({ seed: 1, backend }) : LeNet5.classic({ seed: 1, backend });
      let t0 = 0;
      let t1 = 0;
      const start = performance.now();
      await net.fit(sub, {
        epochs: 1, batchSize: 32, optimizer: preset === 'modern' ? adam() : sdlm(),
        onBatchEnd: (b) => {
          if (b.batch === 0) t0 = performance.now();
          t1 = performance.now();
        },
      });
      train.push((n - 32) / ((t1 - t0) / 1000));
      if (preset === 'classic') estimate.push((t0 - start) / 1000);
      const p0 = performance.now();
      net.predictBatch(sub.images, n);
      infer.push(n / ((performance.now() - p0) / 1000));
    }
    const row = { preset, backend, trainPerSec: median(train), inferPerSec: median(infer),
      ...(estimate.length ? { hkkSeconds: median(estimate) } : {}) };
    rows.push(row);
    print(`${preset.padEnd(9)} ${backend.padEnd(9)} ${row.trainPerSec.toFixed(0).padStart(15)}   ${row.inferPerSec.toFixed(0).padStart(18)}` +
      (estimate.length ? `   (SDLM h_kk estimate on 500 samples + first batch: ${median(estimate).toFixed(2)} s)` : ''));
  }
}
const ratios = (['modern', 'classic'] as const).map((preset) => {
  const w = rows.find((r) => r.preset === preset && r.backend === 'wasm')!;
  const j = rows.find((r) => r.preset === preset && r.backend === 'js')!;
  return { preset, train: w.trainPerSec / j.trainPerSec, inference: w.inferPerSec / j.inferPerSec };
});
for (const r of ratios) print(`${r.preset}: wasm / js = ${r.train.toFixed(1)}x training, ${r.inference.toFixed(1)}x inference`);
if (json) console.log(JSON.stringify({ rows, ratios }));
