// `npm run bench [-- --json] [-- --only NAME]`: bundles bench/<suite>.ts for Node with esbuild and runs it.
// Suites: kernels (default). Extra arguments are passed through.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const args = process.argv.slice(2);
const suiteIdx = args.indexOf('--suite');
const suite = suiteIdx >= 0 ? args.splice(suiteIdx, 2)[1] : 'kernels';
const outfile = `.cache/bench-${suite}.mjs`;
mkdirSync('.cache', { recursive: true });
await build({
  entryPoints: [`bench/${suite}.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  logLevel: 'warning',
  // Keep npm packages external so they resolve from node_modules as usual.
  packages: 'external',
});
const run = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
