/**
 * Soak test (not CI): 20 epochs of the modern preset on the bundled digits, with an atomic checkpoint
 * every 50 steps, evaluation after every epoch and a prediction batch, printing the process RSS, the JS
 * heap, ArrayBuffer bytes and the model's wasm memory per epoch. A leak shows as RSS climbing epoch over
 * epoch; flat RSS (and a constant wasm memory) is the pass.
 *
 *   node scripts/run-ts.mjs bench/soak.ts [--epochs 20] [--preset modern|classic] [--backend wasm|js]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '../src/backend/load.js';
import { loadDigits } from '../src/data/digits.node.js';
import { LeNet5 } from '../src/models/lenet5.js';

const args = process.argv.slice(2);
const opt = (flag: string, dflt: string): string => (args.includes(flag) ? args[args.indexOf(flag) + 1]! : dflt);
const epochs = Number(opt('--epochs', '20'));
const preset = opt('--preset', 'modern');
const backend = opt('--backend', 'wasm') as 'wasm' | 'js';

await init();
// The digits come sorted by class: shuffle before holding 1,000 out.
const digits = (await loadDigits()).shuffle(7);
const train = digits.subset(0, 4000);
const test = digits.subset(4000, 5000);
const dir = mkdtempSync(join(tmpdir(), 'lenet5-soak-'));
const path = join(dir, 'soak.ckpt');
const net = preset === 'classic' ? LeNet5.classic({ seed: 1, backend }) : LeNet5.modern({ seed: 1, backend });
const batchSize = preset === 'classic' ? 8 : 32;
const MB = (b: number): string => (b / 2 ** 20).toFixed(1).padStart(7);
const rows: { epoch: number; rss: number }[] = [];

console.log(`soak: ${epochs} epochs of ${preset} LeNet-5 (${backend}) on ${train.count} digits, batch ${batchSize}, checkpoint every 50 steps`);
console.log('epoch   rss MB  heap MB  arrayBuf MB  wasm MB  test acc  seconds');
for (let e = 0; e < epochs; e++) {
  const t0 = performance.now();
  await net.fit(train, { epochs: 1, batchSize, checkpoint: { path, every: 50 } });
  const acc = net.evaluate(test).accuracy;
  net.predictBatch(test.images, 200);
  // Collect when the flag allows it, so the numbers show retained memory rather than garbage not yet freed.
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  rows.push({ epoch: e + 1, rss: m.rss });
  console.log(`${String(e + 1).padStart(5)}  ${MB(m.rss)}  ${MB(m.heapUsed)}  ${MB(m.arrayBuffers).padStart(11)}  ${MB(net.backend.arena.memory.buffer.byteLength)}` +
    `  ${(acc * 100).toFixed(1).padStart(7)}%  ${((performance.now() - t0) / 1000).toFixed(1).padStart(7)}`);
}
rmSync(dir, { recursive: true, force: true });
const first = rows[0]!;
const last = rows[rows.length - 1]!;
const peak = Math.max(...rows.map((r) => r.rss));
console.log(`RSS at epoch ${first.epoch}: ${MB(first.rss).trim()} MB; at epoch ${last.epoch}: ${MB(last.rss).trim()} MB ` +
  `(change ${((last.rss - first.rss) / 2 ** 20).toFixed(1)} MB, peak ${MB(peak).trim()} MB)`);
