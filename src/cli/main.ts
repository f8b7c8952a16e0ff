#!/usr/bin/env node
/** The `lenet5` command. Only --version and --help so far; train/eval/predict come with the CLI issue. */
import { VERSION } from '../version.js';

const USAGE = `Usage: lenet5 [--version] [--help]

LeNet-5 in Node and browsers (WebAssembly SIMD kernels).
Commands (train, eval, predict, summary, bench) are not available in this version yet.`;

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-V')) {
  console.log(VERSION);
} else if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
} else {
  console.error(`lenet5: unknown command or option: ${args.join(' ')} (see lenet5 --help)`);
  process.exitCode = 2;
}
