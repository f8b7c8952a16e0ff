/**
 * `npm run bench [-- --json] [-- --only convForward] [-- --no-kernels] [-- --no-end-to-end]`: the kernel
 * benchmark (src/bench/kernels.ts), then the end-to-end sections (src/bench/suite.ts): the SIMD ceiling,
 * training samples/s of both presets with the per-layer breakdown, inference images/s at batch 256 and 1,
 * wasm and pure JS measured in one run. With --json the tables go to stderr and the last stdout line is
 * `{ kernels: [...], ceiling, train: [...], infer: [...] }`.
 *
 * Node 20 runs the relaxed-SIMD (FMA) build only with --experimental-wasm-relaxed-simd: set here before
 * init() compiles, as the CLI does; `--no-relaxed` measures the baseline build instead.
 */
import { setFlagsFromString } from 'node:v8';
import { init } from '../src/backend/load.js';
import { runBench } from '../src/bench/run.js';

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
  print,
});
if (json) console.log(JSON.stringify({ relaxedSimd: info.relaxedSimd, ...result }));
