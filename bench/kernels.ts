/**
 * `npm run bench [-- --json] [-- --only convForward] [-- --no-kernels] [-- --no-end-to-end] [-- --peers]`:
 * the kernel benchmark (src/cli/bench/kernels.ts), then the end-to-end sections (src/cli/bench/suite.ts): the SIMD
 * ceiling, training samples/s of both presets with the per-layer breakdown, inference images/s at batch 256
 * (with the per-layer breakdown of an image) and 1, wasm and pure JS measured in one run. With --json the
 * tables go to stderr and the last stdout line is `{ kernels: [...], ceiling, train: [...], infer: [...] }`.
 *
 * `--peers` (off by default: it adds ~20 s) then runs TensorFlow.js side by side (bench/peers.ts): the modern
 * LeNet-5 with the same weights in TF.js cpu and wasm (one thread), checked to predict what ours predicts,
 * and images/s at batch 256 and 1 of both and of lenet5 (inferImagesPerSec) in this run; --json adds
 * `peers: [{ model, batchSize, backend, imagesPerSec }]`.
 *
 * Node 20 runs the relaxed-SIMD (FMA) build only with --experimental-wasm-relaxed-simd: set here before
 * init() compiles, as the CLI does; `--no-relaxed` measures the baseline build instead.
 */
import { setFlagsFromString } from 'node:v8';
import { init } from '../src/backend/load.js';
import { runBench } from '../src/cli/bench/run.js';
import { inferImagesPerSec } from '../src/cli/bench/suite.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { benchPeers, type PeerRow } from './peers.js';

const argv = process.argv;
const json = argv.includes('--json');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
const relaxed = !argv.includes('--no-relaxed');
const print = (line: string) => (json ? console.error(line) : console.log(line));

if (relaxed && /^v2[01]\./.test(process.version)) setFlagsFromString('--experimental-wasm-relaxed-simd');
const info = await init({ backend: 'wasm', relaxedSimd: relaxed });
print(`wasm build: ${info.relaxedSimd ? 'relaxed SIMD (FMA)' : 'SIMD (mul+add)'}, Node ${process.version}`);
// The worker script of the built package (this file runs bundled from .cache/run/): `npm run build` first.
const result = await runBench({
  kernels: !argv.includes('--no-kernels'),
  endToEnd: !argv.includes('--no-end-to-end'),
  ...(only === undefined ? {} : { only }),
  workerUrl: new URL('../../dist/train/worker.js', import.meta.url),
  // The bench-only build of the SIMD ceiling, which `npm run bench` builds first (npm run asbuild:bench).
  benchBuild: new URL('../../build/', import.meta.url),
  print,
});
let peers: PeerRow[] | undefined;
if (argv.includes('--peers')) {
  print(`\nTensorFlow.js side by side: modern LeNet-5, the same weights (seed 1), one core each; lenet5 on the ` +
    `${info.relaxedSimd ? 'relaxed SIMD (FMA)' : 'SIMD (mul+add)'} build`);
  peers = await benchPeers((batchSize) => LeNet5.modern({ seed: 1, batchSize }), {
    print,
    // The same call and image counts as the infer rows (src/cli/bench/suite.ts benchInfer).
    lenet5ImagesPerSec: (batchSize) => inferImagesPerSec('modern', 'wasm', batchSize, batchSize === 1 ? 2000 : 4096),
  });
}
if (json) console.log(JSON.stringify({ relaxedSimd: info.relaxedSimd, ...result, ...(peers ? { peers } : {}) }));
