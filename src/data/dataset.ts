/**
 * A labelled image dataset as two compact typed arrays: `images` (count x height x width uint8, row-major)
 * and `labels` (count uint8). 60,000 MNIST images take 47 MB this way, a quarter of float32.
 *
 * Training reads it through `writeBatch`, which converts a batch straight into a caller-owned Float32Array
 * (the arena's input region) and Int32Array (labels) with the chosen normalisation, shuffling by an index
 * order and distorting on the fly, without allocating per sample or per batch.
 *
 * Why ~400 lines: one class and the checks of what users pass it (bytes or floats, flat or nested arrays);
 * the distortions (distort.ts), the input levels' consumers and the loaders live apart.
 */
import { affineWarp, identityAffine, randomAffine, resolveDistortion } from './distort.js';
import type { AffineParams, Distortion, DistortionOptions } from './distort.js';
import { DataFormatError, InvalidArgumentError } from '../errors.js';
import { checkSeed, mixSeed, permutation, Rng } from '../random.js';

/**
 * How pixels become network inputs.
 * - `modern`: pixel / 255 in [0, 1], same size as the image (28x28 for MNIST).
 * - `classic`: the paper's scaling, background (0) to -0.1 and full ink (255) to 1.175, i.e.
 *   v = -0.1 + 1.275 * pixel / 255 (mean ~0, variance ~1 on MNIST), padded by 2 on each side with the
 *   background value (28x28 to 32x32).
 */
export type Normalization = 'modern' | 'classic';

/**
 * Pixels of a dataset: bytes 0..255 (compact; what the loaders make) or floats 0..1 (what Keras/TF.js users
 * usually hold after `/ 255`). Both reach the network with the same levels (see Normalization).
 */
export type Pixels = Uint8Array | Float32Array;

/** A dataset of either kind of pixels. */
export type AnyDataset = Dataset<Pixels>;

/** Images as users hold them: bytes (typed), or floats 0..1 flat or nested ([N][784], [N][28][28]). */
export type ImageArrays = ArrayLike<number> | ArrayLike<ArrayLike<number>> | ArrayLike<ArrayLike<ArrayLike<number>>>;
/** Class indices, or one-hot rows. */
export type Labels = ArrayLike<number> | ArrayLike<ArrayLike<number>>;
/** The options of `Dataset.fromArrays`: everything of a DatasetInit but the images and labels. */
export type DatasetArrayOptions = Omit<DatasetInit, 'images' | 'labels'>;

/** What a Dataset is made of: the pixels, the labels and how to read them. */
export interface DatasetInit<P extends Pixels = Pixels> {
  /** The pixels, `count x height x width` values (bytes 0..255 or floats 0..1; 0 is background), row-major. */
  images: P;
  /** One class index per image, each below `numClasses`; their number is the count. */
  labels: Uint8Array;
  /** Image height in pixels (default 28). */
  height?: number;
  /** Image width in pixels (default 28). */
  width?: number;
  /** Number of classes (default 10). */
  numClasses?: number;
  /** A name for each class index (e.g. Fashion-MNIST's `'T-shirt/top'`), when the classes have names. */
  classNames?: readonly string[];
  /** A name for messages (default `'dataset'`). */
  name?: string;
  /** Random affine distortions `writeBatch` applies to training batches (default null: none). */
  distortion?: DistortionOptions | null;
}

/** How `Dataset.writeBatch` builds a batch: the normalisation, the sample order and the epoch. */
export interface BatchOptions {
  /** Default `modern`. */
  normalization?: Normalization;
  /** Sample order (e.g. `permutation(seed)` for a shuffled epoch): the batch takes order[start..start+size). */
  order?: ArrayLike<number>;
  /** Epoch number, so that distortions differ per epoch (default 0). */
  epoch?: number;
}

export interface InputLevels {
  /** The level of a blank pixel (and of the border). */
  background: number;
  /** The level of a fully inked pixel. */
  ink: number;
  /** Pixels of border added on each side. */
  pad: number;
  /** (ink - background) / 255: pixel byte v becomes background + gain * v. */
  gain: number;
}

/**
 * The network input of a normalisation (see Normalization): the one place the datasets and the model take
 * these numbers from, so a batch written by either holds the same floats.
 */
export function inputLevels(normalization: Normalization): InputLevels {
  const [background, ink, pad] = normalization === 'classic' ? [-0.1, 1.175, 2] : [0, 1, 0];
  return { background, ink, pad, gain: (ink - background) / 255 };
}

/** Per-sample layout of the network input for a normalisation: [channels, height, width]. */
export function inputShape(normalization: Normalization, height = 28, width = 28): [number, number, number] {
  const { pad } = inputLevels(normalization);
  return [1, height + 2 * pad, width + 2 * pad];
}

/**
 * `Dataset` (bytes, what the loaders return) or `Dataset<Float32Array>` (floats 0..1); fit, evaluate and
 * predictBatch take either (`AnyDataset`).
 */
export class Dataset<P extends Pixels = Uint8Array> {
  /** count x height x width pixels, row-major: bytes 0..255 or floats 0..1. */
  readonly images: P;
  /** The class index of each image. */
  readonly labels: Uint8Array;
  /** Number of samples. */
  readonly count: number;
  /** Image height in pixels (28 for MNIST). */
  readonly height: number;
  /** Image width in pixels (28 for MNIST). */
  readonly width: number;
  /** Number of classes (10 for MNIST). */
  readonly numClasses: number;
  /** A name for each class index, when the classes have names (Fashion-MNIST); else undefined. */
  readonly classNames: readonly string[] | undefined;
  /** A name for messages, e.g. `'mnist-train'`. */
  readonly name: string;
  /** Random affine distortion applied by `writeBatch` (null: none). */
  readonly distortion: Distortion | null;

  // Scratch for distortions, reused by every writeBatch call (no per-sample allocation).
  private scratch: Float32Array | null = null;
  private readonly rng = new Rng(0);
  private readonly affine: AffineParams = identityAffine();

  constructor(init: DatasetInit<P>) {
    const height = init.height ?? 28;
    const width = init.width ?? 28;
    const numClasses = init.numClasses ?? 10;
    const name = init.name ?? 'dataset';
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
      throw new InvalidArgumentError(`${name}: image size must be positive integers, got ${height}x${width}`);
    }
    if (!(init.images instanceof Uint8Array || init.images instanceof Float32Array)) {
      throw new InvalidArgumentError(`${name}: images must be a Uint8Array or a Float32Array (see Dataset.fromArrays), got ${describe(init.images)}`);
    }
    const count = init.labels.length;
    if (init.images.length !== count * height * width) {
      throw new DataFormatError(
        `${name}: ${count} labels need ${count * height * width} pixels of ${height}x${width}, ` +
          `but there are ${init.images.length}: images and labels disagree`,
        name,
      );
    }
    for (let i = 0; i < count; i++) {
      if (init.labels[i]! >= numClasses) {
        throw new DataFormatError(`${name}: label ${init.labels[i]} at index ${i} is outside 0..${numClasses - 1}`, name);
      }
    }
    if (init.images instanceof Float32Array) checkUnitFloats(init.images, height * width, name);
    this.images = init.images;
    this.labels = init.labels;
    this.count = count;
    this.height = height;
    this.width = width;
    this.numClasses = numClasses;
    this.classNames = init.classNames;
    this.name = name;
    this.distortion = init.distortion ? resolveDistortion(init.distortion) : null;
  }

  /** Pixels per image. */
  get pixels(): number {
    return this.height * this.width;
  }

  /** Floats per sample in a batch for `normalization` (784 modern, 1024 classic for MNIST). */
  sampleSize(normalization: Normalization = 'modern'): number {
    const [c, h, w] = inputShape(normalization, this.height, this.width);
    return c * h * w;
  }

  /**
   * A dataset from the arrays a Keras or TF.js user holds: `images` as bytes 0..255 (Uint8Array or
   * Uint8ClampedArray), or floats 0..1 (Float32Array, Float64Array, a plain number array, or nested arrays
   * of images / rows: `[N][784]` or `[N][28][28]`), flat or nested; `labels` as class indices or one-hot
   * rows (`[N][classes]`). Floats are kept as floats (Float32Array), bytes as bytes. Anything else, a
   * length that does not make whole images, a value outside 0..1 (floats; divide bytes by 255 or pass a
   * Uint8Array) or NaN throws an InvalidArgumentError that says which sample.
   */
  static fromArrays(images: Uint8Array | Uint8ClampedArray, labels: Labels, options?: DatasetArrayOptions): Dataset;
  /** A dataset of float pixels 0..1 from flat or nested number arrays (see the other overload). */
  static fromArrays(images: ImageArrays, labels: Labels, options?: DatasetArrayOptions): Dataset<Float32Array>;
  static fromArrays(images: ImageArrays, labels: Labels, options: DatasetArrayOptions = {}): Dataset<Pixels> {
    const name = options.name ?? 'dataset';
    const height = options.height ?? 28;
    const width = options.width ?? 28;
    const hw = height * width;
    const numClasses = options.numClasses ?? 10;
    const count = labels?.length;
    if (typeof count !== 'number') throw new InvalidArgumentError(`${name}: labels must be an array, got ${describe(labels)}`);
    const y = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const v = labels[i];
      let c = typeof v === 'number' ? v : -1;
      if (typeof v === 'object' && v?.length === numClasses) {
        // One-hot (or a distribution): the class with the largest value.
        c = 0;
        for (let k = 1; k < numClasses; k++) if (v[k]! > v[c]!) c = k;
      }
      if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) {
        throw new InvalidArgumentError(`${name}: label ${i} is ${typeof v === 'number' ? v : describe(v)}; expected a class in ` +
          `0..${numClasses - 1} or a one-hot row of ${numClasses} values`);
      }
      y[i] = c;
    }
    const pixels: Pixels = images instanceof Uint8Array ? images
      : images instanceof Uint8ClampedArray ? new Uint8Array(images.buffer, images.byteOffset, images.length)
      : flattenFloats(images, name);
    if (pixels.length !== count * hw) {
      throw new InvalidArgumentError(`${name}: ${count} labels need ${count} images of ${height}x${width} = ${count * hw} pixels, ` +
        `got ${pixels.length}${pixels.length % hw === 0 ? ` (${pixels.length / hw} images)` : ''}: images and labels disagree`);
    }
    return new Dataset<Pixels>({ ...options, images: pixels, labels: y });
  }

  /** True when the pixels are floats 0..1 (else bytes 0..255). */
  get floats(): boolean {
    return this.images instanceof Float32Array;
  }

  /** Image `i` as a view (no copy). */
  image(i: number): P {
    this.checkIndex(i);
    return this.images.subarray(i * this.pixels, (i + 1) * this.pixels) as P;
  }

  /** The class index of sample `i`. */
  label(i: number): number {
    this.checkIndex(i);
    return this.labels[i]!;
  }

  /** How many samples of each class. */
  classCounts(): Int32Array {
    const counts = new Int32Array(this.numClasses);
    for (let i = 0; i < this.count; i++) counts[this.labels[i]!]!++;
    return counts;
  }

  /**
   * `subset(start, end)`: samples [start, end) as views of the same memory (no copy).
   * `subset(indices)`: the listed samples, copied in that order.
   */
  subset(start: number, end?: number): Dataset<P>;
  /** The samples at `indices`, copied in that order. */
  subset(indices: ArrayLike<number>): Dataset<P>;
  subset(arg: number | ArrayLike<number>, end = this.count): Dataset<P> {
    if (typeof arg === 'number') {
      const start = arg;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.count || start > end) {
        throw new InvalidArgumentError(`${this.name}: subset [${start}, ${end}) is outside [0, ${this.count}]`);
      }
      return this.derive(this.images.subarray(start * this.pixels, end * this.pixels) as P, this.labels.subarray(start, end));
    }
    const n = arg.length;
    const images = (this.images instanceof Float32Array ? new Float32Array(n * this.pixels) : new Uint8Array(n * this.pixels)) as P;
    const labels = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const i = arg[k]!;
      this.checkIndex(i);
      images.set(this.images.subarray(i * this.pixels, (i + 1) * this.pixels), k * this.pixels);
      labels[k] = this.labels[i]!;
    }
    return this.derive(images, labels);
  }

  /**
   * Splits into two: the first holds `first` samples (a count, or a fraction in (0, 1) of the total),
   * the second the rest. With `seed`, samples are shuffled before splitting (copies); without, the split
   * keeps the order and shares memory.
   */
  split(first: number, options: { seed?: number } = {}): [Dataset<P>, Dataset<P>] {
    const n = first > 0 && first < 1 ? Math.round(first * this.count) : first;
    if (!Number.isInteger(n) || n < 0 || n > this.count) {
      throw new InvalidArgumentError(
        `${this.name}: split(${first}) needs a count in 0..${this.count} or a fraction in (0, 1)`,
      );
    }
    const src = options.seed === undefined ? this : this.shuffle(options.seed);
    return [src.subset(0, n), src.subset(n, this.count)];
  }

  /** A copy in a seeded random order (`seed`: an integer in [0, 2^32)). */
  shuffle(seed: number): Dataset<P> {
    return this.subset(this.permutation(seed));
  }

  /** A seeded random order of 0..count-1 (for shuffling epochs without copying the images). */
  permutation(seed: number, out?: Uint32Array): Uint32Array {
    checkSeed(seed, `${this.name}: seed`);
    return permutation(this.count, seed, out);
  }

  /** The same samples (shared memory) with random affine distortions applied by `writeBatch`; null removes them. */
  withDistortion(options: DistortionOptions | null = {}): Dataset<P> {
    return this.derive(this.images, this.labels, options);
  }

  /**
   * Writes samples order[start..start+size) (or start..start+size without `order`) into `inputs`
   * (size x sampleSize floats, NCHW with C = 1) and their labels into `labels` (may be null). Returns
   * the number written. Distorted datasets apply each sample's transform for `epoch` on the fly.
   */
  writeBatch(
    inputs: Float32Array,
    labels: Int32Array | null,
    start: number,
    size: number,
    options: BatchOptions = {},
  ): number {
    const normalization = options.normalization ?? 'modern';
    const order = options.order;
    const limit = order ? order.length : this.count;
    if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 0 || start + size > limit) {
      throw new InvalidArgumentError(`${this.name}: batch [${start}, ${start + size}) is outside [0, ${limit}]`);
    }
    const per = this.sampleSize(normalization);
    if (inputs.length < size * per) {
      throw new InvalidArgumentError(
        `${this.name}: input buffer holds ${inputs.length} floats, a batch of ${size} needs ${size * per} (${normalization})`,
      );
    }
    if (labels && labels.length < size) {
      throw new InvalidArgumentError(`${this.name}: label buffer holds ${labels.length}, a batch of ${size} needs ${size}`);
    }
    const { background: offset, gain: byteGain, ink, pad } = inputLevels(normalization);
    // Floats 0..1 span the same levels as bytes 0..255.
    const gain = this.images instanceof Float32Array ? ink - offset : byteGain;
    const h = this.height;
    const w = this.width;
    const ow = w + 2 * pad;
    const dist = this.distortion;
    const epoch = options.epoch ?? 0;
    if (dist && !this.scratch) this.scratch = new Float32Array(h * w);
    for (let k = 0; k < size; k++) {
      const i = order ? order[start + k]! : start + k;
      if (!(i >= 0 && i < this.count && Number.isInteger(i))) {
        throw new InvalidArgumentError(`${this.name}: order[${start + k}] = ${i} is not a sample index`);
      }
      const base = k * per;
      if (pad > 0) inputs.fill(offset, base, base + per);
      const srcOff = i * h * w;
      if (dist) {
        this.rng.reseed(mixSeed(dist.seed, epoch, i));
        randomAffine(this.rng, dist, this.affine);
        const img = this.images.subarray(srcOff, srcOff + h * w);
        const s = this.scratch!;
        affineWarp(s, img, w, h, this.affine);
        for (let y = 0; y < h; y++) {
          const o = base + (y + pad) * ow + pad;
          for (let x = 0; x < w; x++) inputs[o + x] = offset + gain * s[y * w + x]!;
        }
      } else {
        const img = this.images;
        for (let y = 0; y < h; y++) {
          const o = base + (y + pad) * ow + pad;
          const r = srcOff + y * w;
          for (let x = 0; x < w; x++) inputs[o + x] = offset + gain * img[r + x]!;
        }
      }
      if (labels) labels[k] = this.labels[i]!;
    }
    return size;
  }

  private derive(images: P, labels: Uint8Array, distortion: DistortionOptions | null = this.distortion): Dataset<P> {
    return new Dataset<P>({
      images,
      labels,
      height: this.height,
      width: this.width,
      numClasses: this.numClasses,
      classNames: this.classNames,
      name: this.name,
      distortion,
    });
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new InvalidArgumentError(`${this.name}: index ${i} is outside 0..${this.count - 1}`);
    }
  }
}

/** The first sample of `images` (floats) holding a value outside 0..1 or NaN: an InvalidArgumentError naming it. */
export function checkUnitFloats(images: ArrayLike<number>, perImage: number, name: string): void {
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    if (!(v >= 0 && v <= 1)) {
      const sample = Math.floor(i / perImage);
      throw new InvalidArgumentError(`${name}: pixel ${i - sample * perImage} of image ${sample} is ${String(v)}; float pixels must be ` +
        'in 0..1 (divide bytes by 255, or pass them as a Uint8Array)');
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

/** Floats from a flat or nested array (images, rows, pixels); the caller checks the count and the range. */
function flattenFloats(images: ArrayLike<unknown>, name: string): Float32Array {
  if (images instanceof Float32Array) return images;
  const out: number[] = [];
  const walk = (a: unknown): void => {
    if (typeof a === 'number') out.push(a);
    else if (a !== null && typeof a === 'object' && typeof (a as ArrayLike<unknown>).length === 'number') {
      for (let i = 0; i < (a as ArrayLike<unknown>).length; i++) walk((a as ArrayLike<unknown>)[i]);
    } else throw new InvalidArgumentError(`${name}: images hold ${describe(a)}, not numbers`);
  };
  walk(images);
  return Float32Array.from(out);
}
