/**
 * `npm run reproduce`: the 1998 paper's MNIST protocol with the classic preset. LeNet-5 with the RBF output,
 * SDLM with sdlmSchedule() (the paper's first eta times SDLM_ETA_SCALE, then a stretched decay; docs/sdlm.md),
 * one sample per step, 20 passes, seed 1, trained on the first 50,000 MNIST training digits and scored on
 * the last 10,000 (validation: the MNIST test set is not used), once on the digits as they are and once
 * with the paper's random distortions
 * (`Dataset.withDistortion()`). After each pass it scores the validation digits and (undistorted) training
 * digits, and writes the learning curves (the analogue of the paper's Fig. 5) to docs/figures/reproduce.json
 * and reproduce.svg.
 *   npm run reproduce [-- --passes 20] [--runs distorted,plain[,distorted10]] [--train-eval 50000] [--out docs/figures/reproduce]
 *     [--save-models DIR] [--chart-only]
 * --runs distorted10 adds the paper's augmented set: 10 distortions of every training digit a pass (500,000
 *   patterns; the paper had the 60,000 originals and 540,000 distorted ones), about 40 minutes on one core.
 * --train-eval N scores the first N training digits for the training-error curve (default: all 50,000).
 * --save-models DIR writes each run's model (classic-distorted.lenet5 is the classic model of npm run pretrain's check run).
 * --append keeps the runs already in the JSON that this invocation does not redo (e.g. --runs plain --append).
 * --chart-only redraws the SVG from the JSON (and prints the README's table).
 * Runs on the baseline SIMD build (init({ relaxedSimd: false })).
 * Data: $LENET5_DATA_DIR (default ../shared/data), else the loader's download (scripts/mnist-protocol.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../src/backend/load.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { sdlm } from '../src/train/optimizers.js';
import { mnistTraining, paperSplit, trainByPass, TRAIN_COUNT, type PassResult } from '../scripts/mnist-protocol.js';
import { learningCurvesSvg } from './chart.js';

const args = process.argv.slice(2);
const flag = (name: string, d: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : d;
};
const passes = Number(flag('--passes', '20'));
type RunName = 'plain' | 'distorted' | 'distorted10';
const runs = flag('--runs', 'distorted,plain').split(',') as RunName[];
for (const r of runs) if (!['plain', 'distorted', 'distorted10'].includes(r)) throw new Error(`--runs: unknown run ${r}`);
/** Patterns a pass per training digit: distorted10 draws 10 distortions of each (see RUN_NAMES). */
const COPIES: Record<RunName, number> = { plain: 1, distorted: 1, distorted10: 10 };
const RUN_NAMES: Record<RunName, string> = {
  plain: 'no distortions',
  distorted: 'with distortions (one of each digit a pass)',
  // The paper's Sec. III-C set: the 60,000 originals plus 540,000 distorted patterns a pass. Here 10 distorted
  // draws of each of the 50,000 digits (500,000 patterns a pass, the originals not among them).
  distorted10: 'with distortions, 10 of each digit a pass',
};
/** The chart's legend is narrower than the table. */
const SHORT_NAMES: Record<RunName, string> = { plain: 'no distortions', distorted: 'with distortions', distorted10: 'x10 distortions a pass' };
const COLOURS: Record<RunName, string> = { plain: '#1f5fbf', distorted: '#c0392b', distorted10: '#8e44ad' };
const out = flag('--out', 'docs/figures/reproduce');
const saveModels = flag('--save-models', '');
const SEED = 1;

/** The paper's results (Sec. III-C, Fig. 5, Table/Fig. 9): test error after 20 passes over 60,000 digits. */
export const PAPER = {
  plain: { testError: 0.0095, trainError: 0.0035 },
  distorted: { testError: 0.008 },
} as const;

export interface ReproduceRun {
  run: RunName;
  distortions: boolean;
  passes: PassResult[];
  seconds: number;
}

export interface ReproduceReport {
  protocol: Record<string, unknown>;
  paper: typeof PAPER;
  runs: ReproduceRun[];
}

function chart(report: ReproduceReport): string {
  const name = (run: RunName): string => SHORT_NAMES[run];
  const series = report.runs.flatMap((r) => [
    ...(r.passes.some((p) => p.trainError !== undefined)
      ? [{ label: `training error, ${name(r.run)}`, dashed: true, run: r.run, points: r.passes.map((p) => [p.pass, 100 * p.trainError!] as [number, number]) }]
      : []),
    { label: `validation error, ${name(r.run)}`, dashed: false, run: r.run, points: r.passes.map((p) => [p.pass, 100 * p.validationError] as [number, number]) },
  ]);
  return learningCurvesSvg({
    title: 'Classic LeNet-5, SDLM, batch 1: error per pass on MNIST (50,000 train / 10,000 validation)',
    xLabel: 'pass over the 50,000 training digits',
    yLabel: 'error (%)',
    series: series.map((s) => ({ label: s.label, dashed: s.dashed, colour: COLOURS[s.run], points: s.points })),
    references: [
      { label: 'paper: test error 0.95% (no distortions)', y: 100 * PAPER.plain.testError, colour: '#1f5fbf' },
      { label: 'paper: training error 0.35% (no distortions)', y: 100 * PAPER.plain.trainError, colour: '#7f9fdf' },
      { label: 'paper: test error 0.8% (distortions)', y: 100 * PAPER.distorted.testError, colour: '#c0392b' },
    ],
  });
}

/** The README's table: the last pass of each run next to the paper's figures. */
function markdownTable(report: ReproduceReport): string {
  const pc = (v: number | undefined): string => (v === undefined ? '-' : `${(100 * v).toFixed(2)}%`);
  const order: RunName[] = ['plain', 'distorted', 'distorted10'];
  const rows = [...report.runs].sort((a, b) => order.indexOf(a.run) - order.indexOf(b.run)).map((r) => {
    const last = r.passes.at(-1);
    const best = r.passes.reduce((b, p) => (p.validationError < b.validationError ? p : b), r.passes[0]!);
    const paper = r.run === 'plain'
      ? `${pc(PAPER.plain.testError)} test, ${pc(PAPER.plain.trainError)} training`
      : `${pc(PAPER.distorted.testError)} test`;
    return `| ${RUN_NAMES[r.run]} | ${r.passes.length} | ${pc(last?.trainError)} | ` +
      `${pc(last?.validationError)} | ${pc(best?.validationError)} (pass ${best?.pass}) | ${paper} | ${Math.round(r.seconds / 60)} min |`;
  });
  return ['| training set | passes | training error (last pass) | validation error (last pass) | best validation error | ' +
    'paper, after 20 passes over 60,000 | time here |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

if (args.includes('--chart-only')) {
  const report = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as ReproduceReport;
  writeFileSync(`${out}.svg`, chart(report));
  console.log(`wrote ${out}.svg\n\n${markdownTable(report)}`);
} else {
  await init({ backend: 'wasm', relaxedSimd: false });
  const { all, source } = await mnistTraining();
  const { train, validation } = paperSplit(all);
  const trainEvalCount = Number(flag('--train-eval', String(TRAIN_COUNT)));
  const trainEval = train.subset(0, Math.min(trainEvalCount, train.count));
  const report: ReproduceReport = {
    protocol: {
      model: 'classic', optimizer: 'sdlm (mu 0.02, h_kk on 500 samples per pass), sdlmSchedule()',
      batchSize: 1, passes, seed: SEED, trainDigits: `MNIST training set 0..${TRAIN_COUNT - 1}`,
      validationDigits: `MNIST training set ${TRAIN_COUNT}..59999`, trainErrorOn: `training digits 0..${trainEval.count - 1}, undistorted`,
      data: source, simd: 'baseline (relaxedSimd: false)', node: process.version,
    },
    paper: PAPER,
    runs: [],
  };
  if (args.includes('--append')) {
    const before = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as ReproduceReport;
    report.runs = before.runs.filter((r) => !runs.includes(r.run));
  }
  mkdirSync(join(out, '..'), { recursive: true });
  const save = (): void => {
    writeFileSync(`${out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${out}.svg`, chart(report));
  };
  for (const run of runs) {
    const net = LeNet5.classic({ seed: SEED, batchSize: 1 });
    const entry: ReproduceRun = { run, distortions: run !== 'plain', passes: [], seconds: 0 };
    report.runs.push(entry);
    const t0 = performance.now();
    const copies = COPIES[run];
    const repeated = copies === 1 ? train
      : train.subset(Uint32Array.from({ length: copies * train.count }, (_, i) => i % train.count));
    await trainByPass(net, run === 'plain' ? train : repeated.withDistortion(), {
      passes, batchSize: 1, seed: SEED, optimizer: sdlm(), validation, trainEval,
      onPass: (r) => {
        entry.passes.push(r);
        entry.seconds = +((performance.now() - t0) / 1000).toFixed(1);
        save();
        console.log(`${run} pass ${r.pass}/${passes}: eta ${r.lr.toExponential(2)}, train loss ${r.trainLoss.toFixed(3)}, ` +
          `train error ${r.trainError === undefined ? '-' : (100 * r.trainError).toFixed(2)}%, ` +
          `validation error ${(100 * r.validationError).toFixed(2)}% (${r.seconds.toFixed(0)} s, ${r.samplesPerSecond.toFixed(0)} samples/s)`);
      },
    });
    if (saveModels) {
      mkdirSync(saveModels, { recursive: true });
      writeFileSync(join(saveModels, `classic-${run}.lenet5`), net.save());
    }
    console.log(`${run}: ${passes} passes in ${entry.seconds} s`);
  }
  save();
  console.log(`\n${markdownTable(report)}`);
}
