/**
 * The demo's training worker: loads the data, trains with the library's own `fit`, streams chart points
 * and progress to the page, evaluates on the held-out split and sends back the model file. Training
 * here keeps the page's main thread free: drawing and prediction stay live while a model trains. On a
 * cross-origin isolated page the page asks for several threads: this worker is then thread 0 (it blocks on
 * Atomics.wait between steps, which a worker may) and fit starts the others itself (the library's
 * thread script from a blob: URL, over the shared-memory kernels it imports); the threads used come back in
 * the `done` message. Like the page, the worker gives the library no files or URLs: `init()` picks the
 * kernels, `loadDigits()` imports the digits sheet.
 */
import { init, LeNet5, loadDigits, loadFashionMnist, loadMnist, MNIST, FASHION_MNIST, type Dataset } from '../index.js';
import {
  DIGITS_SPLIT_SEED, DIGITS_TRAIN_COUNT, type DataChoice, type FromWorker, type Misclassified, type ToWorker,
  type TrainRequest,
} from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer?: Transferable[]): void => scope.postMessage(m, transfer);

/** Held-out images scored for the live accuracy curve (the full test split is scored at the end). */
const VALIDATION_SAMPLES = 500;
const GALLERY_SIZE = 48;

interface Job {
  abort: AbortController;
  cancelled: boolean;
}

let job: Job | null = null;

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'cancel') {
    if (job !== null) {
      job.cancelled = true;
      job.abort.abort();
    }
    return;
  }
  if (job !== null) {
    post({ type: 'error', message: 'a training run is already in progress' });
    return;
  }
  const current: Job = { abort: new AbortController(), cancelled: false };
  job = current;
  train(msg, current)
    .catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }))
    .finally(() => {
      job = null;
    });
};

async function loadData(choice: DataChoice, signal: AbortSignal): Promise<{ name: string; train: Dataset; test: Dataset; classNames: string[] }> {
  if (choice.kind === 'digits') {
    post({ type: 'status', text: 'loading the bundled digits…' });
    const all = await loadDigits();
    const [train, test] = all.split(DIGITS_TRAIN_COUNT, { seed: DIGITS_SPLIT_SEED });
    return { name: 'bundled digits', train, test, classNames: [...MNIST.classNames] };
  }
  const spec = choice.kind === 'mnist' ? MNIST : FASHION_MNIST;
  const load = choice.kind === 'mnist' ? loadMnist : loadFashionMnist;
  const data = await load({
    ...(choice.baseUrl ? { baseUrl: new URL(choice.baseUrl, self.location.href) } : {}),
    signal,
    onProgress: (p) => post({
      type: 'status',
      text: `downloading ${p.file}: ${(p.loaded / 1e6).toFixed(1)}${p.total ? ` / ${(p.total / 1e6).toFixed(1)}` : ''} MB`,
    }),
  });
  if (!('train' in data)) throw new Error(`${spec.title}: expected both splits`);
  return { name: spec.title, train: data.train, test: data.test, classNames: [...spec.classNames] };
}

async function train(req: TrainRequest, current: Job): Promise<void> {
  const warnings: string[] = [];
  // The same engine as the page's: init() makes the same choice of kernels (relaxed SIMD where it validates).
  const info = await init({
    ...(req.backend ? { backend: req.backend } : {}),
    warn: (m) => warnings.push(m),
  });
  post({ type: 'ready', backend: info.backend, simd: info.simd, relaxedSimd: info.relaxedSimd, warning: warnings[0] ?? null });
  const data = await loadData(req.data, current.abort.signal);
  if (current.cancelled) throw new Error('cancelled while loading the data');

  const batchSize = req.batchSize;
  const net = req.start !== null
    ? LeNet5.load(req.start, { batchSize, source: 'the current model' })
    : req.preset === 'classic' ? LeNet5.classic({ seed: req.seed, batchSize }) : LeNet5.modern({ seed: req.seed, batchSize });
  const trainSet = req.distort ? data.train.withDistortion() : data.train;
  const validation = data.test.subset(0, Math.min(VALIDATION_SAMPLES, data.test.count));
  const totalSamples = Math.max(1, Math.round(req.epochs * trainSet.count));
  const epochs = Math.ceil(totalSamples / trainSet.count);
  const batchesTotal = Math.ceil(totalSamples / batchSize);
  // ~80 chart points and ~16 validation scores per run, whatever its length.
  const pointEvery = Math.max(1, Math.round(batchesTotal / 80));
  const valEvery = Math.max(pointEvery, Math.round(batchesTotal / 16 / pointEvery) * pointEvery);
  post({ type: 'data', name: data.name, train: trainSet.count, test: data.test.count, totalSamples, batches: batchesTotal });
  const kernels = info.backend === 'js' ? 'pure-JS kernels' : info.relaxedSimd ? 'wasm relaxed SIMD' : 'wasm SIMD';
  const threads = req.threads > 1 ? `, ${req.threads} threads` : '';
  post({ type: 'status', text: `training ${net.preset ?? 'model'} on ${data.name} (${kernels}${threads})…` });

  let valSeconds = 0;
  const score = (): number => {
    const t = performance.now();
    const r = net.evaluate(validation).accuracy;
    valSeconds += (performance.now() - t) / 1000;
    return r;
  };
  post({ type: 'point', samples: 0, loss: null, valAccuracy: score() });

  let samples = 0;
  let batchCount = 0;
  let lossSum = 0;
  let lossN = 0;
  let lastProgress = 0;
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000 - valSeconds;
  const fitNotices: string[] = [];
  const history = await net.fit(trainSet, {
    epochs,
    batchSize,
    seed: req.seed,
    signal: current.abort.signal,
    yieldEveryMs: 100,
    // Where the threads cannot start after all, fit trains on one and says why; the page shows it.
    threads: req.threads,
    warn: (m) => fitNotices.push(m),
    onBatchEnd: (b) => {
      const N = Math.min(batchSize, trainSet.count - b.batch * batchSize);
      samples += N;
      batchCount++;
      lossSum += b.loss * N;
      lossN += N;
      const last = samples >= totalSamples;
      if (batchCount % pointEvery === 0 || last) {
        const valAccuracy = batchCount % valEvery === 0 || last ? score() : null;
        post({ type: 'point', samples, loss: lossSum / lossN, valAccuracy });
        lossSum = 0;
        lossN = 0;
      }
      const now = performance.now();
      if (now - lastProgress > 100 || last) {
        lastProgress = now;
        post({
          type: 'progress', epoch: b.epoch - net.epochsTrained, epochs, samples, totalSamples, loss: b.loss,
          samplesPerSecond: samples / Math.max(1e-6, elapsed()), lr: b.lr,
        });
      }
      // A fractional epoch count ends the run here; fit keeps the weights of this last full batch.
      if (last) current.abort.abort();
    },
  });
  const seconds = elapsed();
  post({ type: 'status', text: `evaluating on ${data.test.count.toLocaleString('en')} held-out images…` });
  const ev = net.evaluate(data.test);
  const misclassified: Misclassified[] = [];
  for (const i of Array.from(ev.misclassified).slice(0, GALLERY_SIZE)) {
    misclassified.push({ image: data.test.image(i).slice(), label: data.test.label(i), predicted: ev.predictions[i]! });
  }
  const model = net.save();
  post({
    type: 'done', model, aborted: samples < totalSamples, cancelled: current.cancelled, samples, seconds,
    samplesPerSecond: samples / Math.max(1e-6, seconds), accuracy: ev.accuracy, loss: ev.loss, testCount: ev.count,
    classNames: data.classNames, misclassified, misclassifiedCount: ev.misclassified.length,
    threads: history.threads, threadsNotice: history.threads < req.threads ? fitNotices[0] ?? null : null,
  }, [model.buffer as ArrayBuffer]);
}
