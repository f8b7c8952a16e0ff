/** `lenet5 bench`: kernel and end-to-end benchmark, wasm vs pure JS, measured in one run. */
import { init } from '../../backend/load.js';
import { formatKernelRow, KERNEL_HEADER, runKernelBench } from '../../bench/kernels.js';
import { benchEndToEnd, END_TO_END_HEADER, formatEndToEndRow, type EndToEndRow } from '../../bench/end-to-end.js';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';

export async function bench(o: { kernels: boolean; endToEnd: boolean; only?: string }, out: Output): Promise<void> {
  await init({ backend: 'wasm' });
  const result: { kernels?: unknown[]; endToEnd?: EndToEndRow[]; ratios?: Record<string, number> } = {};
  if (o.kernels) {
    out.info(KERNEL_HEADER);
    result.kernels = runKernelBench({ ...(o.only === undefined ? {} : { only: o.only }), onRow: (r) => out.info(formatKernelRow(r)) });
    if (result.kernels.length === 0) throw new UsageError(`--only: no kernel named '${o.only}'`);
  }
  if (o.endToEnd) {
    out.info(`\n${END_TO_END_HEADER}`);
    const rows: EndToEndRow[] = [];
    for (const model of ['modern', 'classic'] as const) {
      for (const backend of ['wasm', 'js'] as const) {
        const r = await benchEndToEnd(model, backend);
        rows.push(r);
        out.info(formatEndToEndRow(r));
      }
    }
    result.endToEnd = rows;
    const ratios: Record<string, number> = {};
    for (const model of ['modern', 'classic'] as const) {
      const w = rows.find((r) => r.model === model && r.backend === 'wasm')!;
      const j = rows.find((r) => r.model === model && r.backend === 'js')!;
      ratios[`${model}Train`] = +(w.trainSamplesPerSec / j.trainSamplesPerSec).toFixed(1);
      ratios[`${model}Infer256`] = +(w.inferBatch256PerSec / j.inferBatch256PerSec).toFixed(1);
      ratios[`${model}Infer1`] = +(w.inferBatch1PerSec / j.inferBatch1PerSec).toFixed(1);
    }
    result.ratios = ratios;
    out.info(`\nwasm / js: ${Object.entries(ratios).map(([k, v]) => `${k} ${v}x`).join(', ')}`);
  }
  out.result(result);
}
