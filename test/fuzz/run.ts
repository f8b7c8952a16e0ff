/**
 * Fuzzes the parsers with fast-check: the IDX parser, the model loader and the image decoder +
 * preprocessing (and raw rasters into preprocessing), each with >= 10,000 generated and mutated inputs.
 * Every case must return a well-formed result or throw one of our typed errors, within CASE_MS.
 *
 *   node scripts/run-ts.mjs test/fuzz/run.ts [--runs 10000] [--seed 1] [--only model]
 *
 * Each target runs in a worker thread watched from the main thread: a case that hangs (a synchronous
 * loop cannot be interrupted from inside) is detected after CASE_MS and the worker terminated, so a
 * hang is reported as a finding instead of stalling the script. Exit code 1 on any finding.
 */
import fc from 'fast-check';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { init } from '../../src/backend/load.js';
import { boundsTarget, CASE_MS, idxTarget, imageTarget, modelSeeds, modelTarget, rasterTarget, type FuzzTarget } from './targets.js';

const NAMES = ['idx', 'model', 'image', 'raster', 'bounds'] as const;
type Name = (typeof NAMES)[number];

interface Job { name: Name; runs: number; seed: number }
type Msg =
  | { kind: 'case'; index: number }
  | { kind: 'done'; runs: number; outcomes: Record<string, number>; seconds: number; peakRssMB: number }
  | { kind: 'failed'; message: string; counterexample: string };

async function worker(job: Job): Promise<void> {
  await init();
  const target: FuzzTarget<unknown> = (job.name === 'idx' ? idxTarget : job.name === 'image' ? imageTarget
    : job.name === 'raster' ? rasterTarget : job.name === 'bounds' ? boundsTarget : modelTarget(await modelSeeds())) as FuzzTarget<unknown>;
  const outcomes: Record<string, number> = {};
  let index = 0;
  const t0 = performance.now();
  const post = (m: Msg): void => parentPort!.postMessage(m);
  const result = await fc.check(
    fc.asyncProperty(target.arbitrary, async (input) => {
      post({ kind: 'case', index: index++ });
      const outcome = await target.run(input);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }),
    { numRuns: job.runs, seed: job.seed, timeout: CASE_MS, endOnFailure: true },
  );
  if (result.failed) {
    const ce = result.counterexample?.[0];
    const text = ce instanceof Uint8Array ? `${ce.length} bytes: ${Buffer.from(ce.subarray(0, 96)).toString('hex')}` : JSON.stringify(ce);
    post({ kind: 'failed', message: String((result.errorInstance as Error | null)?.message ?? 'property failed'), counterexample: text });
    return;
  }
  // Shrinking re-runs cases; count the distinct generated ones only.
  post({ kind: 'done', runs: result.numRuns, outcomes, seconds: (performance.now() - t0) / 1000,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
}

function runJob(job: Job): Promise<{ ok: boolean; line: string }> {
  return new Promise((resolve) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    let last = { index: -1, at: performance.now() };
    let settled = false;
    const finish = (ok: boolean, line: string): void => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      void w.terminate();
      resolve({ ok, line });
    };
    // Model seeds are built (and the wasm compiled) before the first case: allow for that.
    const watch = setInterval(() => {
      const limit = last.index < 0 ? 60_000 : 2 * CASE_MS;
      if (performance.now() - last.at > limit) finish(false, `${job.name}: case ${last.index + 1} hung for > ${limit} ms (worker terminated)`);
    }, 100);
    w.on('message', (m: Msg) => {
      if (m.kind === 'case') last = { index: m.index, at: performance.now() };
      else if (m.kind === 'done') {
        const kinds = Object.entries(m.outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
        finish(true, `${job.name.padEnd(6)} ${String(m.runs).padStart(6)} cases in ${m.seconds.toFixed(1)} s, no crash, no hang, only typed errors (${kinds}); process peak RSS so far ${m.peakRssMB} MB`);
      } else finish(false, `${job.name}: ${m.message}\n  counterexample: ${m.counterexample}`);
    });
    w.on('error', (err) => finish(false, `${job.name}: worker crashed: ${err.stack ?? err.message}`));
    w.on('exit', (code) => finish(false, `${job.name}: worker exited with code ${code} before finishing`));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (flag: string, dflt: string): string => {
    const i = args.indexOf(flag);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
  };
  const runs = Number(opt('--runs', '10000'));
  const seed = Number(opt('--seed', '1'));
  const only = opt('--only', '');
  const names = NAMES.filter((n) => only === '' || only.split(',').includes(n));
  console.log(`fuzzing ${names.join(', ')}: ${runs} cases each, seed ${seed}, ${CASE_MS} ms per case at most`);
  let failed = false;
  // One worker per target, all at once: they are independent.
  const results = await Promise.all(names.map((name, i) => runJob({ name, runs, seed: seed + i })));
  for (const r of results) {
    console.log(r.line);
    if (!r.ok) failed = true;
  }
  process.exit(failed ? 1 : 0);
}

if (isMainThread) await main();
else await worker(workerData as Job);
