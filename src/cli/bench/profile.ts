/**
 * Per-layer profiles: of a training step, each layer's forward and backward timed apart over many steps
 * of one model on one backend (plus the loss, zeroGrad and optimizer update), in microseconds per step
 * and as a share of the step (the training benchmark's `perLayer`); and of inference, each layer's
 * forward pass as predictBatch runs it, in microseconds per image (the inference benchmark's `perLayer`).
 */
import type { BackendName } from '../../backend/backend.js';
import { PREDICT_SLICE } from '../../models/inference.js';
import { adam, createOptimizer, sdlm } from '../../train/optimizers.js';
import { benchNet, randomData, type Preset } from './inputs.js';

export interface LayerTiming {
  layer: string;
  type: string;
  /** Microseconds per training step, or per image for inference. */
  forwardUs: number;
  backwardUs: number;
  /** Share of the whole step or image (0..1). */
  share: number;
}

const now = (): number => performance.now();

/**
 * Times about `steps` training steps of a batch of `batchSize` random images, layer by layer; each slot's
 * figure is the best mean over 5 rounds. `stepUs` is the sum of the slots.
 */
export function profileTrainingStep(model: Preset, backend: BackendName, batchSize = 32, steps = 200):
  { perLayer: LayerTiming[]; stepUs: number } {
  const net = benchNet(model, backend, batchSize);
  const m = net.model;
  const opt = createOptimizer(model === 'modern' ? adam() : sdlm(), m);
  const N = batchSize;
  const { images } = randomData(N, 7);
  const labels = Array.from({ length: N }, (_, i) => i % 10);
  m.setInput(images, N, (i) => i);
  m.setLabels(labels, N, (i) => i);
  // SDLM's h_kk estimate is per pass, not per step: left at zero here (mu keeps the update finite).
  const L = m.layers.length;
  // Per slot (layer forward, layer backward, the rest) the best of several rounds: a shared machine's noise
  // only ever adds time.
  const rounds = 5;
  const fw = new Float64Array(L).fill(Infinity);
  const bw = new Float64Array(L).fill(Infinity);
  let other = Infinity;
  const rf = new Float64Array(L);
  const rb = new Float64Array(L);
  const fusedSoftmax = m.loss.kind === 'crossentropy';
  const run = { N, training: true, seed: 0 };
  const warm = Math.max(5, steps >> 3);
  const per = Math.max(1, Math.floor(steps / rounds));
  for (let r = -1; r < rounds; r++) {
    const n = r < 0 ? warm : per;
    rf.fill(0);
    rb.fill(0);
    let ro = 0;
    for (let step = 0; step < n; step++) {
      run.seed = step;
      const last = fusedSoftmax ? L - 1 : L;
      for (let i = 0; i < last; i++) {
        const t0 = now();
        m.layers[i]!.forward(run);
        rf[i]! += now() - t0;
      }
      let t0 = now();
      m.computeLoss(N);
      m.zeroGrad();
      ro += now() - t0;
      const start = fusedSoftmax ? L - 2 : L - 1;
      for (let i = start; i >= 0; i--) {
        t0 = now();
        m.layers[i]!.backward(N, i > 0);
        rb[i]! += now() - t0;
      }
      t0 = now();
      opt.step(model === 'modern' ? 1e-4 : 1e-5, N);
      ro += now() - t0;
    }
    if (r < 0) continue;
    for (let i = 0; i < L; i++) {
      fw[i] = Math.min(fw[i]!, rf[i]! / n);
      bw[i] = Math.min(bw[i]!, rb[i]! / n);
    }
    other = Math.min(other, ro / n);
  }
  for (let i = 0; i < L; i++) {
    if (!Number.isFinite(fw[i]!)) fw[i] = 0;
    if (!Number.isFinite(bw[i]!)) bw[i] = 0;
  }
  let total = other;
  for (let i = 0; i < L; i++) total += fw[i]! + bw[i]!;
  const perLayer: LayerTiming[] = m.layers.map((l, i) => ({
    layer: l.name, type: l.type,
    forwardUs: +(fw[i]! * 1000).toFixed(1), backwardUs: +(bw[i]! * 1000).toFixed(1),
    share: +((fw[i]! + bw[i]!) / total).toFixed(3),
  }));
  perLayer.push({ layer: 'loss+zeroGrad+update', type: 'step', forwardUs: +(other * 1000).toFixed(1), backwardUs: 0,
    share: +(other / total).toFixed(3) });
  return { perLayer, stepUs: +(total * 1000).toFixed(1) };
}

/**
 * Times inference layer by layer as predictBatch runs it: slices of PREDICT_SLICE random images, written
 * by setInput (the 'input' slot: the bytes normalised into the first layer's input), then every layer's
 * forward pass without training. Each slot is the best mean over `rounds` rounds of `passes` passes,
 * in microseconds per image.
 */
export function profileInference(model: Preset, backend: BackendName, passes = 60, rounds = 7): LayerTiming[] {
  const N = PREDICT_SLICE;
  const net = benchNet(model, backend, N);
  try {
    const m = net.model;
    const { images } = randomData(N, 11);
    const L = m.layers.length;
    const best = new Float64Array(L + 1).fill(Infinity);
    const acc = new Float64Array(L + 1);
    const run = { N, training: false, seed: 0 };
    const pass = (): void => {
      let t0 = now();
      m.setInput(images, N, (i) => i);
      acc[L]! += now() - t0;
      for (let i = 0; i < L; i++) {
        t0 = now();
        m.layers[i]!.forward(run);
        acc[i]! += now() - t0;
      }
    };
    pass();
    for (let r = 0; r < rounds; r++) {
      acc.fill(0);
      for (let k = 0; k < passes; k++) pass();
      for (let i = 0; i <= L; i++) best[i] = Math.min(best[i]!, acc[i]! / passes);
    }
    let total = 0;
    for (let i = 0; i <= L; i++) total += best[i]!;
    const slot = (layer: string, type: string, ms: number): LayerTiming =>
      ({ layer, type, forwardUs: +((ms * 1000) / N).toFixed(2), backwardUs: 0, share: +(ms / total).toFixed(3) });
    return [slot('input', 'input', best[L]!), ...m.layers.map((l, i) => slot(l.name, l.type, best[i]!))];
  } finally {
    net.dispose();
  }
}
