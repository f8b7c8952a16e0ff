/**
 * The fuzz targets of test/fuzz/run.ts in CI, with fewer cases (the script runs >= 10,000 per target):
 * every generated or mutated input gives a well-formed result or one of our typed errors, within the
 * per-case time limit. A different seed per CI run would make failures hard to reproduce: seeds are fixed.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/backend/load.js';
import { boundsTarget, CASE_MS, idxTarget, imageTarget, modelSeeds, modelTarget, rasterTarget, type FuzzTarget } from '../fuzz/targets.js';

const RUNS = 300;
let model: FuzzTarget;

beforeAll(async () => {
  await init();
  model = modelTarget(await modelSeeds());
});

async function fuzz<T>(target: FuzzTarget<T>, seed: number): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(target.arbitrary, async (input) => {
      const o = await target.run(input);
      outcomes[o] = (outcomes[o] ?? 0) + 1;
    }),
    { numRuns: RUNS, seed, timeout: CASE_MS },
  );
  return outcomes;
}

describe(`fuzzing with fast-check (${RUNS} cases per target here; test/fuzz/run.ts runs 10,000+)`, () => {
  it('IDX parser: only DataFormatError, and valid files parse', async () => {
    const o = await fuzz(idxTarget, 101);
    expect(o['ok']).toBeGreaterThan(0);
    expect(o['DataFormatError']).toBeGreaterThan(0);
  });

  it('model loader: only ModelFileError, and what loads predicts', async () => {
    const o = await fuzz(model, 102);
    expect(o['ok']).toBeGreaterThan(0);
    expect(Object.keys(o).sort()).toEqual(['ModelFileError', 'ok']);
  });

  it('image decoder + preprocessing: only ImageDecodeError / NoInkError', async () => {
    const o = await fuzz(imageTarget, 103);
    expect(o['ImageDecodeError']).toBeGreaterThan(0);
    expect(Object.keys(o).every((k) => ['ok', 'ImageDecodeError', 'NoInkError'].includes(k))).toBe(true);
  });

  it('declared sizes (huge dims, gzip bombs, huge activations): refused before allocating, only typed errors', async () => {
    const o = await fuzz(boundsTarget, 105);
    expect(o['DataFormatError']).toBeGreaterThan(0);
    expect(o['MemoryLimitError']).toBeGreaterThan(0);
    expect(Object.keys(o).every((k) => ['ok', 'DataFormatError', 'MemoryLimitError'].includes(k))).toBe(true);
  });

  it('raw rasters into preprocessing: only InvalidArgumentError / NoInkError', async () => {
    const o = await fuzz(rasterTarget, 104);
    expect(Object.keys(o).every((k) => ['ok', 'InvalidArgumentError', 'NoInkError'].includes(k))).toBe(true);
  });
});
