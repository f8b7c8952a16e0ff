/**
 * `npm run bench [-- --json] [-- --only convForward] [-- --no-kernels] [-- --no-end-to-end] [-- --peers]`:
 * the kernel benchmark (src/cli/bench/kernels.ts), then the end-to-end sections (src/cli/bench/suite.ts): the SIMD
 * ceiling, training samples/s of both presets with the per-layer breakdown, inference images/s at batch 256
 * (with the per-layer breakdown of an image) and 1, wasm and pure JS (the js backend) measured in one run;
 * then the "naive pure JS" row (bench/naive.ts: the modern LeNet-5 in plain loops, checked to predict what
 * lenet5 predicts on the same weights first), with the wasm/naive and js/naive ratios of this run. With
 * --json the tables go to stderr and the last stdout line is
 * `{ kernels: [...], ceiling, train: [...], infer: [...], naive: {...} }`. A progress line with an estimate
 * of the time left goes to stderr (bench/../src/cli/bench/progress.ts).
 *
 * `--peers` (off by default: it adds ~1 min) then runs TensorFlow.js side by side (bench/peers.ts): the
 * modern LeNet-5 with the same weights in TF.js cpu and wasm (one thread), checked to predict what ours
 * predicts, and images/s at batch 256 and 1 of both and of lenet5 (inferImagesPerSec) in this run; ONNX
 * Runtime (bench/ort.ts: onnxruntime-node on the `toOnnx` export of the same weights, checked the same
 * way, 1 and 2 intra-op threads, batch 256 and 1); and PyTorch training (bench/torch-train.py, one and two
 * threads, when Debian's python3-torch is installed; skipped with a printed line when not). --json adds
 * `peers: [{ model, batchSize, backend, threads?, imagesPerSec | samplesPerSec }]`.
 *
 * Node 20 runs the relaxed-SIMD (FMA) build only with --experimental-wasm-relaxed-simd: set here before
 * init() compiles, as the CLI does; `--no-relaxed` measures the baseline build instead.
 */
import { setFlagsFromString } from 'node:v8';
import { init } from '../src/backend/load.js';
import { spawnSync } from 'node:child_process';
import { benchProgress } from '../src/cli/bench/progress.js';
import { benchSteps, runBench, type BenchOptions, type BenchStep } from '../src/cli/bench/run.js';
import { inferImagesPerSec, inferParallelImagesPerSec } from '../src/cli/bench/suite.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { checkNaive, naiveInferImagesPerSec, naiveTrainSamplesPerSec, weightsOf } from './naive.js';
import { benchOrt, loadOrt } from './ort.js';
import { benchPeers, type PeerRow } from './peers.js';

const argv = process.argv;
const json = argv.includes('--json');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
const relaxed = !argv.includes('--no-relaxed');
const printLine = (line: string) => (json ? console.error(line) : console.log(line));

if (relaxed && /^v2[01]\./.test(process.version)) setFlagsFromString('--experimental-wasm-relaxed-simd');
const info = await init({ backend: 'wasm', relaxedSimd: relaxed });
printLine(`wasm build: ${info.relaxedSimd ? 'relaxed SIMD (FMA)' : 'SIMD (mul+add)'}, Node ${process.version}`);
const peersOn = argv.includes('--peers');
const benchOpts: BenchOptions = {
  kernels: !argv.includes('--no-kernels'),
  endToEnd: !argv.includes('--no-end-to-end'),
  ...(only === undefined ? {} : { only }),
  // The worker script of the built package (this file runs bundled from .cache/run/): `npm run build` first.
  workerUrl: new URL('../../dist/train/worker.js', import.meta.url),
  // The bench-only build of the SIMD ceiling, which `npm run bench` builds first (npm run asbuild:bench).
  benchBuild: new URL('../../build/', import.meta.url),
};
const endToEnd = benchOpts.endToEnd !== false && only === undefined;
const extra: BenchStep[] = [
  ...(endToEnd ? [{ label: 'naive pure JS', seconds: 12 }] : []),
  ...(peersOn ? [{ label: 'TF.js peers', seconds: 25 }, { label: 'onnxruntime peers', seconds: 15 },
    { label: 'PyTorch training peer', seconds: 25 }] : []),
];
const mainSteps = benchSteps(benchOpts);
const progress = benchProgress([...mainSteps, ...extra], printLine);
const print = (line: string): void => progress.print(line);
const result = await runBench({
  ...benchOpts,
  print,
  onStep: (i) => {
    if (i < mainSteps.length) progress.step(i);
  },
});
let at = mainSteps.length;
const nextStep = (): void => progress.step(at++);

// The naive pure JS row: the same weights (seed 1) checked against lenet5, then timed as the train row
// (modern, batch 32) and the infer rows (batch 256 and 1) of this run.
interface NaiveResult {
  check: { images: number; maxAbsDiff: number };
  trainSamplesPerSec: number;
  inferImagesPerSec: { batchSize: number; imagesPerSec: number }[];
  /** wasm / naive and js / naive, from this run's modern rows (train batch 32 one thread; infer batch 256 and 1). */
  ratios: { train: { wasm: number; js: number }; infer: { batchSize: number; wasm: number; js: number }[] };
}
let naive: NaiveResult | undefined;
if (endToEnd && result.train !== undefined && result.infer !== undefined) {
  nextStep();
  const ref = LeNet5.modern({ seed: 1, batchSize: 256 });
  const check = checkNaive(ref);
  const w = weightsOf(ref);
  ref.dispose();
  const train = naiveTrainSamplesPerSec(w, 32, 512);
  const infer = [256, 1].map((batchSize) => ({ batchSize,
    imagesPerSec: naiveInferImagesPerSec(w, batchSize, batchSize === 1 ? 200 : 512) }));
  const tr = result.train.find((r) => r.model === 'modern' && r.batchSize === 32 && r.threads === 1)!;
  const r1 = (a: number, b: number): number => +(a / b).toFixed(1);
  naive = {
    check, trainSamplesPerSec: train, inferImagesPerSec: infer,
    ratios: {
      train: { wasm: r1(tr.wasmSamplesPerSec, train), js: r1(tr.jsSamplesPerSec, train) },
      infer: infer.map(({ batchSize, imagesPerSec }) => {
        const row = result.infer!.find((r) => r.model === 'modern' && r.batchSize === batchSize && r.threads === 1)!;
        return { batchSize, wasm: r1(row.wasmImagesPerSec, imagesPerSec), js: r1(row.jsImagesPerSec, imagesPerSec) };
      }),
    },
  };
  print(`\nnaive pure JS (bench/naive.ts, the modern LeNet-5 in plain loops; checked on ${check.images} images, ` +
    `same classes, max |dp| ${check.maxAbsDiff.toExponential(2)})`);
  print(`train modern  threads 1 batch  32: naive ${String(train).padStart(5)}/s  wasm/naive ${naive.ratios.train.wasm}x  ` +
    `js/naive ${naive.ratios.train.js}x`);
  for (const r of naive.ratios.infer) {
    const f = infer.find((i) => i.batchSize === r.batchSize)!.imagesPerSec;
    print(`infer modern  threads 1 batch ${String(r.batchSize).padStart(3)}: naive ${String(f).padStart(5)}/s  ` +
      `wasm/naive ${r.wasm}x  js/naive ${r.js}x`);
  }
}

let peers: PeerRow[] | undefined;
if (peersOn) {
  nextStep();
  print(`\nTensorFlow.js side by side: modern LeNet-5, the same weights (seed 1), one core each; lenet5 on the ` +
    `${info.relaxedSimd ? 'relaxed SIMD (FMA)' : 'SIMD (mul+add)'} build`);
  const lenet5Figures = new Map<number, number>();
  peers = await benchPeers((batchSize) => LeNet5.modern({ seed: 1, batchSize }), {
    print,
    // The same call and image counts as the infer rows (src/cli/bench/suite.ts benchInfer).
    lenet5ImagesPerSec: (batchSize) => {
      const v = inferImagesPerSec('modern', 'wasm', batchSize, batchSize === 1 ? 2000 : 4096);
      lenet5Figures.set(batchSize, v);
      return v;
    },
  });

  nextStep();
  const loaded = loadOrt();
  if ('error' in loaded) {
    print(`\nONNX Runtime: skipped (onnxruntime-node does not load: ${loaded.error})`);
  } else {
    print(`\nONNX Runtime side by side: onnxruntime-node ${loaded.version} (CPU provider) on the toOnnx export of the ` +
      'same weights, 1 and 2 intra-op threads');
    const net = LeNet5.modern({ seed: 1, batchSize: 256 });
    const ort = await benchOrt(loaded.ort, net, print);
    net.dispose();
    // lenet5 on two threads, batch 256 a thread (a LeNet5.predictor), as the infer rows measure it.
    const ours2 = await inferParallelImagesPerSec('modern', 2, 256, 8192, benchOpts.workerUrl);
    for (const r of ort) {
      peers.push({ model: 'modern', batchSize: r.batchSize, backend: 'onnxruntime', threads: r.threads, imagesPerSec: r.imagesPerSec });
    }
    peers.push({ model: 'modern', batchSize: 256, backend: 'lenet5-wasm', threads: 2, imagesPerSec: ours2 });
    for (const r of ort) {
      const ours = r.threads === 1 ? lenet5Figures.get(r.batchSize) : r.batchSize === 256 ? ours2 : undefined;
      print(`infer modern batch ${String(r.batchSize).padStart(3)} threads ${r.threads}: onnxruntime ${String(r.imagesPerSec).padStart(6)}/s` +
        (ours === undefined ? '  (lenet5 runs batch 1 on one thread)'
          : `  lenet5 wasm ${String(ours).padStart(6)}/s  (lenet5 / onnxruntime = ${(ours / r.imagesPerSec).toFixed(2)}x)`));
    }
  }

  nextStep();
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    print(`\nPyTorch training peer: skipped (${py} -c 'import torch' fails: Debian's python3-torch is not installed)`);
  } else {
    print('\nPyTorch training side by side (bench/torch-train.py: the modern LeNet-5, Adam, random data; its own weights)');
    const script = new URL('../../bench/torch-train.py', import.meta.url).pathname;
    const ours = result.train?.find((r) => r.model === 'modern' && r.batchSize === 32 && r.threads === 1);
    for (const threads of [1, 2]) {
      const run = spawnSync(py, [script, String(threads), '32', '2048'], { encoding: 'utf8' });
      const last = run.stdout.trim().split('\n').pop() ?? '';
      if (run.status !== 0 || !last.startsWith('{')) {
        print(`  PyTorch ${threads} thread(s): failed (${(run.stderr || last).trim().split('\n').pop()})`);
        continue;
      }
      const r = JSON.parse(last) as { torch: string; samplesPerSec: number };
      peers.push({ model: 'modern', batchSize: 32, backend: 'pytorch-train', threads, samplesPerSec: r.samplesPerSec });
      print(`train modern batch  32 threads ${threads}: PyTorch ${r.torch} ${String(r.samplesPerSec).padStart(6)}/s` +
        (ours !== undefined && threads === 1 ? `  lenet5 wasm ${ours.wasmSamplesPerSec}/s (lenet5 / PyTorch = ` +
          `${(ours.wasmSamplesPerSec / r.samplesPerSec).toFixed(2)}x)` : ''));
    }
  }
}
progress.stop();
if (json) {
  console.log(JSON.stringify({ relaxedSimd: info.relaxedSimd, ...result, ...(naive ? { naive } : {}), ...(peers ? { peers } : {}) }));
}
