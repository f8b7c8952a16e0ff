/**
 * The `lenet5` command as users run it: a subprocess of the built CLI (dist/, made by `npm test`'s build).
 * Happy paths on the bundled digits, --json shapes, exit codes and one-line errors. The children run
 * offline (test/util/offline.mjs refuses every non-loopback connection), so the default data source's
 * fallback to the digits is what is tested on every machine, and nothing is ever downloaded.
 */
import {  } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitsSplit } from '../src/cli/data.js';
import { writeIdx } from '../src/data/idx.js';
import { runCli, type CliRun } from './util/cli.js';
import { FASHION, say } from './util/data.js';

let dir = '';

type Run = CliRun;
const run = (args: string[]): Promise<Run> => runCli(dir, args);

const lastJson = (r: Run): Record<string, unknown> => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

/** The one-line error contract: a single `lenet5: ...` line, no stack trace. */
function expectOneLineError(r: Run, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('lenet5:') || l.includes('    at '));
  expect(lines.some((l) => pattern.test(l)), r.stderr).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const heldOut: { file: string; label: number }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lenet5-cli-'));
  // 50 held-out digits as files: 25 PNG, 25 JPEG (black ink on white, as a user's scan would be).
  const { test } = await digitsSplit();
  for (let i = 0; i < 50; i++) {
    const img = test.image(i * 17);
    const label = test.label(i * 17);
    const inverted = img.map((v) => 255 - v);
    let file: string;
    if (i % 2 === 0) {
      file = join(dir, `digit-${i}.png`);
      writeFileSync(file, encodePng({ width: 28, height: 28, data: inverted, channels: 1, depth: 8 }));
    } else {
      const rgba = new Uint8Array(28 * 28 * 4);
      inverted.forEach((v, p) => rgba.set([v, v, v, 255], p * 4));
      file = join(dir, `digit-${i}.jpg`);
      writeFileSync(file, jpeg.encode({ data: rgba, width: 28, height: 28 }, 95).data);
    }
    heldOut.push({ file, label });
  }
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lenet5 CLI', () => {
  it('--help and --version exit 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/train.*\n[\s\S]*eval[\s\S]*predict[\s\S]*summary[\s\S]*bench/);
    for (const cmd of ['train', 'eval', 'predict', 'summary', 'bench']) {
      const r = await run([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain('--json');
    }
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('summary prints the table, and --json the parameter and connection counts of both presets', async () => {
    const text = await run(['summary', '--model', 'classic']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Trainable params: 60,000/);
    const modern = lastJson(await run(['summary', '--model', 'modern', '--json']));
    expect(modern.trainableParams).toBe(61706);
    const classic = lastJson(await run(['summary', '--model', 'classic', '--json']));
    expect(classic).toMatchObject({ trainableParams: 60000, connections: 340908 });
    expect(Array.isArray(classic.layers)).toBe(true);
  });

  it('train without --data falls back to the bundled digits offline, saves the model; eval reads it', async () => {
    const model = join(dir, 'modern.lenet5');
    const r = await run(['train', '--epochs', '2', '--out', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/using the digits bundled with the package/);
    // It did try MNIST's mirrors, and was refused: the fallback is the offline one.
    expect(r.stderr).toMatch(/\[offline\] refused a connection to storage\.googleapis\.com:443/);
    const res = lastJson(r);
    expect(res).toMatchObject({ model: 'modern', data: 'digits', epochs: 2, out: model });
    expect(res.testAccuracy).toBeGreaterThan(0.8);
    expect(res.samplesPerSec).toBeGreaterThan(0);
    expect(existsSync(model)).toBe(true);
    // Nothing decorative on stdout under --json: exactly one line, the result.
    expect(r.stdout.trim().split('\n')).toHaveLength(1);

    const e = await run(['eval', '--model-file', model, '--data', 'digits', '--json']);
    expect(e.code, e.stderr).toBe(0);
    const ev = lastJson(e);
    expect(ev.accuracy).toBeCloseTo(res.testAccuracy as number, 6);
    expect(ev.perClass).toHaveLength(10);
    expect(ev.confusion).toHaveLength(10);
    const text = await run(['eval', '--model-file', model, '--data', 'digits']);
    expect(text.stdout).toMatch(/accuracy .*%/);
    expect(text.stdout).toMatch(/true\\pred/);
  });

  it('train prints the per-epoch table for humans', async () => {
    const r = await run(['train', '--model', 'modern', '--data', 'digits', '--epochs', '1', '--out', join(dir, 't.lenet5')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/epoch\s+train loss\s+train acc\s+test loss\s+test acc\s+seconds/);
    expect(r.stdout).toMatch(/model saved to/);
  });

  it('train accepts a folder with only the two training files: the last sixth validates, the table says so', async () => {
    // A tiny synthetic MNIST training set (60 of the bundled digits as IDX files, no t10k files).
    const { train } = await digitsSplit();
    const folder = join(dir, 'train-only');
    mkdirSync(folder);
    const pixels = new Uint8Array(60 * 784);
    for (let i = 0; i < 60; i++) pixels.set(train.image(i), i * 784);
    writeFileSync(join(folder, 'train-images-idx3-ubyte'), writeIdx([60, 28, 28], pixels));
    writeFileSync(join(folder, 'train-labels-idx1-ubyte'), writeIdx([60], Uint8Array.from({ length: 60 }, (_, i) => train.label(i))));
    const text = await run(['train', '--data', folder, '--epochs', '1', '--out', join(dir, 'v.lenet5')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/no test files; holding out the last 10 training images as a validation set/);
    expect(text.stdout).toMatch(/epoch\s+train loss\s+train acc\s+val loss\s+val acc\s+seconds/);
    expect(text.stdout).toMatch(/50 training, 10 validation images/);
    expect(text.stdout).toMatch(/validation accuracy .*\(10 images\)/);
    expect(text.stdout).not.toMatch(/test accuracy/);
    const json = lastJson(await run(['train', '--data', folder, '--epochs', '1', '--validation-split', '0.25', '--json',
      '--out', join(dir, 'v2.lenet5')]));
    expect(json).toMatchObject({ validationImages: 15, epochs: 1 });
    expect(typeof json.validationAccuracy).toBe('number');
    expect(json).not.toHaveProperty('testAccuracy');
  });

  it('--validation-split also works where there is a test set; a fraction outside (0, 1) is a usage error', async () => {
    const r = await run(['train', '--data', 'digits', '--epochs', '1', '--validation-split', '1/8', '--json', '--out', join(dir, 'v3.lenet5')]);
    expect(r.code, r.stderr).toBe(0);
    const json = lastJson(r);
    expect(json).toMatchObject({ validationImages: 500 });
    expect(typeof json.testAccuracy).toBe('number');
    expectOneLineError(await run(['train', '--data', 'digits', '--validation-split', '1.5']), 2, /--validation-split must be a fraction/);
  });

  it(`eval accepts a folder with only the t10k files (${FASHION.dir !== null ? "Fashion-MNIST's" : 'the packaged digits written as IDX, in place of Fashion-MNIST'})`, async () => {
    const folder = join(dir, 't10k-only');
    mkdirSync(folder);
    let count: number;
    if (FASHION.dir !== null) {
      say(`cli eval: ${FASHION.said}`);
      for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(FASHION.dir, f), join(folder, f));
      count = 10000;
    } else {
      say(`cli eval: ${FASHION.said}: evaluated on the 1,000 held-out bundled digits written as t10k IDX files instead`);
      const { test } = await digitsSplit();
      writeFileSync(join(folder, 't10k-images-idx3-ubyte.gz'), gzipSync(writeIdx([test.count, test.height, test.width], test.images)));
      writeFileSync(join(folder, 't10k-labels-idx1-ubyte.gz'), gzipSync(writeIdx([test.count], test.labels)));
      count = 1000;
    }
    const model = join(dir, 'f.lenet5');
    expect((await run(['train', '--data', 'digits', '--epochs', '1', '--out', model])).code).toBe(0);
    const r = await run(['eval', '--model-file', model, '--data', folder, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const confusion = lastJson(r).confusion as number[][];
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(count);
    if (FASHION.dir === null) {
      // The same 1,000 digits through --data digits: the IDX round trip changed nothing.
      const direct = lastJson(await run(['eval', '--model-file', model, '--data', 'digits', '--json']));
      expect(lastJson(r).accuracy).toBe(direct.accuracy);
      expect(lastJson(r).confusion).toEqual(direct.confusion);
    }
  });

  it('predict with the pretrained model agrees with the label on >= 90% of 50 held-out PNG/JPEG digits', async () => {
    const r = await run(['predict', ...heldOut.map((h) => h.file), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const predictions = lastJson(r).predictions as { file: string; label: number; digit: number; kind: string; scores: number[]; probabilities: number[] }[];
    expect(predictions).toHaveLength(50);
    let correct = 0;
    predictions.forEach((p, i) => {
      expect(p.file).toBe(heldOut[i]!.file);
      expect(p.probabilities).toHaveLength(10);
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      // Modern: the scores are the probabilities.
      expect(p.scores).toEqual(p.probabilities);
      expect(p.kind).toBe('probabilities');
      expect(p.label).toBe(p.digit);
      if (p.digit === heldOut[i]!.label) correct++;
    });
    expect(correct).toBeGreaterThanOrEqual(45);
  });

  it('predict with the pretrained classic model (RBF penalties) also reads >= 90% of them', async () => {
    const r = await run(['predict', ...heldOut.map((h) => h.file), '--pretrained', 'classic', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const predictions = lastJson(r).predictions as { label: number; digit: number; kind: string; scores: number[]; probabilities: number[] }[];
    const correct = predictions.filter((p, i) => p.label === heldOut[i]!.label).length;
    expect(correct).toBeGreaterThanOrEqual(45);
    for (const p of predictions) {
      // The fields of net.predict: scores are the RBF penalties (least wins), probabilities their softmax of -penalties.
      expect(p.kind).toBe('penalties');
      expect(p.digit).toBe(p.label);
      expect(p.label).toBe(p.scores.indexOf(Math.min(...p.scores)));
      const m = Math.min(...p.scores);
      const e = p.scores.map((y) => Math.exp(-(y - m)));
      const sum = e.reduce((x, y) => x + y, 0);
      p.probabilities.forEach((q, i) => expect(q).toBeCloseTo(e[i]! / sum, 5));
    }
    // The text labels penalties as penalties, with no percentage beside them.
    const text = await run(['predict', heldOut[0]!.file, '--pretrained', 'classic']);
    expect(text.code, text.stderr).toBe(0);
    const line = text.stdout.trim().split('\n').at(-1)!;
    expect(line).toMatch(/^.*digit-0\.png: \d \(least RBF penalty, \d+\.\d\)  penalties, lower is better: 0:\d+\.\d /);
    expect(line).not.toMatch(/%/);
  });

  it('predict --show draws the input as text art', async () => {
    const r = await run(['predict', heldOut[0]!.file, '--show']);
    expect(r.code, r.stderr).toBe(0);
    const art = r.stdout.split('\n').filter((l) => /[#@%]/.test(l));
    expect(art.length).toBeGreaterThan(8);
  });

  it('bench --only runs one kernel and reports the ratio', async () => {
    const r = await run(['bench', '--only', 'denseForward', '--no-end-to-end', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const kernels = lastJson(r).kernels as { name: string; ratio: number; wasmGflops: number }[];
    expect(kernels.length).toBeGreaterThan(0);
    for (const k of kernels) {
      expect(k.name).toBe('denseForward');
      expect(k.ratio).toBeGreaterThan(1);
    }
  });

  it('usage errors exit 2 with one line', async () => {
    expectOneLineError(await run(['train', '--epochs', 'zero']), 2, /--epochs must be a positive integer/);
    expectOneLineError(await run(['train', '--model', 'alexnet']), 2, /alexnet/);
    expectOneLineError(await run(['train', '--bogus']), 2, /unknown option/);
    expectOneLineError(await run(['frobnicate']), 2, /unknown command/);
    expectOneLineError(await run(['train', '--data', join(dir, 'no-such-folder')]), 2, /--data must be/);
    expectOneLineError(await run(['eval']), 2, /--model-file/);
    expectOneLineError(await run(['bench', '--only', 'nope', '--no-end-to-end']), 2, /no kernel named/);
  });

  it('data and model errors exit 1 with one line (stack only with --debug)', async () => {
    expectOneLineError(await run(['eval', '--model-file', join(dir, 'missing.lenet5'), '--data', 'digits']), 1,
      /missing\.lenet5: cannot read the model file/);
    const corrupt = join(dir, 'corrupt.lenet5');
    writeFileSync(corrupt, 'this is not a model');
    expectOneLineError(await run(['eval', '--model-file', corrupt, '--data', 'digits']), 1, /corrupt\.lenet5/);
    expectOneLineError(await run(['predict', join(dir, 'missing.png')]), 1, /missing\.png/);
    const notImage = join(dir, 'not-an-image.png');
    writeFileSync(notImage, 'hello');
    expectOneLineError(await run(['predict', notImage]), 1, /not-an-image\.png/);
    const blank = join(dir, 'blank.png');
    writeFileSync(blank, encodePng({ width: 28, height: 28, data: new Uint8Array(784).fill(255), channels: 1, depth: 8 }));
    expectOneLineError(await run(['predict', blank]), 1, /no ink/i);
    const debug = await run(['eval', '--model-file', corrupt, '--data', 'digits', '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
