/**
 * The `lenet5` command on bad days: empty data, interrupted training and resuming, an --out that cannot be
 * written, a diverged run, and predict over several files some of which fail. Children of the built CLI
 * (dist/), offline, on tiny IDX folders.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitsSplit } from '../src/cli/data.js';
import { writeIdx } from '../src/data/idx.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { REPO_ROOT } from './util/data.js';

const cli = join(REPO_ROOT, 'dist/cli/main.js');
const OFFLINE = `--import=${pathToFileURL(join(REPO_ROOT, 'test/util/offline.mjs')).href}`;
const NODE_OPTIONS = [process.env.NODE_OPTIONS, OFFLINE].filter(Boolean).join(' ');
let dir = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], {
      cwd: dir, env: { ...process.env, NODE_OPTIONS, LENET5_CACHE_DIR: join(dir, 'cache') }, maxBuffer: 1 << 24,
    }, (err, stdout, stderr) => done({ code: err ? (err.code as number) : 0, stdout, stderr }));
  });
}

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
