/**
 * `lenet5 predict` on photographed-looking digits. Renders 100 MNIST digits from the VALIDATION part of
 * the training set (indices 50,000, 50,100, ..., 59,900; never the MNIST test set) as "photos of paper":
 * dark ink on light, unevenly lit paper with grain, the digit enlarged 5-8x on a 160-260 px canvas, off
 * centre, rotated by up to +-12 degrees, blurred, noisy; half PNG (gray), half JPEG (colour, quality
 * 60-90). Then runs the built CLI, `lenet5 predict FILES --json` (the pretrained models shipped in the
 * package, so run `npm run build` first), once per pretrained model, and reports how many it reads right.
 *   node scripts/run-ts.mjs bench/photos.ts [--out .cache/photos] [--json docs/figures/photos.json]
 * Also writes the first 10 photos side by side next to the JSON (photos-sample.png).
 * Data: $LENET5_DATA_DIR (default ../shared/data), else the loader's download (scripts/mnist-protocol.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
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
mkdirSync(outDir, { recursive: true });
const rng = new Rng(2024);
const files: { file: string; index: number; label: number }[] = [];
// The first 10 photos side by side, 96 px each, for the README (docs/figures/photos-sample.png).
const TILE = 96, SHOWN = 10;
const sheet = new Uint8Array(TILE * TILE * SHOWN).fill(255);
for (let i = 0; i < COUNT; i++) {
  const index = TRAIN_COUNT + i * 100;
  const { gray, w, h } = photo(all.image(index), rng);
  if (i < SHOWN) {
    const side = Math.min(w, h); // centre square, nearest-neighbour downscale
    for (let y = 0; y < TILE; y++) {
      for (let x = 0; x < TILE; x++) {
        const sx = Math.floor((w - side) / 2 + (x * side) / TILE), sy = Math.floor((h - side) / 2 + (y * side) / TILE);
        sheet[y * TILE * SHOWN + i * TILE + x] = Math.round(gray[sy * w + sx]!);
      }
    }
  }
  let file: string;
  if (i % 2 === 0) {
    file = join(outDir, `val-${index}.png`);
    writeFileSync(file, encodePng({ width: w, height: h, data: Uint8Array.from(gray, Math.round), channels: 1, depth: 8 }));
  } else {
    // A warm cast, as a phone camera under indoor light gives.
    const rgba = new Uint8Array(w * h * 4);
    gray.forEach((v, p) => rgba.set([Math.min(255, v * 1.04), v, v * 0.9, 255], p * 4));
    file = join(outDir, `val-${index}.jpg`);
    writeFileSync(file, jpeg.encode({ data: rgba, width: w, height: h }, Math.round(rng.uniform(60, 90))).data);
  }
  files.push({ file, index, label: all.label(index) });
}

writeFileSync(join(jsonOut, '..', 'photos-sample.png'),
  encodePng({ width: TILE * SHOWN, height: TILE, data: sheet, channels: 1, depth: 8 }));

const results: Record<string, unknown> = { digits: `MNIST training set ${TRAIN_COUNT}..59900 step 100 (validation part), from ${source}`, count: COUNT };
for (const model of ['modern', 'classic'] as const) {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, ['dist/cli/main.js', 'predict', ...files.map((f) => f.file), '--pretrained', model, '--json'],
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  const { predictions } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { predictions: { file: string; digit: number }[] };
  const wrong = files.filter((f, i) => predictions[i]!.digit !== f.label).map((f) => {
    const p = predictions[files.indexOf(f)]!;
    return { file: f.file.slice(f.file.lastIndexOf('/') + 1), label: f.label, predicted: p.digit };
  });
  results[model] = { correct: COUNT - wrong.length, of: COUNT, wrong, seconds: +((performance.now() - t0) / 1000).toFixed(1) };
  console.log(`lenet5 predict --pretrained ${model}: ${COUNT - wrong.length}/${COUNT} right` +
    (wrong.length ? ` (wrong: ${wrong.map((x) => `${x.file} ${x.label}->${x.predicted}`).join(', ')})` : ''));
}
writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
