/**
 * `node scripts/run-ts.mjs bench/memory.ts [--epochs 10] [--samples 10000] [--threads 1] [--model modern]`:
 * trains on synthetic digits-sized images and reports, after every epoch, the model's wasm memory size and
 * the process RSS, then the peak RSS of the whole run. Memory must stay flat across epochs (the arena is
 * laid out once; nothing is allocated per step). A script, not a test: RSS depends on the machine.
 */
import { setFlagsFromString } from 'node:v8';
import { init } from '../src/backend/load.js';
import { LeNet5 } from '../src/models/lenet5.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const epochs = Number(arg('epochs', '10'));
const samples = Number(arg('samples', '10000'));
const threads = Number(arg('threads', '1'));
const model = arg('model', 'modern');
if (/^v2[01]\./.test(process.version)) setFlagsFromString('--experimental-wasm-relaxed-simd');
await init();

const images = new Uint8Array(samples * 784);
const labels = new Uint8Array(samples);
let s = 17;
for (let i = 0; i < images.length; i++) images[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
for (let i = 0; i < samples; i++) labels[i] = i % 10;

const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
const net = model === 'classic' ? LeNet5.classic({ seed: 1 }) : LeNet5.modern({ seed: 1 });
let peak = process.memoryUsage().rss;
const rows: { epoch: number; wasmBytes: number; rss: number; samplesPerSec: number }[] = [];
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
await net.fit({ images, labels }, {
  epochs, batchSize: 32, seed: 1, ...(threads > 1 ? { threads, workerUrl: new URL('../../dist/train/worker.js', import.meta.url) } : {}),
  onEpochEnd: (r) => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    const wasmBytes = net.backend.arena.capacity;
    rows.push({ epoch: r.epoch + 1, wasmBytes, rss, samplesPerSec: Math.round(r.samplesPerSecond) });
    console.log(`epoch ${String(r.epoch + 1).padStart(2)}  wasm memory ${mb(wasmBytes)} MB  RSS ${mb(rss)} MB  ${Math.round(r.samplesPerSecond)} samples/s`);
  },
});
clearInterval(timer);
const wasmFlat = rows.every((r) => r.wasmBytes === rows[0]!.wasmBytes);
const rssGrowth = rows[rows.length - 1]!.rss - rows[0]!.rss;
console.log(`${model}, ${threads} thread(s), ${epochs} epochs of ${samples}: peak RSS ${mb(peak)} MB; wasm memory ` +
  `${wasmFlat ? 'flat' : 'GREW'} at ${mb(rows[0]!.wasmBytes)} MB; RSS epoch 1 -> ${epochs}: ${rssGrowth >= 0 ? '+' : ''}${mb(rssGrowth)} MB`);
console.log(JSON.stringify({ model, threads, epochs, samples, peakRssBytes: peak, wasmFlat, rssGrowthBytes: rssGrowth, rows }));
