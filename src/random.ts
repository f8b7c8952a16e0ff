/**
 * The one seeded random source of the library: initialisation, shuffling, splits, dropout seeds, SDLM's
 * sample choice and the distortions. sfc32 (Chris Doty-Humphrey's small fast counting generator) seeded
 * through splitmix32; integer-only, so the same seed gives the same stream in every engine. Not for
 * cryptography.
 */
import { InvalidArgumentError } from './errors.js';

/** Throws an InvalidArgumentError unless `seed` is an integer in [0, 2^32) (what the generator can take whole). */
export function checkSeed(seed: unknown, what: string): void {
  if (!(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    throw new InvalidArgumentError(`${what} must be an integer in [0, 2^32), got ${String(seed)}`);
  }
}
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = this.b = this.c = this.d = 0;
    this.reseed(seed);
  }

  /** Starts the stream of `seed` again, in place (lets a hot loop reuse one generator per sample). */
  reseed(seed: number): void {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    this.d = (this.d + 1) >>> 0;
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle(a: Int32Array | Uint32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  /** The full state, for checkpoints. */
  get state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  set state(s: [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = s.map((v) => v >>> 0) as [number, number, number, number];
  }
}

/** Mixes integers into one 32-bit seed (e.g. seed, epoch, sample index), so streams do not overlap. */
export function mixSeed(a: number, b: number, c = 0): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ (b >>> 0), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ (c >>> 0), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A Fisher-Yates permutation of 0..n-1, written into `out` (allocated when omitted). */
export function permutation(n: number, seed: number, out: Uint32Array = new Uint32Array(n)): Uint32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
