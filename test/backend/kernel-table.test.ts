/**
 * The kernel table (src/backend/kernel-table.ts) against what it describes: the AssemblyScript exports'
 * parameter types, the shipped builds' exports, and the bindings derived from it. (Against the `Kernels`
 * interface it is checked at compile time.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBytes, type BuildName } from '../../src/backend/builds.js';
import {
  bindKernels, kernelArity, KERNEL_NAMES, KERNEL_TABLE, type ArgKind, type KernelEntry, type KernelName,
} from '../../src/backend/kernel-table.js';
import { createWasmBackend, WASM_ADAPTERS } from '../../src/backend/wasm-backend.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Arena, PlainMemory, type Region } from '../../src/memory.js';
import { moduleOf, readExports } from '../util/wasm-binary.js';

const entry = (name: KernelName): KernelEntry => KERNEL_TABLE[name];
/** The wasm export's parameters: the table's, or its adapter's where the export differs (adamUpdate). */
const exportParams = (name: KernelName): readonly ArgKind[] =>
  WASM_ADAPTERS[name]?.params ?? [...entry(name).args, ...(entry(name).optional ?? [])];

const assembly = new URL('../../assembly/', import.meta.url);

/** The functions assembly/index.ts exports (from the files it re-exports): name -> param types, result. */
function assemblyExports(): Map<string, { params: string[]; result: string }> {
  const index = readFileSync(new URL('index.ts', assembly), 'utf8');
  const files = [...index.matchAll(/^export \* from '\.\/([\w-]+)';/gm)].map((m) => m[1]!);
  expect(files.length).toBeGreaterThan(5);
  const out = new Map<string, { params: string[]; result: string }>();
  for (const file of files) {
    const source = readFileSync(new URL(`${file}.ts`, assembly), 'utf8');
    for (const m of source.matchAll(/^export function (\w+)\(([^)]*)\)\s*:\s*(\w+)/gm)) {
      const params = m[2]!.split(',').map((p) => p.trim()).filter((p) => p !== '').map((p) => p.split(':')[1]!.trim());
      out.set(m[1]!, { params, result: m[3]! });
    }
  }
  return out;
}

/** The AssemblyScript type of each kind: every tensor is a pointer. */
const AS_TYPE: Record<ArgKind, string> = {
  'f': 'usize', 'f?': 'usize', 'col': 'usize', 'i': 'usize', 'u8': 'usize', 'i32': 'i32', 'u32': 'u32', 'f32': 'f32',
};

describe('kernel table', () => {
  it('matches the AssemblyScript exports: the same kernels, each parameter of the kind\'s type', () => {
    const exported = assemblyExports();
    expect([...exported.keys()].sort()).toEqual([...KERNEL_NAMES, 'heapBase'].sort());
    for (const name of KERNEL_NAMES) {
      const want = { params: exportParams(name).map((k) => AS_TYPE[k]), result: entry(name).returns ?? 'void' };
      expect(exported.get(name), name).toEqual(want);
    }
  });

  it('places each conv scratch between the connection table and the 8 conv dims (wasm-backend.ts reads them)', () => {
    let scratches = 0;
    for (const name of KERNEL_NAMES) {
      const kinds = [...entry(name).args, ...(entry(name).optional ?? [])];
      kinds.forEach((k, at) => {
        if (k !== 'col') return;
        scratches++;
        expect(at < entry(name).args.length, `${name}: the scratch is not optional`).toBe(true);
        expect(kinds[at - 1], `${name}: the argument before the scratch`).toBe('f?');
        expect(kinds.slice(at + 1, at + 9), `${name}: the 8 arguments after the scratch`).toEqual(Array(8).fill('i32'));
      });
    }
    expect(scratches).toBe(3);
  });

  it.each(['release', 'release-relaxed', 'release-threads', 'release-threads-relaxed'] as BuildName[])(
    'build %s exports exactly the table\'s kernels, each with its number of parameters', async (build) => {
      const { functions, kinds } = readExports(await buildBytes(build));
      const want = new Map<string, number>(KERNEL_NAMES.map((n) => [n, exportParams(n).length]));
      want.set('heapBase', 0);
      expect(new Map([...functions].sort()), build).toEqual(new Map([...want].sort()));
      expect(kinds.get('memory')).toBe('memory');
    });
});

describe('checking the wasm exports at instantiation', () => {
  const exportsOf = (change: (name: string) => number | null): { name: string; params: number; returns?: boolean }[] => [
    ...KERNEL_NAMES.flatMap((name) => {
      const params = change(name) ?? exportParams(name).length;
      return params < 0 ? [] : [{ name, params }];
    }),
    { name: 'heapBase', params: 0, returns: true },
  ];
  const instantiate = (bytes: Uint8Array<ArrayBuffer>) => createWasmBackend(new WebAssembly.Module(bytes));

  it('accepts a module with every kernel and heapBase (the stand-in the refusals below start from)', () => {
    const b = instantiate(moduleOf(exportsOf(() => null)));
    const r = b.arena.alloc(4, 'x');
    expect(() => b.reluForward(r, r, 4)).not.toThrow();
    expect(() => b.adamUpdate(r, r, r, r, 4, 0.1, 0.9, 0.999, 1e-8, 0, 1)).not.toThrow();
    expect(b.name).toBe('wasm');
  });

  it.each(KERNEL_NAMES)('refuses a module without %s, naming it', (missing) => {
    const bytes = moduleOf(exportsOf((name) => (name === missing ? -1 : null)));
    expect(() => instantiate(bytes)).toThrow(InvalidArgumentError);
    expect(() => instantiate(bytes)).toThrow(new RegExp(`does not export the kernel ${missing}:`));
  });

  it.each(KERNEL_NAMES)('refuses a module whose %s has one parameter too many or too few', (wrong) => {
    const n = exportParams(wrong).length;
    for (const params of [n + 1, n - 1]) {
      const bytes = moduleOf(exportsOf((name) => (name === wrong ? params : null)));
      expect(() => instantiate(bytes)).toThrow(
        new RegExp(`exports ${wrong} with ${params} parameters where this version's has ${n}`));
    }
  });

  it('wants adamUpdate with the bias corrections (12 parameters), not the step (the kernel\'s 11)', () => {
    expect(kernelArity('adamUpdate')).toBe(11);
    const bytes = moduleOf(exportsOf((name) => (name === 'adamUpdate' ? 11 : null)));
    expect(() => instantiate(bytes)).toThrow(/exports adamUpdate with 11 parameters where this version's has 12/);
  });

  it('refuses a module without heapBase', () => {
    const bytes = moduleOf(exportsOf(() => null).filter((f) => f.name !== 'heapBase'));
    expect(() => instantiate(bytes)).toThrow(/does not export heapBase/);
  });
});

describe('bindKernels', () => {
  const arena = new Arena(new PlainMemory(1));
  const tensor = (kind: ArgKind): Region => arena.alloc(4, kind, kind === 'i' ? 'i32' : 'f32');
  /** Marks each conversion, so the test sees which one every argument went through. */
  const pass = {
    f32: (r: Region) => `f32:${r.label}`,
    i32: (r: Region) => `i32:${r.label}`,
    u8: (r: Region) => `u8:${r.label}`,
    none: 'none',
  };

  it.each(KERNEL_NAMES)('%s: converts each argument by its kind, fills left-out optional ones, returns', (name) => {
    const { args: kinds, optional = [] } = entry(name);
    const calls: unknown[][] = [];
    const bound = bindKernels(pass, (n) => (...args: unknown[]) => {
      expect(n).toBe(name);
      calls.push(args);
      return 42;
    });
    const isTensor = (k: ArgKind): boolean => k === 'f' || k === 'f?' || k === 'col' || k === 'i' || k === 'u8';
    const given = (nulls: boolean) =>
      kinds.map((k, at) => (k === 'f?' && nulls ? null : isTensor(k) ? tensor(k) : 1000 + at));
    const converted = (k: ArgKind, a: unknown): unknown =>
      a === null ? 'none' : k === 'i' ? `i32:${k}` : k === 'u8' ? `u8:${k}` : typeof a === 'number' ? a : `f32:${k}`;
    const call = (args: unknown[]) => (bound[name] as (...a: unknown[]) => unknown)(...args);
    for (const nulls of [false, true]) {
      const args = given(nulls);
      expect(call(args)).toBe(42);
      // The optional arguments left out: 0, or a null tensor.
      expect(calls.pop()).toEqual([...kinds.map((k, at) => converted(k, args[at])),
        ...optional.map((k) => (k === 'f?' ? 'none' : 0))]);
      // ... and given.
      const extra = optional.map((k, at) => (k === 'f?' ? tensor(k) : 2000 + at));
      call([...args, ...extra]);
      expect(calls.pop()).toEqual([...kinds.map((k, at) => converted(k, args[at])),
        ...optional.map((k, at) => converted(k, extra[at]))]);
    }
  });

  it('shows the conv scratch, with the call as given, to `checkScratch` before the call', () => {
    const seen: unknown[] = [];
    const bound = bindKernels({ ...pass, checkScratch: (col, args, at) => void seen.push(col, [...args], at) },
      () => (...args: unknown[]) => args);
    const col = tensor('col'), out = tensor('f'), mask = tensor('f?');
    const args = [out, out, out, mask, col, 1, 2, 3, 4, 5, 6, 7, 8] as const;
    expect(bound.convBackwardInput(...args)).toEqual(
      ['f32:f', 'f32:f', 'f32:f', 'f32:f?', 'f32:col', 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen).toEqual([col, args, 4]);
    expect(() => bindKernels({ ...pass, checkScratch: () => { throw new Error('short'); } }, () => () => 0)
      .convBackwardInput(...args)).toThrow('short');
  });
});
