/**
 * Checkpoints and resume, for real: a training process is killed with SIGKILL during training and during
 * a checkpoint write; the checkpoint on disk is always whole, and the resumed run ends with weights
 * bit-identical to an uninterrupted run with the same seed. Also: resuming from every checkpoint of a
 * run (write callback, any platform), mismatches refused, unwritable paths named.
 *
 * Runs against dist/ (built by `npm test` before vitest), in this process and in the children alike, so
 * both sides execute the same build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Lib = typeof import('../../src/index.node.js');
type Net = import('../../src/models/lenet5.js').LeNet5;
type FitOpts = import('../../src/train/fit.js').FitOptions;

const here = dirname(fileURLToPath(import.meta.url));
const DIST = pathToFileURL(resolve(here, '../../dist/index.node.js')).href;
const FORMAT = pathToFileURL(resolve(here, '../../dist/io/format.js')).href;
const CHILD = join(here, 'fixtures/train-child.mjs');
const dir = mkdtempSync(join(tmpdir(), 'lenet5-ckpt-'));
const children = new Set<ChildProcess>();
let lib: Lib;
let format: typeof import('../../src/io/format.js');

// 160 synthetic 28x28 digits-like samples: a class-dependent bar plus seeded noise (learnable, tiny).
const COUNT = 160;
const images = new Uint8Array(COUNT * 784);
const labels = new Uint8Array(COUNT);
{
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 255;
  for (let i = 0; i < COUNT; i++) {
    const c = i % 10;
    labels[i] = c;
    for (let p = 0; p < 784; p++) {
      const y = Math.floor(p / 28);
      const x = p % 28;
      images[i * 784 + p] = (Math.abs(x - 4 - 2 * c) < 2 && y > 4 && y < 24 ? 200 : 0) + (rnd() >> 3);
    }
  }
}
const IMAGES = join(dir, 'images.bin');
const LABELS = join(dir, 'labels.bin');
writeFileSync(IMAGES, images);
writeFileSync(LABELS, labels);

interface Run { preset: 'modern' | 'classic'; epochs: number; batchSize: number; every: number; seed: number }
const RUNS: Record<'modern' | 'classic', Run> = {
  modern: { preset: 'modern', epochs: 3, batchSize: 16, every: 4, seed: 5 }, // 10 steps per epoch, 30 in all
  classic: { preset: 'classic', epochs: 2, batchSize: 8, every: 6, seed: 6 }, // 20 steps per epoch, 40 in all
};

const make = (r: Run): Net => (r.preset === 'classic' ? lib.LeNet5.classic({ seed: r.seed }) : lib.LeNet5.modern({ seed: r.seed }));
const fitOptions = (r: Run): FitOpts => ({
  epochs: r.epochs, batchSize: r.batchSize, seed: r.seed,
  optimizer: r.preset === 'classic' ? lib.sdlm({ samples: 32 }) : lib.adam(),
});

const sameBits = (a: Float32Array, b: Float32Array, what: string): void => {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) expect.fail(`${what}: weights differ first at [${i}]: ${a[i]} vs ${b[i]}`);
};

const straight: Partial<Record<'modern' | 'classic', Float32Array>> = {};

beforeAll(async () => {
  lib = (await import(DIST)) as Lib;
  format = (await import(FORMAT)) as typeof format;
  await lib.init();
  for (const r of Object.values(RUNS)) {
    const net = make(r);
    await net.fit({ images, labels }, fitOptions(r));
    straight[r.preset] = net.getWeights();
    net.dispose();
  }
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the child; resolves when its stdout shows `until` (then SIGKILLs it) or when it exits. */
function runChild(cfg: Record<string, unknown>, until?: RegExp): Promise<{ out: string; killed: boolean; code: number | null }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ dist: DIST, images: IMAGES, labels: LABELS, ...cfg })],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`child timed out; stdout: ${out}; stderr: ${err}`));
    }, 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (until && !killed && until.test(out)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (until && signal !== 'SIGKILL') fail(new Error(`child ended (${code}) before it was killed; stderr: ${err}`));
      else if (!until && code !== 0) fail(new Error(`child failed (${code}); stderr: ${err}`));
      else ok({ out, killed, code });
    });
  });
}

/** The checkpoint file's header (progress and step counter). */
function header(bytes: Uint8Array): { training: { steps: number; progress?: { epoch: number; batch: number } } } {
  return format.decodeModel(bytes).header as never;
}

async function resumeInProcess(r: Run, path: string): Promise<Float32Array> {
  const net = make(r);
  await net.fit({ images, labels }, { ...fitOptions(r), checkpoint: { path, every: r.every }, resume: true });
  const w = net.getWeights();
  net.dispose();
  return w;
}

describe.each(['modern', 'classic'] as const)('%s: kill -9 and resume', (preset) => {
  const r = RUNS[preset];

  it('killed during training: the last checkpoint is whole and the resumed run matches bit for bit', async () => {
    const path = join(dir, `${preset}-train.ckpt`);
    const killAt = r.every * 3 + 2; // two steps past the third checkpoint
    const c = await runChild({ ...r, path, mode: 'kill-in-training', killAt }, /step \d+/);
    expect(c.killed).toBe(true);
    const { readFileSync } = await import('node:fs');
    const h = header(readFileSync(path));
    expect(h.training.steps).toBe(r.every * 3);
    expect(readdirSync(dir).filter((f) => f.startsWith(`${preset}-train.ckpt.`))).toEqual([]);
    sameBits(await resumeInProcess(r, path), straight[preset]!, 'killed in training, resumed in this process');
  });

  it('killed in the middle of a checkpoint write: the previous checkpoint survives; resumed in a new process, the run matches', async () => {
    const path = join(dir, `${preset}-write.ckpt`);
    const c = await runChild({ ...r, path, mode: 'kill-in-write', killAt: 3 }, /writing 3/);
    expect(c.killed).toBe(true);
    const { readFileSync } = await import('node:fs');
    // The half-written temporary file is there; the checkpoint itself is the second one, whole.
    const tmp = readdirSync(dir).filter((f) => f.startsWith(`${preset}-write.ckpt.`) && f.endsWith('.tmp'));
    expect(tmp).toHaveLength(1);
    const whole = readFileSync(path);
    expect(readFileSync(join(dir, tmp[0]!)).length).toBeLessThan(whole.length);
    expect(() => lib.LeNet5.load(readFileSync(join(dir, tmp[0]!)))).toThrow(lib.ModelFileError);
    expect(header(whole).training.steps).toBe(r.every * 2);
    // Resume in a fresh process (the same command as the first run), then compare the final checkpoint.
    const done = await runChild({ ...r, path, mode: 'train' });
    expect(done.out).toMatch(/done/);
    // Resuming cleared the dead writer's temporary file.
    expect(existsSync(join(dir, tmp[0]!))).toBe(false);
    const final = lib.LeNet5.load(readFileSync(path));
    sameBits(final.getWeights(), straight[preset]!, 'killed mid-write, resumed in a new process');
    expect(final.epochsTrained).toBe(r.epochs);
    // Running the same command again finds the run complete and changes nothing.
    const again = make(r);
    const h = await again.fit({ images, labels }, { ...fitOptions(r), checkpoint: { path, every: r.every }, resume: true });
    expect(h.epochs).toHaveLength(0);
    sameBits(again.getWeights(), straight[preset]!, 'resumed after completion');
  });

  it('resuming from any checkpoint of a run (write callback) gives the uninterrupted weights', async () => {
    const saved: { bytes: Uint8Array; epoch: number; batch: number }[] = [];
    const net = make(r);
    await net.fit({ images, labels }, { ...fitOptions(r), checkpoint: { every: r.every, write: (bytes, p) => { saved.push({ bytes, epoch: p.epoch, batch: p.batch }); } } });
    sameBits(net.getWeights(), straight[preset]!, 'checkpointing does not change the run');
    // Mid-epoch and epoch-boundary checkpoints both occur.
    expect(saved.some((s) => s.batch > 0)).toBe(true);
    expect(saved.some((s) => s.batch === 0)).toBe(true);
    for (const pick of [0, Math.floor(saved.length / 2), saved.length - 2]) {
      const back = make(r);
      await back.fit({ images, labels }, { ...fitOptions(r), resume: saved[pick]!.bytes });
      sameBits(back.getWeights(), straight[preset]!, `resumed from checkpoint ${pick} (epoch ${saved[pick]!.epoch}, batch ${saved[pick]!.batch})`);
      back.dispose();
    }
  });
});

describe('checkpoint misuse is refused with a clear error', () => {
  it('different batch size, seed or architecture; unwritable path; resume without a path', async () => {
    const r = RUNS.modern;
    let first: Uint8Array | null = null;
    const net = make(r);
    await net.fit({ images, labels }, { ...fitOptions(r), epochs: 1, checkpoint: { every: 3, write: (b) => { first ??= b; } } });
    await expect(make(r).fit({ images, labels }, { ...fitOptions(r), batchSize: 8, resume: first! }))
      .rejects.toThrow(/checkpoint was written with batchSize 16 but this run has 8/);
    await expect(make(r).fit({ images, labels }, { ...fitOptions(r), seed: 9, resume: first! }))
      .rejects.toThrow(lib.CheckpointError);
    await expect(lib.LeNet5.classic({ seed: 5 }).fit({ images, labels }, { ...fitOptions(RUNS.classic), resume: first! }))
      .rejects.toThrow(/different architecture/);
    await expect(make(r).fit({ images, labels }, { ...fitOptions(r), checkpoint: { path: join(dir, 'no/such/dir/x.ckpt'), every: 2 } }))
      .rejects.toThrow(/no\/such\/dir\/x\.ckpt: cannot write the file \(ENOENT\)/);
    await expect(make(r).fit({ images, labels }, { ...fitOptions(r), resume: true })).rejects.toThrow(/resume: true needs checkpoint\.path/);
    await expect(make(r).fit({ images, labels }, { ...fitOptions(r), checkpoint: { every: 0, write: () => {} } }))
      .rejects.toThrow(/checkpoint\.every must be an integer >= 1/);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});
