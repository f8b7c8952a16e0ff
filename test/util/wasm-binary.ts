/**
 * Just enough of the WebAssembly binary format for the tests of the kernel table: reading a module's
 * exports with their parameter counts (without compiling it, so builds this engine cannot run are read
 * too), and writing a module of do-nothing functions with chosen names and parameter counts.
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  u8(): number {
    if (this.at >= this.bytes.length) throw new Error('wasm-binary: unexpected end of module');
    return this.bytes[this.at++]!;
  }
  uleb(): number {
    let result = 0, shift = 0, byte: number;
    do {
      byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  }
  name(): string {
    const n = this.uleb();
    const s = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  limits(): void {
    const flags = this.u8();
    this.uleb();
    if (flags & 1) this.uleb();
  }
}

export interface ModuleExports {
  /** Exported functions: name -> number of parameters. */
  functions: Map<string, number>;
  /** Every export: name -> kind ('function', 'table', 'memory', 'global', 'tag'). */
  kinds: Map<string, string>;
}

const KINDS = ['function', 'table', 'memory', 'global', 'tag'];

/** The exports of a module and, for functions, their parameter counts, read from its bytes. */
export function readExports(bytes: Uint8Array): ModuleExports {
  const r = new Reader(bytes);
  if (r.bytes.length < 8 || r.bytes[0] !== 0 || r.bytes[1] !== 0x61 || r.bytes[2] !== 0x73 || r.bytes[3] !== 0x6d) {
    throw new Error('wasm-binary: not a WebAssembly module');
  }
  r.at = 8;
  const typeParams: number[] = [];
  const funcTypes: number[] = []; // imported functions first, then the defined ones
  const functions = new Map<string, number>();
  const kinds = new Map<string, string>();
  while (r.at < r.bytes.length) {
    const id = r.u8();
    const size = r.uleb();
    const end = r.at + size;
    if (id === 1) { // types
      for (let i = 0, n = r.uleb(); i < n; i++) {
        if (r.u8() !== 0x60) throw new Error('wasm-binary: unsupported type form');
        const params = r.uleb();
        r.at += params; // value types are one byte each (numbers and v128)
        typeParams.push(params);
        const results = r.uleb(); // (read before adding: `r.at += r.uleb()` would add to the old position)
        r.at += results;
      }
    } else if (id === 2) { // imports
      for (let i = 0, n = r.uleb(); i < n; i++) {
        r.name();
        r.name();
        const kind = r.u8();
        if (kind === 0) funcTypes.push(r.uleb());
        else if (kind === 1) { r.u8(); r.limits(); } else if (kind === 2) r.limits();
        else if (kind === 3) { r.u8(); r.u8(); } else r.uleb();
      }
    } else if (id === 3) { // functions
      for (let i = 0, n = r.uleb(); i < n; i++) funcTypes.push(r.uleb());
    } else if (id === 7) { // exports
      for (let i = 0, n = r.uleb(); i < n; i++) {
        const name = r.name();
        const kind = r.u8();
        const index = r.uleb();
        kinds.set(name, KINDS[kind] ?? `kind ${kind}`);
        if (kind === 0) functions.set(name, typeParams[funcTypes[index]!]!);
      }
    }
    r.at = end;
  }
  return { functions, kinds };
}

/**
 * A module exporting one page of memory and, for each entry, a function taking `params` i32 values that
 * does nothing (returns 0 when `returns` is set).
 */
export function moduleOf(
  functions: readonly { name: string; params: number; returns?: boolean }[],
): Uint8Array<ArrayBuffer> {
  const section = (id: number, items: number[][]): number[] => {
    const body = [...uleb(items.length), ...items.flat()];
    return [id, ...uleb(body.length), ...body];
  };
  const name = (s: string): number[] => {
    const b = [...new TextEncoder().encode(s)];
    return [...uleb(b.length), ...b];
  };
  const types = functions.map((f) => [0x60, ...uleb(f.params), ...Array<number>(f.params).fill(0x7f),
    ...(f.returns ? [1, 0x7f] : [0])]);
  const decls = functions.map((_, i) => uleb(i));
  const memory = [[0x00, 1]];
  const exports = [...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), [...name('memory'), 0x02, 0]];
  const code = functions.map((f) => {
    const body = [0, ...(f.returns ? [0x41, 0x80, 0x08] : []), 0x0b]; // no locals; i32.const 1024; end
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, types), ...section(3, decls),
    ...section(5, memory), ...section(7, exports), ...section(10, code)]);
}
