/**
 * Reproduces the training figures of the models issue:
 *   1. modern, full Fashion-MNIST, 10 epochs, Adam 1e-3, batch 32, seed 1: test accuracy per epoch
 *   2. classic with SDLM and the paper's schedule, full Fashion-MNIST, 20 passes: test accuracy per pass
 *   3. training throughput (samples/s, one thread, batch 32) of both presets on both backends
 *
 * Run: node scripts/run-ts.mjs bench/train-figures.ts [modern|classic|throughput ...] [--epochs N]
 *        [--passes N] [--classic-batch N] [--eta-scale X] [--json]
 * (--eta-scale multiplies the paper's eta values; default: the library's SDLM default, see SDLM_ETA_SCALE.)
 * Data: $LENET5_DATA_DIR/fashion-mnist (default ../shared/data), else the loader's download + cache.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../src/backend/load.js';
import { loadFashionMnist } from '../src/data/mnist.node.js';
import type { Dataset } from '../src/data/dataset.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { adam, sdlm, SDLM_ETA_SCALE } from '../src/train/optimizers.js';
import { paperSchedule } from '../src/train/schedules.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const wanted = args.filter((a) => a === 'modern' || a === 'classic' || a === 'throughput');
const parts = wanted.length > 0 ? wanted : ['modern', 'classic', 'throughput'];
const json = args.includes('--json');
const results: Record<string, unknown> = {};

async function fashion(): Promise<{ train: Dataset; test: Dataset }> {
  const dir = join(process.env['LENET5_DATA_DIR'] ?? join(process.cwd(), '..', 'shared', 'data'), 'fashion-mnist');
  return existsSync(dir) ? loadFashionMnist({ dir }) : loadFashionMnist();
}

const log = (s: string): void => {
  if (!json) console.log(s);
};

await init();
const { train, test } = await fashion();
log(`Fashion-MNIST: ${train.count} train, ${test.count} test`);

if (parts.includes('modern')) {
  const epochs = Number(flag('--epochs') ?? 10);
  log(`\n[1] modern, ${epochs} epochs, Adam 1e-3, batch 32, seed 1 (wasm)`);
  const net = LeNet5.modern({ seed: 1 });
  const per: { epoch: number; trainLoss: number; testLoss: number; testAccuracy: number; seconds: number }[] = [];
  await net.fit(train, {
    epochs, batchSize: 32, optimizer: adam({ lr: 1e-3 }), seed: 1,
    onEpochEnd: (r) => {
      const e = net.evaluate(test);
      per.push({ epoch: r.epoch + 1, trainLoss: r.loss, testLoss: e.loss, testAccuracy: e.accuracy, seconds: r.seconds });
      log(`  epoch ${String(r.epoch + 1).padStart(2)}  train loss ${r.loss.toFixed(4)}  test loss ${e.loss.toFixed(4)}  ` +
        `test acc ${(e.accuracy * 100).toFixed(2)}%  (${r.seconds.toFixed(1)} s)`);
    },
  });
  results['modern'] = per;
}

if (parts.includes('classic')) {
  const epochs = Number(flag('--passes') ?? 20);
  const batch = Number(flag('--classic-batch') ?? 1);
  const scale = Number(flag('--eta-scale') ?? SDLM_ETA_SCALE);
  log(`\n[2] classic, SDLM (mu 0.02, h_kk on 500 samples per pass, the paper's eta schedule x ${scale}), ${epochs} passes, ` +
    `batch ${batch}, seed 1 (wasm)`);
  const net = LeNet5.classic({ seed: 1 });
  const per: { pass: number; eta: number; trainLoss: number; testAccuracy: number; seconds: number }[] = [];
  await net.fit(train, {
    epochs, batchSize: batch, optimizer: sdlm(), schedule: paperSchedule(scale), seed: 1,
    onEpochEnd: (r) => {
      const e = net.evaluate(test);
      per.push({ pass: r.epoch + 1, eta: r.lr, trainLoss: r.loss, testAccuracy: e.accuracy, seconds: r.seconds });
      log(`  pass ${String(r.epoch + 1).padStart(2)}  eta ${r.lr.toExponential(1)}  train loss ${r.loss.toFixed(3)}  ` +
        `train acc ${(r.accuracy * 100).toFixed(2)}%  test acc ${(e.accuracy * 100).toFixed(2)}%  (${r.seconds.toFixed(1)} s)`);
    },
  });
  results['classic'] = per;
}

if (parts.includes('throughput')) {
  log('\n[3] training throughput, one thread, batch 32 (samples/s; median of 3 runs over 3,200 samples)');
  const sub = train.subset(0, 3200);
  const table: Record<string, Record<string, number>> = {};
  for (const preset of ['modern', 'classic'] as const) {
    table[preset] = {};
    for (const backend of ['wasm', 'js'] as const) {
      const n = backend === 'js' ? sub.subset(0, 640) : sub;
      const rates: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        const net = preset === 'modern' ? LeNet5.modern({ seed: 1, backend }) : LeNet5.classic({ seed: 1, backend });
        // Classic with SDLM at batch 32 (mean-gradient steps) so both presets run the same batch size;
        // the per-pass h_kk estimate (500 samples) is included in the time.
        const h = await net.fit(n, { epochs: 1, batchSize: 32, optimizer: preset === 'modern' ? adam() : sdlm() });
        rates.push(h.epochs[0]!.samplesPerSecond);
      }
      rates.sort((a, b) => a - b);
      table[preset]![backend] = rates[1]!;
    }
    const t = table[preset]!;
    log(`  ${preset.padEnd(8)} wasm ${t['wasm']!.toFixed(0).padStart(6)}   js ${t['js']!.toFixed(0).padStart(6)}   ratio ${(t['wasm']! / t['js']!).toFixed(1)}x`);
  }
  results['throughput'] = table;
}

if (json) console.log(JSON.stringify(results, null, 2));
