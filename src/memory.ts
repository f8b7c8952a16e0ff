/**
 * The arena: one block of linear memory that holds every tensor of a model (params, grads, optimizer
 * state, activations, scratch). Regions are byte offsets into it, 16-byte aligned so SIMD loads line up.
 *
 * Why views are re-created: growing a non-shared WebAssembly.Memory detaches its old ArrayBuffer, and a
 * typed array over a detached buffer reads as empty and silently drops writes. Every Region therefore
 * looks its view up through the arena, which rebuilds views after any growth (tracked by `generation`).
 */

import { InvalidArgumentError, MemoryLimitError } from './errors.js';

const PAGE = 65536;
const ALIGN = 16;

/** Something whose `buffer` can be replaced by a bigger one: a WebAssembly.Memory, or a plain fallback. */
export interface GrowableMemory {
  readonly buffer: ArrayBuffer;
  /** Grows by `pages` of 64 KiB; returns the previous size in pages (WebAssembly.Memory semantics). */
  grow(pages: number): number;
}

/** A plain-ArrayBuffer stand-in for WebAssembly.Memory, for the js backend when WebAssembly is absent. */
export class PlainMemory implements GrowableMemory {
  buffer: ArrayBuffer;
  constructor(pages: number) {
    this.buffer = new ArrayBuffer(pages * PAGE);
  }
  grow(pages: number): number {
    const old = this.buffer;
    const next = new ArrayBuffer(old.byteLength + pages * PAGE);
    new Uint8Array(next).set(new Uint8Array(old));
    this.buffer = next;
    return old.byteLength / PAGE;
  }
}

export type DType = 'f32' | 'i32';

/**
 * A typed window into the arena: `length` 4-byte elements from byte `ptr`. Its views (`f32`, `i32`, `u8`) stay
 * valid when the memory grows.
 */
export class Region {
  private f32View: Float32Array | null = null;
  private i32View: Int32Array | null = null;
  private u8View: Uint8Array | null = null;
  private seen = -1;

  constructor(
    /** The arena the region belongs to. */
    readonly arena: Arena,
    /** Byte offset in the arena's memory. */
    readonly ptr: number,
    /** Number of 4-byte elements. */
    readonly length: number,
    /** A name for messages (the layer and tensor, e.g. `'C1.weight'`). */
    readonly label: string,
    /** What the bytes hold: float32 (most tensors) or int32 (labels, max-pool argmax). */
    readonly dtype: DType = 'f32',
  ) {}

  /** A view of `length` elements starting `offset` elements in (params carved from one block). */
  sub(offset: number, length: number, label = this.label, dtype: DType = this.dtype): Region {
    if (offset < 0 || length < 0 || offset + length > this.length) {
      throw new InvalidArgumentError(`${this.label}: sub-region [${offset}, ${offset + length}) outside [0, ${this.length})`);
    }
    return new Region(this.arena, this.ptr + offset * 4, length, label, dtype);
  }

  private refresh(): void {
    if (this.seen !== this.arena.generation) {
      const buf = this.arena.memory.buffer;
      this.f32View = new Float32Array(buf, this.ptr, this.length);
      this.i32View = new Int32Array(buf, this.ptr, this.length);
      this.u8View = new Uint8Array(buf, this.ptr, this.length * 4);
      this.seen = this.arena.generation;
    }
  }

  /** The region as float32 values; valid until the arena grows (then fetch it again). */
  get f32(): Float32Array {
    this.refresh();
    return this.f32View!;
  }

  /** The same bytes as int32 values (labels, max-pool argmax). */
  get i32(): Int32Array {
    this.refresh();
    return this.i32View!;
  }

  /** The same bytes one by one (image pixels staged for bytesToInput). */
  get u8(): Uint8Array {
    this.refresh();
    return this.u8View!;
  }
}

/**
 * One block of linear memory holding every tensor of a model, handed out as 16-byte aligned regions; grows on
 * demand up to `maxBytes`.
 */
export class Arena {
  /** Bumped whenever the memory grows: views older than this are detached. */
  generation = 0;
  private top: number;
  private readonly base: number;

  /**
   * @param memory - the linear memory (the wasm module's own for the wasm backend)
   * @param base - first byte the arena may use (the wasm module's `__heap_base`, or 0)
   * @param maxBytes - refuse allocations past this, with a clear error, instead of growing forever
   */
  constructor(
    /** The linear memory the regions live in. */
    readonly memory: GrowableMemory,
    base = 0,
    /** The most bytes the arena may grow to (default 2 GiB); past it, allocations throw MemoryLimitError. */
    readonly maxBytes = 2 ** 31,
  ) {
    this.base = align(base);
    this.top = this.base;
  }

  /** Bytes handed out so far (including alignment padding). */
  get used(): number {
    return this.top - this.base;
  }

  /** Current size of the underlying memory in bytes. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Carves out `length` 4-byte elements, zero-filled, 16-byte aligned; grows the memory when needed. */
  alloc(length: number, label = 'region', dtype: DType = 'f32'): Region {
    if (!Number.isInteger(length) || length < 0) {
      throw new InvalidArgumentError(`arena: cannot allocate ${String(length)} elements for ${label}`);
    }
    const ptr = this.top;
    const end = align(ptr + length * 4);
    if (end > this.maxBytes) throw this.overLimit(label, ptr, end);
    this.ensure(end);
    this.top = end;
    const region = new Region(this, ptr, length, label, dtype);
    region.f32.fill(0);
    return region;
  }

  private overLimit(label: string, ptr: number, end: number): MemoryLimitError {
    return new MemoryLimitError(
      `arena: ${label} needs ${end - ptr} bytes but the arena is limited to ${this.maxBytes} bytes ` +
        `(${ptr - this.base} already used); use a smaller batch or raise the memory limit (maxMemoryBytes)`,
      end - this.base, this.maxBytes,
    );
  }

  /**
   * A dry run of allocations from `mark` (a value of `used`): `take` applies `alloc`'s alignment and limit
   * (the same MemoryLimitError) without touching memory, and `used` is where they would end. A layout is
   * checked this way before it is made, so one that does not fit fails before the memory grows (wasm
   * memory never shrinks: a layout refused half-way would keep its memory for the life of the process).
   */
  plan(mark: number): { take(length: number, label: string): void; readonly used: number } {
    let top = this.base + mark;
    const base = this.base;
    return {
      take: (length, label) => {
        const end = align(top + length * 4);
        if (end > this.maxBytes) throw this.overLimit(label, top, end);
        top = end;
      },
      get used() {
        return top - base;
      },
    };
  }

  /** Makes sure the memory holds at least `bytes`; re-creates views (via `generation`) after growth. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch (err) {
      // The engine refused (its own maximum, or the machine is out of memory): say so, not "RangeError".
      throw new MemoryLimitError(`arena: the engine could not grow memory to ${bytes} bytes (${(err as Error).message}); ` +
        'use a smaller batch or model', bytes, have);
    }
    this.generation++;
  }

  /** Forgets every region at or after `mark` (a value of `used` taken earlier). */
  reset(mark = 0): void {
    this.top = this.base + mark;
  }
}

// Arithmetic, not `& ~15`: bitwise operators wrap at 2^31, and a huge request must stay huge so the
// limit check above refuses it instead of seeing a negative end.
function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
