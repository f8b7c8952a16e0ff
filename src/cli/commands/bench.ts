/** `lenet5 bench`: kernels, SIMD ceiling, training and inference, wasm vs pure JS, measured in one run. */
import { runBench } from '../bench/run.js';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';

export async function bench(o: { kernels: boolean; endToEnd: boolean; only?: string }, out: Output): Promise<void> {
  const result = await runBench({
    kernels: o.kernels,
    endToEnd: o.endToEnd,
    ...(o.only === undefined ? {} : { only: o.only }),
    // dist/cli/commands/bench.js -> dist/train/worker.js, the threaded rows' worker script.
    workerUrl: new URL('../../train/worker.js', import.meta.url),
    // dist/cli/commands/bench.js -> build/, where a checkout's `npm run asbuild:bench` puts the bench-only
    // build of the SIMD ceiling (the package does not ship it: the ceiling is then not measured).
    benchBuild: new URL('../../../build/', import.meta.url),
    print: (line) => out.info(line),
  });
  if (o.kernels && o.only !== undefined && result.kernels?.length === 0) {
    throw new UsageError(`--only: no kernel named '${o.only}'`);
  }
  out.result(result);
}
