/**
 * `npm run pretrain`: reproduces the pretrained models shipped in assets/pretrained/ from a seed. Both
 * presets train on the 4,000 training digits of the bundled digits.png (MNIST recipe) with the paper's
 * random distortions, and are scored on the 1,000 held-out digits; the scores go to metrics.json.
 *   npm run pretrain [-- --only modern|classic] [-- --epochs N]
 */
import { writeFileSync } from 'node:fs';
import { init } from '../src/backend/load.js';
import { digitsSplit } from '../src/cli/data.js';
import { LeNet5, RECIPES } from '../src/models/lenet5.js';
import type { PretrainedName } from '../src/models/pretrained.js';

const SEED = 1;
const pretrainedUrl = (name: PretrainedName) => new URL(`../assets/pretrained/${name}.lenet5`, import.meta.url);
const EPOCHS: Record<PretrainedName, number> = { modern: 40, classic: 20 };

const args = process.argv.slice(2);
const arg = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const only = arg('--only') as PretrainedName | undefined;
const epochsOverride = arg('--epochs') === undefined ? undefined : Number(arg('--epochs'));

await init({ backend: 'wasm' });
const { train, test } = await digitsSplit();
const metrics: Record<string, unknown> = {};
for (const name of ['modern', 'classic'] as const) {
  if (only !== undefined && only !== name) continue;
  const epochs = epochsOverride ?? EPOCHS[name];
  // Each preset's recipe (classic: online SDLM as in the paper; modern: the Keras run), longer.
  const { batchSize } = RECIPES[name];
  const net = name === 'classic' ? LeNet5.classic({ seed: SEED, batchSize }) : LeNet5.modern({ seed: SEED, batchSize });
  const t0 = performance.now();
  await net.fit(train.withDistortion(), {
    epochs,
    batchSize,
    seed: SEED,
    optimizer: RECIPES[name].optimizer(),
    onEpochEnd: (e) => console.error(`${name} epoch ${e.epoch + 1}/${epochs}: loss ${e.loss.toFixed(4)}, ` +
      `train acc ${(100 * e.accuracy).toFixed(2)}%`),
  });
  const r = net.evaluate(test);
  const file = pretrainedUrl(name);
  writeFileSync(file, net.save());
  metrics[name] = {
    seed: SEED, epochs, batchSize, trainImages: train.count, heldOutImages: test.count, heldOutAccuracy: +r.accuracy.toFixed(4),
    heldOutLoss: +r.loss.toFixed(4), seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
  console.error(`${name}: held-out accuracy ${(100 * r.accuracy).toFixed(2)}% -> ${file.pathname}`);
}
const metricsFile = new URL('metrics.json', pretrainedUrl('modern'));
let previous: Record<string, unknown> = {};
try {
  previous = JSON.parse((await import('node:fs')).readFileSync(metricsFile, 'utf8')) as Record<string, unknown>;
} catch {
  previous = {};
}
writeFileSync(metricsFile, `${JSON.stringify({ ...previous, ...metrics }, null, 2)}\n`);
console.log(JSON.stringify(metrics));
