/**
 * SDLM evidence, part 2: short bounded training runs of the classic net on real MNIST training digits
 * (never the test set): train on the first --train digits of the 60,000, validate on the last 10,000.
 *   node scripts/run-ts.mjs bench/sdlm-train.ts --scale 1 [--train 20000] [--epochs 2] [--seed 1] [--log 2000]
 *     [--mu 0.02] [--scales 0.05,1] [--save params.f32]
 * --scale multiplies the paper's eta schedule (paperSchedule(scale)). Prints the running loss every --log
 * samples, with the largest |weight| per layer, then validation accuracy after each pass.
 */
import { writeFileSync } from 'node:fs';
import { loadMnist } from '../src/data/mnist.node.js';
import { init } from '../src/backend/load.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { sdlm } from '../src/train/optimizers.js';
import { paperSchedule } from '../src/train/schedules.js';

const arg = (name: string, d: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : d;
};
const scale = Number(arg('scale', '1'));
// --scales a,b,...: a different factor per pass (the last one repeats), e.g. 0.05,1.
const scales = arg('scales', '').split(',').filter((v) => v !== '').map(Number);
const mu = Number(arg('mu', '0.02'));
const nTrain = Number(arg('train', '20000'));
const epochs = Number(arg('epochs', '2'));
const seed = Number(arg('seed', '1'));
const logEvery = Number(arg('log', '2000'));
const save = arg('save', ''); // write the trained params (raw Float32) for bench/sdlm-hkk.ts --weights

await init();
const all = await loadMnist({ dir: '/work/shared/data/mnist-train', split: 'train' });
if (all.count !== 60000) throw new Error(`expected the 60,000 training digits, got ${all.count}`);
const train = all.subset(0, nTrain);
const val = all.subset(50000, 60000);
const net = LeNet5.classic({ seed });
const m = net.model;
const t0 = Date.now();
let run = 0, k = 0;
const maxAbs = (): string => m.layers.flatMap((l, li) => l.params().map((p, pi) => {
  const off = m.paramOffsets[li]![pi]!;
  const a = m.view(m.paramsRegion).subarray(off, off + p.shape.reduce((x, y) => x * y, 1));
  let mx = 0;
  for (const v of a) mx = Math.max(mx, Math.abs(v));
  return `${l.name}.${p.name[0]}=${mx.toFixed(2)}`;
})).join(' ');
console.log(`classic, SDLM paperSchedule(${scales.length ? scales.join(' then ') : scale}), batch 1, mu ${mu}, h_kk on 500 samples per pass; ` +
  `train ${nTrain}, validation 50000..59999, seed ${seed}`);
const h = await net.fit(train, {
  epochs, seed, batchSize: 1, optimizer: sdlm({ mu }),
  schedule: scales.length ? (e) => paperSchedule(scales[Math.min(e, scales.length - 1)]!)(e) : paperSchedule(scale), validation: val,
  onBatchEnd: ({ epoch, batch, loss }) => {
    run += loss;
    k++;
    if ((batch + 1) % logEvery === 0) {
      console.log(`  pass ${epoch + 1}, sample ${batch + 1}: mean loss of the last ${k} ${(run / k).toFixed(3)}; max |w| ${maxAbs()}`);
      run = 0;
      k = 0;
    }
  },
  onEpochEnd: (r) => console.log(`pass ${r.epoch + 1}: train loss ${r.loss.toFixed(3)}, train acc ${(r.accuracy * 100).toFixed(2)}%, ` +
    `val loss ${r.valLoss?.toFixed(3)}, val acc ${((r.valAccuracy ?? NaN) * 100).toFixed(2)}% (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
});
void h;
if (save) writeFileSync(save, new Uint8Array(Float32Array.from(m.view(m.paramsRegion)).buffer));
