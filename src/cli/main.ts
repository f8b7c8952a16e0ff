#!/usr/bin/env node
/**
 * The `lenet5` command. Exit codes: 0 success, 2 usage error, 1 data or model error; failures print one
 * line on stderr (the stack trace only with --debug). With --json, stdout's last line is one JSON object.
 */
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import { init } from '../backend/load.js';
import { VERSION } from '../version.js';
import { bench } from './commands/bench.js';
import { evaluate } from './commands/eval.js';
import { exportOnnx } from './commands/export.js';
import { predict } from './commands/predict.js';
import { summary } from './commands/summary.js';
import { train } from './commands/train.js';
import { contrast, describeError, EXIT_USAGE, exitCodeOf, fraction, nonNegativeInt, positiveInt, positiveNumber, UsageError } from './errors.js';
import { createOutput, type Output } from './output.js';

// Node 20 validates the relaxed-SIMD (FMA) kernels only behind this V8 flag; set it before init() compiles
// so the CLI runs the faster build (the library itself never changes the host's flags).
if (/^v2[01]\./.test(process.version)) setFlagsFromString('--experimental-wasm-relaxed-simd');

interface Common {
  json?: boolean;
  debug?: boolean;
  backend?: 'wasm' | 'js';
}

const modelOption = () => new Option('--model <name>', 'preset').choices(['modern', 'classic']);
const backendOption = () => new Option('--backend <name>', 'kernels to run on').choices(['wasm', 'js']).default('wasm');

function common(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON object as the last line of stdout (nothing decorative on stdout)')
    .option('--debug', 'print stack traces on errors');
}

/** Runs a command body with the shared output, backend set-up and error handling. */
function action<A extends unknown[]>(body: (out: Output, ...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.opts<Common>();
    const out = createOutput(opts.json === true);
    try {
      await init({ backend: opts.backend ?? 'wasm', warn: (m) => out.notice(m) });
      await body(out, ...args);
    } catch (err) {
      process.stderr.write(`${describeError(err, opts.debug === true)}\n`);
      process.exitCode = exitCodeOf(err);
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('lenet5')
    .description('LeNet-5 in Node and browsers: train, evaluate and run the 1998 network (WebAssembly SIMD kernels)')
    .version(VERSION, '-V, --version')
    .exitOverride()
    // Commander's own parse errors follow the one-line rule too (subcommands inherit this).
    .configureOutput({
      writeErr: (str) => process.stderr.write(str),
      outputError: (str, write) => write(`lenet5: ${str.trim().replace(/^error: /, '')} (see lenet5 --help)\n`),
    });

  common(program.command('train'))
    .description('train a LeNet-5 preset, evaluate it on the test set and save it')
    .addOption(modelOption().default('modern'))
    .option('--data <source>', 'mnist, fashion-mnist, digits (bundled) or a folder of MNIST-named IDX files, the two ' +
      'train-* files being enough (default: MNIST when cached or downloadable, else digits)')
    .option('--validation-split <f>', 'hold out the last fraction f (0 < f < 1) of the training set to validate on after ' +
      'each epoch instead of the test set (default: none; 1/6 when the folder has no test files)', fraction('--validation-split'))
    .option('--epochs <n>', 'passes over the training set (default: modern 10, classic 20)', positiveInt('--epochs'))
    .option('--batch-size <n>', 'samples per step (default: modern 32; classic with sdlm 1, as in the paper)',
      positiveInt('--batch-size'))
    .addOption(new Option('--optimizer <name>', 'default: modern adam, classic sdlm').choices(['adam', 'sgd', 'sdlm']))
    .option('--lr <x>', 'learning rate (default: the optimizer\'s own; sdlm: sdlmSchedule(), see docs/sdlm.md)', positiveNumber('--lr'))
    .option('--seed <n>', 'seed of initialisation, shuffling, dropout and distortions', nonNegativeInt('--seed'), 1)
    .option('--distort', 'random affine distortions of the training images (the paper\'s)')
    .addOption(backendOption())
    .option('--out <file>', 'where to save the model (default: lenet5-<model>.lenet5)')
    .option('--threads <n>', 'data-parallel worker threads sharing one memory (default 1)', positiveInt('--threads'))
    .option('--checkpoint <file>', 'checkpoint written at every epoch end and on Ctrl-C/SIGTERM, deleted when the run ' +
      'finishes (default: <out>.ckpt)')
    .option('--resume', 'continue the interrupted run from --checkpoint (same options and data; the result is bit-identical ' +
      'to an uninterrupted run)')
    .option('--force', 'save the model even when training diverged (the last good weights), replacing --out')
    .action(action((out, o: Parameters<typeof train>[0]) => train(o, out)));

  common(program.command('eval'))
    .description('evaluate a saved model: loss, accuracy, per-class accuracy, confusion matrix')
    .requiredOption('--model-file <file>', 'a model saved by `lenet5 train`')
    .option('--data <source>', 'mnist, fashion-mnist, digits or a folder (the t10k-* files are enough)')
    .addOption(backendOption())
    .action(action((out, o: Parameters<typeof evaluate>[0]) => evaluate(o, out)));

  common(program.command('predict'))
    .description('classify PNG/JPEG images of digits (the MNIST recipe is applied first)')
    .argument('<image...>', 'image files')
    .option('--model-file <file>', 'a saved model (default: the pretrained model shipped in the package)')
    .addOption(new Option('--pretrained <name>', 'which shipped model to use without --model-file')
      .choices(['modern', 'classic']).default('modern'))
    .option('--show', 'print each 28x28 input as text art')
    .option('--min-contrast <n>', 'how far the ink must differ from the background, 0..255 (default 32); lower it for faint ' +
      'digits that report "no ink found"', contrast('--min-contrast'))
    .addOption(backendOption())
    .action(action((out, files: string[], o: Parameters<typeof predict>[1]) => predict(files, o, out)));

  common(program.command('export'))
    .description('write a saved model as ONNX (opset 13) for onnxruntime and other runtimes')
    .requiredOption('--model-file <file>', 'a model saved by `lenet5 train` (modern or classic)')
    .option('--out <file>', 'the ONNX file to write (default: the model file\'s name with .onnx)')
    .action(action((out, o: Parameters<typeof exportOnnx>[0]) => exportOnnx(o, out)));

  common(program.command('summary'))
    .description('the layer table of a preset: output shapes, parameters, connections')
    .addOption(modelOption().default('modern'))
    .action(action((out, o: { model: 'modern' | 'classic' }) => summary(o, out)));

  common(program.command('bench'))
    .description('benchmark: kernels, SIMD ceiling, training (1 and 2 threads) and inference, wasm vs pure JS')
    .option('--no-kernels', 'skip the kernel benchmark')
    .option('--no-end-to-end', 'skip the end-to-end benchmark')
    .option('--only <kernel>', 'time only this kernel (e.g. convForward)')
    .action(action((out, o: Parameters<typeof bench>[0]) => bench(o, out)));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse failure is a usage error.
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      return ok ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`lenet5: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

process.exitCode = await main(process.argv.slice(2));
