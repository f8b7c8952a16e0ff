/**
 * Kernel benchmark cases: every hot kernel on LeNet-5's shapes, wasm (SIMD) vs the js backend (pure JS), one
 * thread. FLOPs: a multiply-add counts 2; pooling kernels count one FLOP per input element they read.
 */
import { createBackend } from '../../backend/load.js';
import type { Backend } from '../../backend/backend.js';
import { convScratchLength } from '../../backend/kernels.js';
import type { Region } from '../../memory.js';
import { fillRandom, timePerCall } from './timing.js';

export interface KernelRow {
  name: string;
  shape: string;
  wasmGflops: number;
  jsGflops: number;
  /** js time / wasm time, measured in the same run. */
  ratio: number;
}

export interface Case {
  name: string;
  shape: string;
  flops: number;
  /** Allocates the case's tensors on `b` and returns the call to time. */
  setup(b: Backend): () => void;
}

function rand(b: Backend, n: number, seed: number, label: string): Region {
  const r = b.arena.alloc(n, label);
  fillRandom(r.f32, seed);
  return r;
}

// LeNet-5 C3 connection table (Table I): which S2 maps each C3 map reads.
const TABLE_I = [
  [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1], [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5],
  [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2], [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5],
];

function convCases(label: string, N: number, C: number, H: number, W: number, OC: number, K: number, pad: number,
  masked = false): Case[] {
  const OH = H + 2 * pad - K + 1;
  const OW = W + 2 * pad - K + 1;
  const links = masked ? TABLE_I.reduce((s, r) => s + r.length, 0) : OC * C;
  const flops = 2 * N * OH * OW * K * K * links;
  const shape = `${label} N${N} ${C}->${OC} ${H}x${W} k${K}${pad ? ` pad${pad}` : ''}${masked ? ' TableI' : ''}`;
  const tensors = (b: Backend) => {
    const inp = rand(b, N * C * H * W, 1, 'inp');
    const weight = rand(b, OC * C * K * K, 2, 'weight');
    const bias = rand(b, OC, 3, 'bias');
    const dout = rand(b, N * OC * OH * OW, 4, 'dout');
    const out = b.arena.alloc(N * OC * OH * OW, 'out');
    const dinp = b.arena.alloc(N * C * H * W, 'dinp');
    const dweight = b.arena.alloc(OC * C * K * K, 'dweight');
    const dbias = b.arena.alloc(OC, 'dbias');
    const col = b.arena.alloc(convScratchLength(N, C, H, W, K, K, pad, masked ? OC : 0), 'col');
    let mask: Region | null = null;
    if (masked) {
      mask = b.arena.alloc(OC * C, 'mask');
      TABLE_I.forEach((ins, o) => ins.forEach((i) => (mask!.f32[o * C + i] = 1)));
    }
    return { inp, weight, bias, dout, out, dinp, dweight, dbias, col, mask };
  };
  return [
    { name: 'convForward', shape, flops, setup: (b) => {
      const t = tensors(b);
      return () => b.convForward(t.out, t.inp, t.weight, t.bias, t.mask, t.col, N, C, H, W, OC, K, K, pad);
    } },
    { name: 'convBackwardInput', shape, flops, setup: (b) => {
      const t = tensors(b);
      return () => b.convBackwardInput(t.dinp, t.dout, t.weight, t.mask, t.col, N, C, H, W, OC, K, K, pad);
    } },
    { name: 'convBackwardWeights', shape, flops, setup: (b) => {
      const t = tensors(b);
      return () => b.convBackwardWeights(t.dweight, t.dbias, t.dout, t.inp, t.mask, t.col, N, C, H, W, OC, K, K, pad);
    } },
  ];
}

function denseCases(N: number, IN: number, OUT: number): Case[] {
  const shape = `N${N} ${IN}->${OUT}`;
  const tensors = (b: Backend) => ({
    inp: rand(b, N * IN, 1, 'inp'), weight: rand(b, OUT * IN, 2, 'weight'), bias: rand(b, OUT, 3, 'bias'),
    dout: rand(b, N * OUT, 4, 'dout'), out: b.arena.alloc(N * OUT), dinp: b.arena.alloc(N * IN),
    dweight: b.arena.alloc(OUT * IN), dbias: b.arena.alloc(OUT),
  });
  return [
    { name: 'denseForward', shape, flops: 2 * N * IN * OUT, setup: (b) => {
      const t = tensors(b);
      return () => b.denseForward(t.out, t.inp, t.weight, t.bias, N, IN, OUT);
    } },
    { name: 'denseBackward', shape, flops: 4 * N * IN * OUT, setup: (b) => {
      const t = tensors(b);
      return () => b.denseBackward(t.dinp, t.dweight, t.dbias, t.dout, t.inp, t.weight, N, IN, OUT);
    } },
  ];
}

function poolCases(N: number, C: number, H: number, W: number): Case[] {
  const shape = `N${N} C${C} ${H}x${W}`;
  const n = N * C * H * W;
  const m = N * C * (H >> 1) * (W >> 1);
  const tensors = (b: Backend) => ({
    inp: rand(b, n, 1, 'inp'), out: b.arena.alloc(m), dout: rand(b, m, 2, 'dout'), dinp: b.arena.alloc(n),
    coeff: rand(b, C, 3, 'coeff'), bias: rand(b, C, 4, 'bias'), dcoeff: b.arena.alloc(C), dbias: b.arena.alloc(C),
    argmax: b.arena.alloc(m, 'argmax', 'i32'),
  });
  return [
    { name: 'avgPoolForward', shape, flops: n, setup: (b) => {
      const t = tensors(b);
      return () => b.avgPoolForward(t.out, t.inp, N, C, H, W);
    } },
    { name: 'avgPoolBackward', shape, flops: n, setup: (b) => {
      const t = tensors(b);
      return () => b.avgPoolBackward(t.dinp, t.dout, N, C, H, W);
    } },
    { name: 'subsampleForward', shape, flops: n, setup: (b) => {
      const t = tensors(b);
      return () => b.subsampleForward(t.out, t.inp, t.coeff, t.bias, N, C, H, W);
    } },
    { name: 'subsampleBackward', shape, flops: n, setup: (b) => {
      const t = tensors(b);
      return () => b.subsampleBackward(t.dinp, t.dcoeff, t.dbias, t.dout, t.inp, t.coeff, N, C, H, W);
    } },
    { name: 'maxPoolForward', shape, flops: n, setup: (b) => {
      const t = tensors(b);
      return () => b.maxPoolForward(t.out, t.argmax, t.inp, N, C, H, W);
    } },
    { name: 'maxPoolBackward', shape, flops: n, setup: (b) => {
      const t = tensors(b);
      b.maxPoolForward(t.out, t.argmax, t.inp, N, C, H, W);
      return () => b.maxPoolBackward(t.dinp, t.dout, t.argmax, N, C, H, W);
    } },
  ];
}

/** LeNet-5's shapes for every benchmarked kernel. */
export const KERNEL_CASES: Case[] = [
  ...convCases('C1', 32, 1, 32, 32, 6, 5, 0),
  ...convCases('C1', 32, 1, 28, 28, 6, 5, 2),
  ...convCases('C3', 32, 6, 14, 14, 16, 5, 0),
  ...convCases('C3', 32, 6, 14, 14, 16, 5, 0, true),
  ...convCases('C5', 32, 16, 5, 5, 120, 5, 0),
  ...denseCases(32, 400, 120),
  ...denseCases(32, 120, 84),
  ...denseCases(32, 84, 10),
  ...poolCases(32, 6, 28, 28),
  ...poolCases(32, 16, 10, 10),
];

/** Times every case (or those named `only`) on fresh wasm and js backends; needs `init()` first. */
export function runKernelBench(opts: { only?: string; onRow?: (row: KernelRow) => void } = {}): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const c of KERNEL_CASES) {
    if (opts.only !== undefined && c.name !== opts.only) continue;
    // A fresh backend per case keeps each arena small and the timings independent.
    const wasm = c.setup(createBackend('wasm'));
    const js = c.setup(createBackend('js'));
    const tw = timePerCall(wasm);
    const tj = timePerCall(js, 0.1, 3);
    const row = {
      name: c.name, shape: c.shape,
      wasmGflops: +(c.flops / tw / 1e9).toFixed(3), jsGflops: +(c.flops / tj / 1e9).toFixed(3),
      ratio: +(tj / tw).toFixed(2),
    };
    rows.push(row);
    opts.onRow?.(row);
  }
  return rows;
}

export const KERNEL_HEADER = `${'kernel'.padEnd(20)} ${'shape'.padEnd(34)} wasm GF/s   js GF/s    ratio`;

export function formatKernelRow(r: KernelRow): string {
  return `${r.name.padEnd(20)} ${r.shape.padEnd(34)} ${r.wasmGflops.toFixed(2).padStart(8)} ` +
    `${r.jsGflops.toFixed(3).padStart(9)} ${r.ratio.toFixed(1).padStart(7)}x`;
}
