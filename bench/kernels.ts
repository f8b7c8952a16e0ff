/**
 * `npm run bench [-- --json] [-- --only convForward]`: the kernel benchmark (src/bench/kernels.ts).
 * Prints a table; with --json the table goes to stderr and the last stdout line is
 * `{ kernels: [{ name, shape, wasmGflops, jsGflops, ratio }] }`.
 */
import { init } from '../src/backend/load.js';
import { formatKernelRow, KERNEL_HEADER, runKernelBench } from '../src/bench/kernels.js';

const json = process.argv.includes('--json');
const onlyIdx = process.argv.indexOf('--only');
const only = onlyIdx >= 0 ? process.argv[onlyIdx + 1] : undefined;
const print = (line: string) => (json ? console.error(line) : console.log(line));

await init({ backend: 'wasm' });
print(KERNEL_HEADER);
const rows = runKernelBench({ ...(only === undefined ? {} : { only }), onRow: (r) => print(formatKernelRow(r)) });
if (json) console.log(JSON.stringify({ kernels: rows }));
