/**
 * `lenet5 predict` on photographed-looking digits. Renders 100 digits as "photos of paper": dark ink on
 * light, unevenly lit paper with grain, the digit enlarged 5-8x on a 160-260 px canvas, off centre, rotated
 * by up to +-12 degrees, blurred, noisy; half PNG (gray), half JPEG (colour, quality 60-90). Then runs the
 * built CLI, `lenet5 predict FILES --json` (run `npm run build` first), once per model, and reports how many
 * it reads right. Two sets, each read only by models that never trained on it:
 *   - 100 MNIST digits from the validation part of the training set (indices 50,000, 50,100, ..., 59,900;
 *     never the MNIST test set), read by the check runs of `npm run pretrain` (.cache/pretrain-check/,
 *     trained on digits 0..49,999 only; the shipped models trained on all 60,000). Skipped, and said so,
 *     when those files are missing.
 *   - 100 of the digits bundled with the package (`loadDigits()`: other writers, never part of MNIST;
 *     digits 0, 50, ..., 4,950), read by the shipped pretrained models.
 *   node scripts/run-ts.mjs bench/photos.ts [--out .cache/photos] [--json docs/figures/photos.json]
 * Also writes one photo in ten of each set side by side next to the JSON (photos-sample.png).
 * Data: $LENET5_DATA_DIR (default ../shared/data), else the loader's download (scripts/mnist-protocol.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { Dataset } from '../src/data/dataset.js';
import { loadDigits } from '../src/data/digits.node.js';
import { Rng } from '../src/random.js';
import { mnistTraining, TRAIN_COUNT } from '../scripts/mnist-protocol.js';

const args = process.argv.slice(2);
const flag = (name: string, d: string): string => (args.includes(name) ? args[args.indexOf(name) + 1]! : d);
const outDir = flag('--out', '.cache/photos');
const jsonOut = flag('--json', 'docs/figures/photos.json');
const COUNT = 100;

/** Bilinear sample of a w x h float image at (x, y); 0 outside. */
function sample(img: Float32Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  const at = (xx: number, yy: number): number => (xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : img[yy * w + xx]!);
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

function boxBlur(img: Float32Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < w && yy < h) {
            s += img[yy * w + xx]!;
            n++;
          }
        }
      }
      out[y * w + x] = s / n;
    }
  }
  return out;
}

/** One photo of digit `pixels` (28x28, white on black, 0..255): gray 0..255, dark ink on light paper. */
function photo(pixels: Uint8Array, rng: Rng): { gray: Float32Array; w: number; h: number } {
  const w = Math.round(rng.uniform(160, 260));
  const h = Math.round(rng.uniform(160, 260));
  const scale = rng.uniform(5, 8);
  const angle = (rng.uniform(-12, 12) * Math.PI) / 180;
  const cx = w / 2 + rng.uniform(-0.12, 0.12) * w;
  const cy = h / 2 + rng.uniform(-0.12, 0.12) * h;
  const src = Float32Array.from(pixels, (v) => v / 255);
  const ink = new Float32Array(w * h);
  const cos = Math.cos(angle), sin = Math.sin(angle);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: canvas -> digit coordinates (rotation about the digit's centre, then scale).
      const dx = x - cx, dy = y - cy;
      const u = (cos * dx + sin * dy) / scale + 13.5;
      const v = (-sin * dx + cos * dy) / scale + 13.5;
      ink[y * w + x] = sample(src, 28, 28, u, v);
    }
  }
  const blurred = boxBlur(ink, w, h, Math.round(rng.uniform(1, 3)));
  const paper = rng.uniform(200, 240);
  const inkLevel = rng.uniform(25, 80);
  const gx = rng.uniform(-25, 25) / w, gy = rng.uniform(-25, 25) / h;
  const gray = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const light = paper + gx * (x - w / 2) + gy * (y - h / 2); // uneven lighting
      const grain = (rng.next() + rng.next() + rng.next() - 1.5) * 10;
      const t = Math.min(1, blurred[y * w + x]! * 1.1);
      gray[y * w + x] = Math.max(0, Math.min(255, light - (light - inkLevel) * t + grain));
    }
  }
  return { gray, w, h };
}

const { all, source } = await mnistTraining();
if (all.count !== 60_000) throw new Error(`expected the 60,000 MNIST training digits, got ${all.count}`);
const bundled = await loadDigits();
mkdirSync(outDir, { recursive: true });
const rng = new Rng(2024);
// One photo in ten of each set side by side, 96 px each (docs/figures/photos-sample.png: MNIST above; the
// bundled digits are in class order, so one of each class below).
const TILE = 96, SHOWN = 10;
const sheet = new Uint8Array(TILE * TILE * SHOWN * 2).fill(255);

/** Renders `COUNT` digits of `data` (indices from `indexOf`) as photo files named `prefix-INDEX`. */
function render(data: Dataset, indexOf: (i: number) => number, prefix: string, row: number): { file: string; label: number }[] {
  const files: { file: string; label: number }[] = [];
  for (let i = 0; i < COUNT; i++) {
    const index = indexOf(i);
    const { gray, w, h } = photo(data.image(index), rng);
    if (i % (COUNT / SHOWN) === 0) {
      const col = i / (COUNT / SHOWN);
      const side = Math.min(w, h); // centre square, nearest-neighbour downscale
      for (let y = 0; y < TILE; y++) {
        for (let x = 0; x < TILE; x++) {
          const sx = Math.floor((w - side) / 2 + (x * side) / TILE), sy = Math.floor((h - side) / 2 + (y * side) / TILE);
          sheet[(row * TILE + y) * TILE * SHOWN + col * TILE + x] = Math.round(gray[sy * w + sx]!);
        }
      }
    }
    let file: string;
    if (i % 2 === 0) {
      file = join(outDir, `${prefix}-${index}.png`);
      writeFileSync(file, encodePng({ width: w, height: h, data: Uint8Array.from(gray, Math.round), channels: 1, depth: 8 }));
    } else {
      // A warm cast, as a phone camera under indoor light gives.
      const rgba = new Uint8Array(w * h * 4);
      gray.forEach((v, p) => rgba.set([Math.min(255, v * 1.04), v, v * 0.9, 255], p * 4));
      file = join(outDir, `${prefix}-${index}.jpg`);
      writeFileSync(file, jpeg.encode({ data: rgba, width: w, height: h }, Math.round(rng.uniform(60, 90))).data);
    }
    files.push({ file, label: data.label(index) });
  }
  return files;
}

const mnistFiles = render(all, (i) => TRAIN_COUNT + i * 100, 'val', 0);
const bundledFiles = render(bundled, (i) => i * 50, 'digits', 1);
writeFileSync(join(jsonOut, '..', 'photos-sample.png'),
  encodePng({ width: TILE * SHOWN, height: 2 * TILE, data: sheet, channels: 1, depth: 8 }));

/** `lenet5 predict` on `files` with the model chosen by `modelArgs`: the count right and the misread ones. */
function predict(files: { file: string; label: number }[], modelArgs: string[]): { correct: number; of: number; wrong: unknown[]; seconds: number } {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, ['dist/cli/main.js', 'predict', ...files.map((f) => f.file), ...modelArgs, '--json'],
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  const { predictions } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { predictions: { file: string; digit: number }[] };
  const wrong = files.flatMap((f, i) => (predictions[i]!.digit === f.label ? []
    : [{ file: f.file.slice(f.file.lastIndexOf('/') + 1), label: f.label, predicted: predictions[i]!.digit }]));
  return { correct: COUNT - wrong.length, of: COUNT, wrong, seconds: +((performance.now() - t0) / 1000).toFixed(1) };
}

const results: Record<string, unknown> = { count: COUNT };
const report = (what: string, r: ReturnType<typeof predict>): void => console.log(`${what}: ${r.correct}/${r.of} right` +
  (r.wrong.length ? ` (wrong: ${(r.wrong as { file: string; label: number; predicted: number }[]).map((x) => `${x.file} ${x.label}->${x.predicted}`).join(', ')})` : ''));
const checkDir = join('.cache', 'pretrain-check');
const mnist: Record<string, unknown> = {
  digits: `MNIST training set ${TRAIN_COUNT}..59900 step 100 (validation part), from ${source}`,
  models: `the check runs of npm run pretrain (${checkDir}/), trained on digits 0..${TRAIN_COUNT - 1} only`,
};
for (const model of ['modern', 'classic'] as const) {
  const file = join(checkDir, `${model}.lenet5`);
  if (!existsSync(file)) {
    console.log(`MNIST validation photos, ${model}: skipped, ${file} is missing (npm run pretrain writes it)`);
    mnist[model] = { skipped: `${file} missing` };
    continue;
  }
  const r = predict(mnistFiles, ['--model-file', file]);
  mnist[model] = r;
  report(`MNIST validation photos, ${model} trained on digits 0..${TRAIN_COUNT - 1}`, r);
}
results['mnistValidation'] = mnist;
const other: Record<string, unknown> = { digits: 'the bundled digits (loadDigits()), 0..4950 step 50', models: 'the shipped pretrained models (all 60,000 MNIST training digits)' };
for (const model of ['modern', 'classic'] as const) {
  const r = predict(bundledFiles, ['--pretrained', model]);
  other[model] = r;
  report(`bundled-digit photos, lenet5 predict --pretrained ${model}`, r);
}
results['bundledDigits'] = other;
writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
