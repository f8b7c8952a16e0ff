/**
 * The "naive pure JS" row of `npm run bench`: the modern LeNet-5 (conv 6@5x5 same + ReLU, avg pool, conv
 * 16@5x5 + ReLU, avg pool, conv 120@5x5 + ReLU, dense 84 + ReLU, dropout, dense 10, softmax +
 * cross-entropy, Adam) written the straightforward way: plain nested loops over Float32Arrays, buffers
 * allocated once per batch size, no im2col, no blocking, no unrolling. It is what a competent programmer
 * writes first, and the honest baseline for "faster than pure JS" (the js backend is the tuned one).
 *
 * Repo only (bench/): src/ never imports it. Before its figures are used, `checkNaive` runs the same
 * weights through it and through lenet5 and requires the same probabilities within 1e-4 (and so the same
 * classes): a speed figure of a different network would be worthless.
 */
import { randomData } from '../src/cli/bench/inputs.js';
import { Conv2D } from '../src/layers/conv.js';
import { Dense } from '../src/layers/dense.js';
import type { LeNet5 } from '../src/models/lenet5.js';

/** The parameters of the modern LeNet-5, in our layouts: conv (OC, C, 5, 5), dense (OUT, IN). */
export interface NaiveWeights {
  c1w: Float32Array; c1b: Float32Array;
  c2w: Float32Array; c2b: Float32Array;
  c3w: Float32Array; c3b: Float32Array;
  d1w: Float32Array; d1b: Float32Array;
  d2w: Float32Array; d2b: Float32Array;
}

/** Copies of a modern LeNet5's current weights (conv and dense layers in order). */
export function weightsOf(net: LeNet5): NaiveWeights {
  const m = net.model;
  const params = m.view(m.paramsRegion);
  const arrays: Float32Array[] = [];
  m.layers.forEach((l, i) => {
    if (!(l instanceof Conv2D) && !(l instanceof Dense)) return;
    l.params().forEach((p, j) => {
      const at = m.paramOffsets[i]![j]!;
      arrays.push(Float32Array.from(params.subarray(at, at + p.shape.reduce((a, b) => a * b, 1))));
    });
  });
  if (arrays.length !== 10) throw new Error(`naive: expected the modern preset's 5 conv/dense layers, got ${arrays.length / 2}`);
  const [c1w, c1b, c2w, c2b, c3w, c3b, d1w, d1b, d2w, d2b] = arrays as [Float32Array, Float32Array, Float32Array,
    Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  return { c1w, c1b, c2w, c2b, c3w, c3b, d1w, d1b, d2w, d2b };
}

// ---- Layers, forward and backward ------------------------------------------------------------------------

/** out (N, OC, OH, OW) = bias + conv(inp (N, C, H, W), w (OC, C, K, K)), zero padding `pad`, then ReLU. */
function convReluForward(out: Float32Array, inp: Float32Array, w: Float32Array, b: Float32Array,
  N: number, C: number, H: number, W: number, OC: number, K: number, pad: number): void {
  const OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let s = b[oc]!;
          for (let c = 0; c < C; c++) {
            for (let kh = 0; kh < K; kh++) {
              const ih = oh + kh - pad;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < K; kw++) {
                const iw = ow + kw - pad;
                if (iw < 0 || iw >= W) continue;
                s += w[((oc * C + c) * K + kh) * K + kw]! * inp[((n * C + c) * H + ih) * W + iw]!;
              }
            }
          }
          out[((n * OC + oc) * OH + oh) * OW + ow] = s > 0 ? s : 0;
        }
      }
    }
  }
}

/**
 * Through the ReLU (out > 0) and the convolution: dw += , db += , and dinp (overwritten, when given) from
 * dout; each output's gradient visits its window once.
 */
function convReluBackward(dinp: Float32Array | null, dw: Float32Array, db: Float32Array, dout: Float32Array,
  out: Float32Array, inp: Float32Array, w: Float32Array, N: number, C: number, H: number, W: number, OC: number,
  K: number, pad: number): void {
  const OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  if (dinp !== null) dinp.fill(0, 0, N * C * H * W);
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const o = ((n * OC + oc) * OH + oh) * OW + ow;
          if (!(out[o]! > 0)) continue;
          const g = dout[o]!;
          db[oc] += g;
          for (let c = 0; c < C; c++) {
            for (let kh = 0; kh < K; kh++) {
              const ih = oh + kh - pad;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < K; kw++) {
                const iw = ow + kw - pad;
                if (iw < 0 || iw >= W) continue;
                const wi = ((oc * C + c) * K + kh) * K + kw;
                const ii = ((n * C + c) * H + ih) * W + iw;
                dw[wi] += g * inp[ii]!;
                if (dinp !== null) dinp[ii] += g * w[wi]!;
              }
            }
          }
        }
      }
    }
  }
}

/** 2x2 average pooling, stride 2. */
function poolForward(out: Float32Array, inp: Float32Array, NC: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < NC; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const i = p * H * W + 2 * oh * W + 2 * ow;
        out[p * OH * OW + oh * OW + ow] = 0.25 * (inp[i]! + inp[i + 1]! + inp[i + W]! + inp[i + W + 1]!);
      }
    }
  }
}

function poolBackward(dinp: Float32Array, dout: Float32Array, NC: number, H: number, W: number): void {
  const OH = H >> 1, OW = W >> 1;
  for (let p = 0; p < NC; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const g = 0.25 * dout[p * OH * OW + oh * OW + ow]!;
        const i = p * H * W + 2 * oh * W + 2 * ow;
        dinp[i] = g; dinp[i + 1] = g; dinp[i + W] = g; dinp[i + W + 1] = g;
      }
    }
  }
}

/** out (N, OUT) = inp (N, IN) x w^T + b, then ReLU when `relu`. */
function denseForward(out: Float32Array, inp: Float32Array, w: Float32Array, b: Float32Array, N: number, IN: number,
  OUT: number, relu: boolean): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let s = b[o]!;
      for (let i = 0; i < IN; i++) s += inp[n * IN + i]! * w[o * IN + i]!;
      out[n * OUT + o] = relu && s < 0 ? 0 : s;
    }
  }
}

/** dw += dout^T inp, db += dout, dinp = dout w (overwritten). */
function denseBackward(dinp: Float32Array, dw: Float32Array, db: Float32Array, dout: Float32Array, inp: Float32Array,
  w: Float32Array, N: number, IN: number, OUT: number): void {
  dinp.fill(0, 0, N * IN);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      const g = dout[n * OUT + o]!;
      if (g === 0) continue;
      db[o] += g;
      for (let i = 0; i < IN; i++) {
        dw[o * IN + i] += g * inp[n * IN + i]!;
        dinp[n * IN + i] += g * w[o * IN + i]!;
      }
    }
  }
}

// ---- The network ---------------------------------------------------------------------------------------

export interface NaiveNet {
  /** Probabilities (count x 10) of `count` 28x28 byte images, in batches of the net's batch size. */
  predict(images: Uint8Array, count: number): Float32Array;
  /** One Adam step on `count` images (bytes) and labels; returns the batch-mean cross-entropy. */
  trainStep(images: Uint8Array, labels: Uint8Array, count: number): number;
}

/**
 * The network over copies of `init`, buffers for batches of up to `batchSize`. Adam (lr 1e-3, betas 0.9,
 * 0.999, eps 1e-7, as lenet5's default), dropout 0.8 before the last layer while training (a seeded LCG).
 */
export function naiveNet(init: NaiveWeights, batchSize: number): NaiveNet {
  const B = batchSize;
  const p = {
    c1w: init.c1w.slice(), c1b: init.c1b.slice(), c2w: init.c2w.slice(), c2b: init.c2b.slice(),
    c3w: init.c3w.slice(), c3b: init.c3b.slice(), d1w: init.d1w.slice(), d1b: init.d1b.slice(),
    d2w: init.d2w.slice(), d2b: init.d2b.slice(),
  };
  const names = Object.keys(p) as (keyof typeof p)[];
  const g = Object.fromEntries(names.map((k) => [k, new Float32Array(p[k].length)])) as typeof p;
  const m1 = Object.fromEntries(names.map((k) => [k, new Float32Array(p[k].length)])) as typeof p;
  const m2 = Object.fromEntries(names.map((k) => [k, new Float32Array(p[k].length)])) as typeof p;
  const f = (n: number): Float32Array => new Float32Array(B * n);
  const x = f(784), a1 = f(6 * 784), s1 = f(6 * 196), a2 = f(16 * 100), s2 = f(16 * 25), a3 = f(120);
  const h = f(84), hd = f(84), keep = f(84), z = f(10), prob = f(10);
  const dz = f(10), dhd = f(84), da3 = f(120), ds2 = f(16 * 25), da2 = f(16 * 100), ds1 = f(6 * 196), da1 = f(6 * 784);
  let seed = 12345;
  let t = 0;

  const load = (images: Uint8Array, start: number, N: number): void => {
    for (let i = 0; i < N * 784; i++) x[i] = images[start * 784 + i]! / 255;
  };
  const forward = (N: number, training: boolean): void => {
    convReluForward(a1, x, p.c1w, p.c1b, N, 1, 28, 28, 6, 5, 2);
    poolForward(s1, a1, N * 6, 28, 28);
    convReluForward(a2, s1, p.c2w, p.c2b, N, 6, 14, 14, 16, 5, 0);
    poolForward(s2, a2, N * 16, 10, 10);
    convReluForward(a3, s2, p.c3w, p.c3b, N, 16, 5, 5, 120, 5, 0);
    denseForward(h, a3, p.d1w, p.d1b, N, 120, 84, true);
    for (let i = 0; i < N * 84; i++) {
      if (training) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        keep[i] = seed / 4294967296 < 0.8 ? 0 : 5; // 1 / (1 - 0.8)
      } else keep[i] = 1;
      hd[i] = h[i]! * keep[i]!;
    }
    denseForward(z, hd, p.d2w, p.d2b, N, 84, 10, false);
    for (let n = 0; n < N; n++) {
      let mx = -Infinity;
      for (let c = 0; c < 10; c++) mx = Math.max(mx, z[n * 10 + c]!);
      let sum = 0;
      for (let c = 0; c < 10; c++) sum += (prob[n * 10 + c] = Math.exp(z[n * 10 + c]! - mx));
      for (let c = 0; c < 10; c++) prob[n * 10 + c] = prob[n * 10 + c]! / sum;
    }
  };

  return {
    predict(images, count) {
      const outp = new Float32Array(count * 10);
      for (let s = 0; s < count; s += B) {
        const N = Math.min(B, count - s);
        load(images, s, N);
        forward(N, false);
        outp.set(prob.subarray(0, N * 10), s * 10);
      }
      return outp;
    },
    trainStep(images, labels, N) {
      load(images, 0, N);
      forward(N, true);
      let loss = 0;
      for (let n = 0; n < N; n++) {
        const y = labels[n]!;
        loss -= Math.log(Math.max(prob[n * 10 + y]!, 1e-30));
        for (let c = 0; c < 10; c++) dz[n * 10 + c] = (prob[n * 10 + c]! - (c === y ? 1 : 0)) / N;
      }
      for (const k of names) g[k].fill(0);
      denseBackward(dhd, g.d2w, g.d2b, dz, hd, p.d2w, N, 84, 10);
      for (let i = 0; i < N * 84; i++) dhd[i] = h[i]! > 0 ? dhd[i]! * keep[i]! : 0; // dropout, then ReLU
      denseBackward(da3, g.d1w, g.d1b, dhd, a3, p.d1w, N, 120, 84);
      convReluBackward(ds2, g.c3w, g.c3b, da3, a3, s2, p.c3w, N, 16, 5, 5, 120, 5, 0);
      poolBackward(da2, ds2, N * 16, 10, 10);
      convReluBackward(ds1, g.c2w, g.c2b, da2, a2, s1, p.c2w, N, 6, 14, 14, 16, 5, 0);
      poolBackward(da1, ds1, N * 6, 28, 28);
      convReluBackward(null, g.c1w, g.c1b, da1, a1, x, p.c1w, N, 1, 28, 28, 6, 5, 2);
      t++;
      const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-7;
      const c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
      for (const k of names) {
        const w = p[k], gr = g[k], m = m1[k], v = m2[k];
        for (let i = 0; i < w.length; i++) {
          m[i] = b1 * m[i]! + (1 - b1) * gr[i]!;
          v[i] = b2 * v[i]! + (1 - b2) * gr[i]! * gr[i]!;
          w[i] = w[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
        }
      }
      return loss / N;
    },
  };
}

// ---- Check and timing -------------------------------------------------------------------------------------

/** Largest |p_lenet5 - p_naive| accepted. */
export const NAIVE_TOLERANCE = 1e-4;

/**
 * Runs `count` random images (the bench's seed 13) through `net` (a modern LeNet5) and the naive network
 * on the same weights; throws unless every probability agrees within NAIVE_TOLERANCE and every class is
 * the same (a different class only as a tie within the tolerance). Returns the largest difference.
 */
export function checkNaive(net: LeNet5, count = 256): { images: number; maxAbsDiff: number } {
  const images = randomData(count, 13).images;
  const ours = net.predictBatch(images, count);
  const theirs = naiveNet(weightsOf(net), 64).predict(images, count);
  let maxAbsDiff = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 0; c < 10; c++) {
      const d = Math.abs(ours.scores[i * 10 + c]! - theirs[i * 10 + c]!);
      if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
      if (theirs[i * 10 + c]! > theirs[i * 10 + best]!) best = c;
    }
    const label = ours.labels[i]!;
    if (best !== label && Math.abs(ours.scores[i * 10 + label]! - ours.scores[i * 10 + best]!) > NAIVE_TOLERANCE) {
      throw new Error(`naive pure JS predicts class ${best} for image ${i}, lenet5 ${label}`);
    }
  }
  if (!(maxAbsDiff <= NAIVE_TOLERANCE)) {
    throw new Error(`naive pure JS probabilities differ from lenet5's by ${maxAbsDiff} (> ${NAIVE_TOLERANCE})`);
  }
  return { images: count, maxAbsDiff };
}

/**
 * Training samples/s of the naive network: `n` random samples (seed 11, as the train rows) in batches of
 * `batchSize`, the first batch untimed (JIT warm-up); best of `rounds`.
 */
export function naiveTrainSamplesPerSec(w: NaiveWeights, batchSize: number, n: number, rounds = 2): number {
  const data = randomData(n, 11);
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const net = naiveNet(w, batchSize);
    let t0 = 0;
    for (let s = 0; s + batchSize <= n; s += batchSize) {
      if (s === batchSize) t0 = performance.now();
      const loss = net.trainStep(data.images.subarray(s * 784), data.labels.subarray(s), batchSize);
      if (!Number.isFinite(loss)) throw new Error(`naive pure JS: loss ${loss} at sample ${s}`);
    }
    const timed = (Math.floor(n / batchSize) - 1) * batchSize;
    best = Math.max(best, timed / ((performance.now() - t0) / 1000));
  }
  return Math.round(best);
}

/** Inference images/s of the naive network at batch `batchSize` over `n` images (seed 13); best of `rounds` after one warm-up pass. */
export function naiveInferImagesPerSec(w: NaiveWeights, batchSize: number, n: number, rounds = 3): number {
  const images = randomData(n, 13).images;
  const net = naiveNet(w, batchSize);
  const pass = (): void => {
    if (batchSize === 1) for (let i = 0; i < n; i++) net.predict(images.subarray(i * 784), 1);
    else net.predict(images, n);
  };
  pass();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    pass();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return Math.round(n / best);
}
