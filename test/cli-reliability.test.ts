/**
 * The `lenet5` command on bad days: empty data, interrupted training and resuming, an --out that cannot be
 * written, a diverged run, and predict over several files some of which fail. Children of the built CLI
 * (dist/), offline, on tiny IDX folders.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitsSplit } from '../src/cli/data.js';
import { writeIdx } from '../src/data/idx.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { CLI as cli, cliEnv, runCli, type CliRun } from './util/cli.js';

let dir = '';

type Run = CliRun;
const run = (args: string[]): Promise<Run> => runCli(dir, args);

/** The one-line error contract: a single `lenet5: ...` line matching, no stack trace. */
function expectOneLineError(r: Run, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.split('\n').some((l) => l.startsWith('lenet5:') && pattern.test(l)), r.stderr).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A folder of MNIST-named IDX files: `train` training images and `test` test images of the bundled digits. */
async function idxFolder(name: string, train: number, test: number | null): Promise<string> {
  const { train: digits } = await digitsSplit();
  const folder = join(dir, name);
  mkdirSync(folder);
  const write = (prefix: string, n: number, from: number): void => {
    const pixels = new Uint8Array(n * 784);
    for (let i = 0; i < n; i++) pixels.set(digits.image(from + i), i * 784);
    writeFileSync(join(folder, `${prefix}-images-idx3-ubyte`), writeIdx([n, 28, 28], pixels));
    writeFileSync(join(folder, `${prefix}-labels-idx1-ubyte`), writeIdx([n], Uint8Array.from({ length: n }, (_, i) => digits.label(from + i))));
  };
  write('train', train, 0);
  if (test !== null) write('t10k', test, 1000);
  return folder;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lenet5-cli-rel-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('empty data is a data error', () => {
  it('train on 0 training images exits 1 naming the empty set', async () => {
    const folder = await idxFolder('empty-train', 0, 20);
    expectOneLineError(await run(['train', '--data', folder, '--epochs', '1', '--out', join(dir, 'e.lenet5')]), 1,
      /the training set holds 0 images.*nothing to train on/);
    expect(existsSync(join(dir, 'e.lenet5'))).toBe(false);
  });

  it('eval on 0 test images exits 1 naming the empty set', async () => {
    const folder = await idxFolder('empty-test', 0, 0);
    const model = join(dir, 'any.lenet5');
    writeFileSync(model, LeNet5.modern({ seed: 1, backend: 'js' }).save());
    const r = await run(['eval', '--model-file', model, '--data', folder, '--json']);
    expectOneLineError(r, 1, /the test set holds 0 images.*nothing to evaluate/);
    expect(r.stdout).not.toMatch(/accuracy/);
  });
});

/** Starts `lenet5 args`, sends `signal` as soon as `file` exists, and resolves with how it ended. */
function killWhenExists(args: string[], file: string, signal: NodeJS.Signals): Promise<Run & { killed: boolean }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: dir, env: cliEnv(dir),
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (!killed && existsSync(file)) {
        killed = child.kill(signal);
      }
    }, 5);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code: code ?? -1, stdout, stderr, killed });
    });
  });
}

const weightsOf = (file: string): Buffer => Buffer.from(LeNet5.load(readFileSync(file), { backend: 'js' }).getWeights().buffer);

describe('train: interruptions, checkpoints and --resume', () => {
  const args = ['train', '--data', 'digits', '--epochs', '4', '--batch-size', '8', '--seed', '3'];

  it('SIGTERM after the first checkpoint, then --resume, gives the uninterrupted weights bit for bit', async () => {
    const whole = join(dir, 'whole.lenet5');
    const r0 = await run([...args, '--out', whole]);
    expect(r0.code, r0.stderr).toBe(0);
    expect(existsSync(`${whole}.ckpt`)).toBe(false); // a finished run removes its checkpoint

    const out = join(dir, 'cut.lenet5');
    const ckpt = join(dir, 'cut.ckpt');
    const cut = await killWhenExists([...args, '--out', out, '--checkpoint', ckpt], ckpt, 'SIGTERM');
    expect(cut.killed).toBe(true);
    expect(cut.code, cut.stderr).toBe(143);
    expect(cut.stdout).toMatch(/interrupted by SIGTERM: checkpoint written to .*cut\.ckpt/);
    expect(cut.stdout).toMatch(/lenet5 train .*--checkpoint \S*cut\.ckpt --resume/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(ckpt)).toBe(true);

    const resumed = await run([...args, '--out', out, '--checkpoint', ckpt, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(weightsOf(out).equals(weightsOf(whole))).toBe(true);
    expect(existsSync(ckpt)).toBe(false);
  });

  it('SIGINT exits 130 with the checkpoint at its default place, next to --out', async () => {
    const out = join(dir, 'int.lenet5');
    const cut = await killWhenExists([...args, '--out', out, '--json'], `${out}.ckpt`, 'SIGINT');
    expect(cut.killed).toBe(true);
    expect(cut.code, cut.stderr).toBe(130);
    const json = JSON.parse(cut.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(json).toMatchObject({ interrupted: 'SIGINT', checkpoint: `${out}.ckpt` });
    expect(String(json.resume)).toMatch(/--resume$/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('train: --out is checked first; a diverged run keeps the old file', () => {
  it('a missing --out folder fails before training', async () => {
    const r = await run(['train', '--data', 'digits', '--epochs', '1', '--out', join(dir, 'no-such-dir', 'm.lenet5')]);
    expectOneLineError(r, 2, /--out .*no-such-dir.*does not exist/);
    expect(r.stdout).not.toMatch(/training modern/);
  });

  it('an --out whose folder is a file fails before training', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await run(['train', '--data', 'digits', '--epochs', '1', '--out', join(file, 'm.lenet5')]);
    expectOneLineError(r, 2, /--out .*a-file is not a folder/);
    expect(r.stdout).not.toMatch(/training modern/);
  });

  it('a diverged run exits 1 and leaves the existing file, unless --force', async () => {
    const out = join(dir, 'keep.lenet5');
    writeFileSync(out, 'the previous model');
    const diverge = ['train', '--data', 'digits', '--epochs', '2', '--optimizer', 'sgd', '--lr', '1e30', '--out', out];
    const r = await run(diverge);
    expectOneLineError(r, 1, /diverged/);
    expect(r.stderr).toMatch(/nothing saved; .*keep\.lenet5 is unchanged/);
    expect(readFileSync(out, 'utf8')).toBe('the previous model');
    const forced = await run([...diverge, '--force']);
    expect(forced.code, forced.stderr).toBe(1);
    expect(weightsOf(out).length).toBe(61706 * 4);
  });
});

describe('predict over several files', () => {
  /** A held-out digit as a PNG, dark ink on light paper; `faint` squeezes it into 20 levels of grey. */
  async function digitPng(name: string, i: number, faint = false): Promise<string> {
    const { test } = await digitsSplit();
    const data = test.image(i).map((v) => (faint ? 255 - Math.round((v * 20) / 255) : 255 - v));
    const file = join(dir, name);
    writeFileSync(file, encodePng({ width: 28, height: 28, data, channels: 1, depth: 8 }));
    return file;
  }

  it('prints each result or error in order and exits 1 at the end when any failed; --json has { file, error }', async () => {
    const a = await digitPng('a.png', 0);
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not a png');
    const c = await digitPng('c.png', 1);
    const r = await run(['predict', a, bad, c]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`a\\.png: \\d \\(`));
    expect(r.stdout).toMatch(new RegExp(`c\\.png: \\d \\(`));
    expect(r.stdout).toMatch(/1 of 3 files failed/);
    expect(r.stderr).toMatch(/^lenet5: .*bad\.png/m);
    const j = await run(['predict', a, bad, c, '--json']);
    expect(j.code, j.stderr).toBe(1);
    const { predictions } = JSON.parse(j.stdout.trim().split('\n').at(-1)!) as { predictions: Record<string, unknown>[] };
    expect(predictions.map((p) => p.file)).toEqual([a, bad, c]);
    expect(typeof predictions[0]!.label).toBe('number');
    expect(predictions[1]).toMatchObject({ file: bad, code: 'E_IMAGE_DECODE' });
    expect(String(predictions[1]!.error)).toMatch(/bad\.png/);
    expect(predictions[1]).not.toHaveProperty('label');
    expect(typeof predictions[2]!.label).toBe('number');
  });

  it('--min-contrast reads a faint digit; the "no ink" error names the flag', async () => {
    const faint = await digitPng('faint.png', 2);
    const fainter = await digitPng('fainter.png', 2, true);
    const r = await run(['predict', fainter]);
    expectOneLineError(r, 1, /fainter\.png: no ink found .*lower --min-contrast \(now 32\)/);
    const ok = await run(['predict', fainter, '--min-contrast', '10', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const label = (p: Run): unknown => (JSON.parse(p.stdout.trim().split('\n').at(-1)!) as { predictions: { label: number }[] }).predictions[0]!.label;
    expect(label(ok)).toBe(label(await run(['predict', faint, '--json'])));
    expectOneLineError(await run(['predict', faint, '--min-contrast', '300']), 2, /--min-contrast must be an integer in 0\.\.255/);
  });
});
