// Runs a TypeScript script of the repo (benchmarks, pretraining) in Node 20: bundles it with esbuild
// (npm packages stay external) into .cache/ and runs the result, passing the remaining arguments.
//   node scripts/run-ts.mjs bench/kernels.ts --json
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const outfile = `.cache/run/${basename(entry, '.ts')}.mjs`;
mkdirSync('.cache/run', { recursive: true });
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  logLevel: 'warning',
  packages: 'external',
});
// Node's own flags (e.g. --experimental-wasm-relaxed-simd) go to the script's process too.
const run = spawnSync(process.execPath, [...process.execArgv, outfile, ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
