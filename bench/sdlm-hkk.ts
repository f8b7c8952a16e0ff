/**
 * SDLM evidence, part 1: the h_kk the library estimates vs the exact per-sample Gauss-Newton diagonal
 * (test/util/gauss-newton.ts), per parameter tensor of the classic net, on real MNIST training digits.
 *   node scripts/run-ts.mjs bench/sdlm-hkk.ts [--samples 20] [--seed 1] [--loss map|penalty] [--weights file]
 * Prints per-tensor mean / median / min / max of both, the ratio of means, the per-element ratio
 * exact/ours (median, 10th and 90th percentiles), and the effective step eta / (mu + h) at the paper's eta;
 * then the top eigenvalue of the per-sample Gauss-Newton matrix preconditioned by those steps.
 */
import { readFileSync } from 'node:fs';
import { loadMnist } from '../src/data/mnist.node.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { digitPrototypes } from '../src/models/bitmaps.js';
import { f64Backend } from '../test/models/helpers.js';
import { gaussNewtonRows, preconditionedTop } from '../test/util/gauss-newton.js';

const arg = (name: string, d: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : d;
};
const S = Number(arg('samples', '20'));
const seed = Number(arg('seed', '1'));
const lossKind = arg('loss', 'map') === 'map' ? 'rbf-map' : 'rbf-penalty';
const weights = arg('weights', '');
// --steps k: after estimating h_kk, take k per-sample SDLM steps at the paper's eta (training digits 0..k-1)
// and measure there, with the steps eps_k still from the h_kk estimated before them (as within a pass).
const steps = Number(arg('steps', '0'));
const ETA = 0.0005, MU = 0.02;

const train = await loadMnist({ dir: '/work/shared/data/mnist-train', split: 'train' });
const net = LeNet5.classic({ seed, backend: f64Backend(), batchSize: 1, loss: lossKind === 'rbf-map' ? 'rbf-map' : 'rbf-penalty' });
const m = net.model;
if (weights) {
  const w = new Float32Array(readFileSync(weights).buffer.slice(0));
  m.view(m.paramsRegion).set(w);
}
const P = m.paramBlockLength;
const ours = new Float64Array(P), exact = new Float64Array(P);
const proto = digitPrototypes();
const t0 = Date.now();
const idxOf = (s: number): number => (s * 2654435761) % 20000; // spread over the first 20,000 training digits
for (let s = 0; s < S; s++) {
  m.writeBatch(train, 0, 1, [idxOf(s)]);
  m.zeroGrad();
  m.forward(1, false);
  m.secondDerivatives(1);
  const g = m.view(m.gradsRegion);
  for (let w = 0; w < P; w++) ours[w] = ours[w]! + g[w]! / S;
}
// eps_k at the paper's eta from our h_kk (averaged over the same samples).
const eps = Float64Array.from(ours, (h) => ETA / (MU + h));
const params = m.view(m.paramsRegion);
for (let t = 0; t < steps; t++) {
  m.writeBatch(train, 0, 1, [t]);
  m.forward(1, true, 0, true);
  const loss = m.computeLoss(1);
  m.zeroGrad();
  m.backward(1);
  const g = m.view(m.gradsRegion);
  for (let w = 0; w < P; w++) params[w] = params[w]! - eps[w]! * g[w]!;
  console.log(`step ${t + 1}: loss before it ${loss.toFixed(2)}`);
}
const tops: number[] = [], traces: number[] = [];
const traceBy = new Map<string, number>();
const tensorOf = new Array<string>(P);
m.layers.forEach((l, li) => l.params().forEach((spec, pi) => {
  const off = m.paramOffsets[li]![pi]!;
  const len = spec.shape.reduce((a, b) => a * b, 1);
  for (let w = off; w < off + len; w++) tensorOf[w] = l.name;
}));
for (let s = 0; s < S; s++) {
  m.writeBatch(train, 0, 1, [idxOf(s)]);
  const rows = gaussNewtonRows(m, train.label(idxOf(s)), proto);
  for (const b of rows) {
    for (let w = 0; w < P; w++) {
      const v = b[w]! * b[w]!;
      exact[w] = exact[w]! + v / S;
      const t = tensorOf[w]!;
      traceBy.set(t, (traceBy.get(t) ?? 0) + (eps[w]! * v) / S);
    }
  }
  const { top, trace } = preconditionedTop(rows, eps);
  tops.push(top);
  traces.push(trace);
}
if (steps > 0) console.log('(exact columns measured after the steps; ours before them)');
console.log(`${S} samples, loss ${lossKind}, seed ${seed}${weights ? `, weights ${weights}` : ' (initial weights)'}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const q = (a: number[], f: number): number => a[Math.min(a.length - 1, Math.floor(f * a.length))]!;
const fmt = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(2));
const rows: string[] = [];
rows.push('| tensor | n | ours mean | ours median | ours min | ours max | exact mean | exact median | exact min | exact max | mean ratio exact/ours | elementwise ratio p10 / p50 / p90 | eta/(mu+h) median, ours |');
rows.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
m.layers.forEach((l, li) => l.params().forEach((spec, pi) => {
  const off = m.paramOffsets[li]![pi]!;
  const len = spec.shape.reduce((a, b) => a * b, 1);
  const a: number[] = [], b: number[] = [], r: number[] = [], st: number[] = [];
  for (let w = off; w < off + len; w++) {
    if (exact[w] === 0 && ours[w] === 0) continue; // masked C3 weights
    a.push(ours[w]!); b.push(exact[w]!); r.push(exact[w]! / ours[w]!); st.push(ETA / (MU + ours[w]!));
  }
  const mean = (v: number[]): number => v.reduce((x, y) => x + y, 0) / v.length;
  const sa = [...a].sort((x, y) => x - y), sb = [...b].sort((x, y) => x - y), sr = [...r].sort((x, y) => x - y);
  const ss = [...st].sort((x, y) => x - y);
  rows.push(`| ${l.name}.${spec.name} | ${a.length} | ${fmt(mean(a))} | ${fmt(q(sa, 0.5))} | ${fmt(sa[0]!)} | ${fmt(sa[sa.length - 1]!)} | ` +
    `${fmt(mean(b))} | ${fmt(q(sb, 0.5))} | ${fmt(sb[0]!)} | ${fmt(sb[sb.length - 1]!)} | ${fmt(mean(b) / mean(a))} | ` +
    `${fmt(q(sr, 0.1))} / ${fmt(q(sr, 0.5))} / ${fmt(q(sr, 0.9))} | ${fmt(q(ss, 0.5))} |`);
}));
console.log(rows.join('\n'));

tops.sort((a, b) => a - b);
traces.sort((a, b) => a - b);
console.log(`\nPer-sample step at the paper's eta ${ETA} (eps_k = eta / (mu + h_kk), our h_kk): top eigenvalue of ` +
  `E^1/2 (J^T H J) E^1/2 over the ${S} samples: median ${fmt(q(tops, 0.5))}, max ${fmt(tops[tops.length - 1]!)}; ` +
  `p90 ${fmt(q(tops, 0.9))}; trace median ${fmt(q(traces, 0.5))} (overshoot when the top eigenvalue > 2; both scale linearly with eta).`);
console.log(`Mean trace by layer: ${[...traceBy].map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
