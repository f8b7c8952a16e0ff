/**
 * The demo page: draw a digit, see the prediction and every layer's output, switch or load models,
 * train one in a Web Worker with a live chart. Everything here goes through the library's public API
 * (init, LeNet5.pretrained, preprocessImage) with its defaults: no wasm, worker script or model file is
 * served next to the page, the library imports the kernels (relaxed SIMD where the engine validates it), the
 * pretrained models, the digits and its threads' script as chunks of the bundle. The only extras are
 * `layers-view.ts`, which reads activations from the model's arena for drawing, and the pretrained models'
 * scores (pretrained-metrics.generated.ts, from assets/pretrained/metrics.json at build time).
 *
 * `window.lenet5demo` exposes the state for the console and the browser tests (timings, chart series).
 *
 * Why one file of ~700 lines: it is the page's controller, one state object and the handlers of every
 * control that change it; drawing (render.ts, draw.ts, layers-view.ts), the worker protocol (protocol.ts)
 * and the training worker (worker.ts) already live apart.
 */
import uPlot from 'uplot';
import {
  BITMAP_HEIGHT, BITMAP_WIDTH, digitPrototypes, hasWasmSimd, init, LeNet5, NoInkError, preprocessImage,
  type PretrainedName, type Prediction,
} from '../index.js';
import { DrawPad } from './draw.js';
import { layerViews, readActivation, type LayerView } from './layers-view.js';
import { PRETRAINED_METRICS } from './pretrained-metrics.generated.js';
import type { DataChoice, FromWorker, Misclassified, ToWorker } from './protocol.js';
import { drawBars, drawBitmap, drawInk, drawMap, pixelCanvas, rangeOf } from './render.js';

// ---------------------------------------------------------------- page state

export interface Series {
  samples: number[];
  loss: (number | null)[];
  valAccuracy: (number | null)[];
}

/** The page state exposed as `window.lenet5demo` (read by the console and the browser tests). */
export interface DemoState {
  backend: string;
  simd: boolean;
  /** The kernels in use are the relaxed-SIMD (FMA) build. */
  relaxedSimd: boolean;
  /** The page is cross-origin isolated and can create shared memory: training may use several threads. */
  threads: boolean;
  /** Threads a training run at the default batch size asks for (1 where threads are unavailable). */
  trainThreads: number;
  /** ms from navigation start to the first prediction shown. */
  firstPredictionMs: number | null;
  /** ms from navigation start until init() and the first model were ready. */
  modelReadyMs: number | null;
  model: string;
  prediction: number | null;
  predictions: number;
  /** Predictions made while a model trained in the worker (the page stays live). */
  predictionsWhileTraining: number;
  training: boolean;
  series: Series;
  /** The last training run; `threads` is what it actually trained on (fit's `history.threads`). */
  lastRun: { samples: number; seconds: number; samplesPerSecond: number; accuracy: number; cancelled: boolean; threads: number } | null;
  errors: string[];
}

const state: DemoState = {
  backend: 'none', simd: false, relaxedSimd: false, threads: false, trainThreads: 1, firstPredictionMs: null, modelReadyMs: null, model: '',
  prediction: null, predictions: 0, predictionsWhileTraining: 0, training: false, series: { samples: [], loss: [], valAccuracy: [] }, lastRun: null,
  errors: [],
};
(window as unknown as { lenet5demo: DemoState }).lenet5demo = state;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`demo page: #${id} is missing`);
  return el as T;
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function message(text: string, kind: 'warn' | 'error' = 'warn', id?: string): void {
  const box = $('messages');
  if (id !== undefined) box.querySelector(`[data-id="${id}"]`)?.remove();
  const m = el('div', { className: `msg ${kind}`, textContent: text });
  if (id !== undefined) m.dataset['id'] = id;
  box.append(m);
  if (kind === 'error') state.errors.push(text);
}

function clearMessage(id: string): void {
  $('messages').querySelector(`[data-id="${id}"]`)?.remove();
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

// ---------------------------------------------------------------- environment

function threadsAvailable(): { ok: boolean; why: string } {
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) {
    return { ok: false, why: 'the page is not cross-origin isolated (it needs the COOP/COEP headers that `npm run demo` sends)' };
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return { ok: false, why: 'this browser cannot create shared WebAssembly memory' };
  }
  return { ok: true, why: '' };
}

/**
 * Threads a training run asks for on an isolated page: 2, fewer where the browser reports a single core or
 * the batch has a single sample (a thread trains a shard of the batch). Not every core: the demo's batches
 * are small (32 by default), so four threads would each get shards of 8, where the per-step handoff and the
 * optimizer step (serial, on thread 0) eat most of the gain, which is already well under 2x from the
 * second thread (test/browser/threads.test.ts writes the figures); and the page's own thread keeps
 * drawing and predicting while it trains, so the worker should leave it a core.
 */
const MAX_TRAIN_THREADS = 2;

function trainingThreads(batchSize: number): number {
  if (!state.threads || state.backend !== 'wasm') return 1;
  const cores = navigator.hardwareConcurrency || MAX_TRAIN_THREADS;
  return Math.max(1, Math.min(MAX_TRAIN_THREADS, cores, batchSize));
}

function showEnv(backend: string, simd: boolean, relaxed: boolean, warning: string | null): void {
  const env = $('env');
  env.replaceChildren();
  const badge = (text: string, cls = ''): void => void env.append(el('li', { className: cls, textContent: text }));
  badge(simd ? 'WebAssembly SIMD ✓' : 'no WebAssembly SIMD', simd ? '' : 'warn');
  if (relaxed) badge('relaxed SIMD (FMA) ✓');
  badge(`backend: ${backend}`, backend === 'wasm' ? '' : 'warn');
  const t = threadsAvailable();
  state.threads = t.ok;
  state.trainThreads = trainingThreads(32);
  badge(t.ok ? `threads ✓ (training on ${state.trainThreads})` : 'no threads', t.ok ? '' : 'warn');
  if (typeof Worker === 'undefined') badge('no Web Workers', 'bad');
  if (!simd) {
    message('WebAssembly SIMD is not available in this browser, so the demo runs on the pure-JavaScript kernels: ' +
      'same results, several times slower. A current Chrome, Edge, Firefox or Safari (16.4+) has SIMD.', 'warn', 'simd');
  } else if (backend !== 'wasm') {
    message(`Running on the ${backend} backend (forced by ?backend=${backend}).`, 'warn', 'simd');
  }
  if (warning !== null && simd) message(warning, 'warn', 'init-warning');
  if (!t.ok) {
    message(`Threads are unavailable: ${t.why}. Training runs in one Web Worker on one core; ` +
      'drawing and prediction stay live either way.', 'warn', 'threads');
  }
}

// ---------------------------------------------------------------- model

let net: LeNet5 | null = null;
let views: LayerView[] = [];
const trained = new Map<string, Uint8Array>();
let fileCounter = 0;
const PROTOTYPES = digitPrototypes();

const modelSelect = $<HTMLSelectElement>('model-select');

function addModelOption(value: string, label: string, select = false): void {
  let opt = modelSelect.querySelector<HTMLOptionElement>(`option[value="${value}"]`);
  if (opt === null) {
    opt = el('option', { value, textContent: label });
    modelSelect.append(opt);
  }
  opt.textContent = label;
  if (select) modelSelect.value = value;
}

async function pretrainedModel(name: PretrainedName): Promise<{ net: LeNet5; info: string }> {
  let loaded: LeNet5;
  try {
    // The model file is a chunk of the bundle, loaded the first time this model is shown.
    loaded = await LeNet5.pretrained(name, { batchSize: 1 });
  } catch (err) {
    // The chunk may fail to load (network, a stale page after a rebuild): keep the page usable with a fresh model.
    message(`The pretrained ${name} model is not available (${errorText(err)}). Showing an untrained ${name} ` +
      'LeNet-5: train one below, or load a model file.', 'warn', 'pretrained');
    const fresh = name === 'classic' ? LeNet5.classic({ seed: 1, batchSize: 1 }) : LeNet5.modern({ seed: 1, batchSize: 1 });
    return { net: fresh, info: 'untrained (random weights)' };
  }
  clearMessage('pretrained');
  return { net: loaded, info: `pretrained${pretrainedScore(name)}` };
}

/**
 * ", trained on 60,000 MNIST digits; 99.4% on 10,000 validation digits" from what `npm run pretrain`
 * measured (the validation score is the same recipe's, trained without those 10,000), or nothing.
 */
function pretrainedScore(name: PretrainedName): string {
  const m = PRETRAINED_METRICS[name];
  const acc = m?.['heldOutAccuracy'];
  const images = m?.['heldOutImages'];
  const trained = m?.['trainedImages'];
  if (typeof acc !== 'number' || typeof images !== 'number') return '';
  const on = typeof trained === 'number' ? `, trained on ${trained.toLocaleString('en')} MNIST digits` : '';
  return `${on}; ${(100 * acc).toFixed(1)}% on ${images.toLocaleString('en')} validation digits`;
}

function useModel(next: LeNet5, label: string, info: string): void {
  net = next;
  state.model = label;
  views = layerViews(next);
  buildOutputPanel();
  buildLayerPanels();
  $('model-info').textContent = `${next.preset ?? 'custom'} · ${next.paramCount().toLocaleString('en')} parameters · ${info}`;
  const preset = $<HTMLSelectElement>('t-preset');
  if (next.preset !== null && next.preset !== preset.value && !state.training) {
    preset.value = next.preset;
    $<HTMLInputElement>('t-batch').value = String(next.defaultBatchSize);
  }
  predict();
}

async function selectModel(value: string): Promise<void> {
  try {
    if (value.startsWith('pretrained:')) {
      const name = value.slice('pretrained:'.length) as PretrainedName;
      const r = await pretrainedModel(name);
      useModel(r.net, value, r.info);
    } else {
      const bytes = trained.get(value);
      if (bytes === undefined) throw new Error(`no model ${value}`);
      useModel(LeNet5.load(bytes, { batchSize: 1, source: value }), value, modelSelect.selectedOptions[0]?.textContent ?? value);
    }
  } catch (err) {
    message(`Could not switch to that model: ${errorText(err)}`, 'error');
  }
}

// ---------------------------------------------------------------- prediction panel

let outputRows: { row: HTMLElement; bar: HTMLElement; val: HTMLElement }[] = [];
let f6Canvas: HTMLCanvasElement | null = null;
let f6Best: HTMLCanvasElement | null = null;

function buildOutputPanel(): void {
  const out = $('output');
  out.replaceChildren();
  outputRows = [];
  f6Canvas = null;
  f6Best = null;
  const classic = net !== null && net.model.predictsByMin;
  out.className = classic ? 'output classic' : 'output';
  if (classic) {
    f6Canvas = pixelCanvas(BITMAP_WIDTH, BITMAP_HEIGHT, 6);
    f6Canvas.id = 'f6-image';
    f6Best = pixelCanvas(BITMAP_WIDTH, BITMAP_HEIGHT, 6);
    out.append(el('div', { className: 'f6' },
      el('figure', {}, f6Canvas, el('figcaption', { textContent: 'F6 output as 7×12' })),
      el('figure', {}, f6Best, el('figcaption', { textContent: 'closest prototype' })),
      el('span', { textContent: 'RBF penalties: squared distance of F6 to each digit\'s fixed 7×12 bitmap; lowest wins.' })));
  }
  for (let d = 0; d < 10; d++) {
    const bar = el('div');
    const val = el('span', { className: 'val' });
    const row = el('div', { className: 'orow' }, el('span', { className: 'lbl', textContent: String(d) }));
    if (classic) {
      const proto = pixelCanvas(BITMAP_WIDTH, BITMAP_HEIGHT, 3, 'px proto');
      drawBitmap(proto, PROTOTYPES, d * 84, { lo: -1, hi: 1 });
      row.append(proto);
    }
    row.append(el('div', { className: 'bar' }, bar), val);
    out.append(row);
    outputRows.push({ row, bar, val });
  }
}

function showOutput(p: Prediction): void {
  const classic = p.kind === 'penalties';
  const s = p.scores;
  if (classic) {
    let max = 0;
    for (const v of s) max = Math.max(max, v);
    outputRows.forEach((r, d) => {
      r.bar.style.width = `${(100 * s[d]!) / (max || 1)}%`;
      r.val.textContent = s[d]!.toFixed(1);
      r.row.classList.toggle('best', d === p.label);
    });
    $('confidence').textContent = `penalty ${s[p.label]!.toFixed(1)} (lowest)`;
    if (f6Best) drawBitmap(f6Best, PROTOTYPES, p.label * 84, { lo: -1, hi: 1 });
  } else {
    outputRows.forEach((r, d) => {
      r.bar.style.width = `${100 * s[d]!}%`;
      r.val.textContent = `${(100 * s[d]!).toFixed(1)}%`;
      r.row.classList.toggle('best', d === p.label);
    });
    $('confidence').textContent = `${(100 * s[p.label]!).toFixed(1)}% sure`;
  }
}

function resetOutput(): void {
  outputRows.forEach((r) => {
    r.bar.style.width = '0';
    r.val.textContent = '';
    r.row.classList.remove('best');
  });
  $('predicted').textContent = '–';
  $('predicted').dataset['label'] = '';
  $('confidence').textContent = 'draw a digit';
  state.prediction = null;
}

// ---------------------------------------------------------------- layer panels

let layerCanvases: HTMLCanvasElement[][] = [];

function buildLayerPanels(): void {
  const box = $('layers');
  box.replaceChildren();
  layerCanvases = [];
  for (const v of views) {
    const canvases: HTMLCanvasElement[] = [];
    const body = el('div', { className: 'maps' });
    if (v.kind === 'maps') {
      const scale = Math.max(1, Math.round(56 / v.width));
      for (let c = 0; c < v.channels; c++) {
        const cv = pixelCanvas(v.width, v.height, scale, 'px fmap');
        cv.title = `${v.title} map ${c}`;
        canvases.push(cv);
        body.append(cv);
      }
    } else {
      const cv = el('canvas', { className: 'bars fmap', width: v.channels * (v.channels <= 16 ? 14 : 7), height: 56 });
      cv.style.width = `${cv.width}px`;
      cv.title = `${v.title}: ${v.channels} units`;
      canvases.push(cv);
      body.append(cv);
    }
    const shape = v.kind === 'maps' ? `${v.channels}@${v.height}×${v.width}` : `${v.channels} units`;
    const section = el('div', { className: 'layer' },
      el('div', {}, el('div', { className: 'name', textContent: v.title }),
        el('div', { className: 'hint', textContent: shape }),
        el('div', { className: 'hint', textContent: v.detail })),
      body);
    section.dataset['layer'] = v.title;
    box.append(section);
    layerCanvases.push(canvases);
  }
}

function showLayers(): void {
  if (net === null) return;
  views.forEach((v, k) => {
    const values = readActivation(net!.model, v);
    const canvases = layerCanvases[k]!;
    const range = rangeOf(values);
    if (v.kind === 'maps') {
      const n = v.height * v.width;
      canvases.forEach((cv, c) => drawMap(cv, values, c * n, v.height, v.width, range));
    } else {
      const best = k === views.length - 1 ? state.prediction ?? undefined : undefined;
      drawBars(canvases[0]!, values, best === undefined ? {} : { highlight: best });
    }
    if (v.title === 'F6' && f6Canvas !== null && values.length === 84) drawBitmap(f6Canvas, values);
  });
}

function clearLayers(): void {
  for (const canvases of layerCanvases) {
    for (const cv of canvases) cv.getContext('2d')?.clearRect(0, 0, cv.width, cv.height);
  }
}

// ---------------------------------------------------------------- drawing -> prediction

const inputCanvas = $<HTMLCanvasElement>('input28');
let pending = false;

function schedulePredict(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    predict();
  });
}

function predict(): void {
  if (net === null) return;
  if (!pad.hasInk) {
    resetOutput();
    inputCanvas.getContext('2d')?.clearRect(0, 0, 28, 28);
    clearLayers();
    return;
  }
  let img;
  try {
    img = preprocessImage(pad.imageData(), { name: 'drawing' });
  } catch (err) {
    if (err instanceof NoInkError) {
      resetOutput();
      return;
    }
    throw err;
  }
  drawInk(inputCanvas, img.data, 0, 28, 28);
  const p = net.predict(img.data);
  state.prediction = p.label;
  state.predictions++;
  if (state.training) state.predictionsWhileTraining++;
  const digit = $('predicted');
  digit.textContent = String(p.label);
  digit.dataset['label'] = String(p.label);
  showOutput(p);
  showLayers();
  if (state.firstPredictionMs === null) state.firstPredictionMs = performance.now();
}

const pad = new DrawPad($<HTMLCanvasElement>('pad'), { onChange: schedulePredict });
$('clear').addEventListener('click', () => pad.clear());

/** A "2" in unit coordinates, drawn at start so the page shows a prediction before the first stroke. */
const SAMPLE_DIGIT: [number, number][][] = [[
  [0.33, 0.3], [0.38, 0.21], [0.48, 0.16], [0.59, 0.18], [0.66, 0.27], [0.65, 0.38], [0.57, 0.49], [0.46, 0.6],
  [0.35, 0.72], [0.31, 0.8], [0.45, 0.8], [0.6, 0.8], [0.71, 0.79],
]];

// ---------------------------------------------------------------- model files

modelSelect.addEventListener('change', () => void selectModel(modelSelect.value));

$<HTMLInputElement>('model-file').addEventListener('change', async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (file === undefined) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const loaded = LeNet5.load(bytes, { batchSize: 1, source: file.name });
    const key = `file:${++fileCounter}`;
    trained.set(key, bytes);
    addModelOption(key, `file: ${file.name}`, true);
    useModel(loaded, key, `loaded from ${file.name}`);
  } catch (err) {
    message(`Could not load ${file.name}: ${errorText(err)}`, 'error');
  }
});

$('download').addEventListener('click', () => {
  if (net === null) return;
  const bytes = net.save();
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = el('a', { href: url, download: `lenet5-${net.preset ?? 'model'}.lenet5` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});

// ---------------------------------------------------------------- training

let worker: Worker | null = null;
let chart: uPlot | null = null;
let runCount = 0;

// The library's default batch per preset: 1 for classic (the paper updates after every sample), 32 for modern.
$<HTMLSelectElement>('t-preset').addEventListener('change', (e) => {
  $<HTMLInputElement>('t-batch').value = (e.target as HTMLSelectElement).value === 'classic' ? '1' : '32';
});

const tData = $<HTMLSelectElement>('t-data');
tData.addEventListener('change', () => {
  $('t-url-label').hidden = tData.value === 'digits';
});

function chartOptions(width: number): uPlot.Options {
  return {
    width,
    height: 220,
    scales: { x: { time: false }, loss: { auto: true }, acc: { range: [0, 1] } },
    series: [
      { label: 'samples' },
      { label: 'training loss', scale: 'loss', stroke: '#364fc7', width: 2, value: (_u, v) => (v == null ? '–' : v.toFixed(4)) },
      { label: 'held-out accuracy', scale: 'acc', stroke: '#d9480f', width: 2, spanGaps: true,
        points: { show: true, size: 5 }, value: (_u, v) => (v == null ? '–' : `${(100 * v).toFixed(1)}%`) },
    ],
    axes: [
      { label: 'samples seen' },
      { scale: 'loss', label: 'loss' },
      { scale: 'acc', side: 1, label: 'accuracy', grid: { show: false }, values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`) },
    ],
  };
}

function resetChart(): void {
  state.series = { samples: [], loss: [], valAccuracy: [] };
  const box = $('chart');
  chart?.destroy();
  chart = new uPlot(chartOptions(Math.max(300, box.clientWidth)), [[], [], []], box);
}

function updateChart(): void {
  const s = state.series;
  chart?.setData([s.samples, s.loss, s.valAccuracy] as uPlot.AlignedData);
}

window.addEventListener('resize', () => chart?.setSize({ width: Math.max(300, $('chart').clientWidth), height: 220 }));

function ensureWorker(): Worker {
  if (worker !== null) return worker;
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'lenet5-training' });
  w.onmessage = (e: MessageEvent<FromWorker>) => onWorkerMessage(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    message(`The training worker failed: ${e.message || 'could not start it'}`, 'error', 'worker');
    trainingEnded();
    worker?.terminate();
    worker = null;
  };
  worker = w;
  return w;
}

function send(m: ToWorker, transfer: Transferable[] = []): void {
  ensureWorker().postMessage(m, transfer);
}

function trainingStarted(): void {
  state.training = true;
  $<HTMLButtonElement>('t-start').disabled = true;
  $<HTMLButtonElement>('t-cancel').disabled = false;
  $('t-result').textContent = '';
  $('gallery').replaceChildren();
}

function trainingEnded(): void {
  state.training = false;
  $<HTMLButtonElement>('t-start').disabled = false;
  $<HTMLButtonElement>('t-cancel').disabled = true;
}

$<HTMLFormElement>('train-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (state.training) return;
  const preset = $<HTMLSelectElement>('t-preset').value as PretrainedName;
  const epochs = Number($<HTMLInputElement>('t-epochs').value);
  const batchSize = Math.round(Number($<HTMLInputElement>('t-batch').value));
  if (!(epochs > 0 && epochs <= 50)) return message('Epochs must be between 0.05 and 50 (fractions train on that share of one pass).', 'error');
  if (!(batchSize >= 1 && batchSize <= 512)) return message('Batch size must be between 1 and 512.', 'error');
  const kind = tData.value as DataChoice['kind'];
  const url = $<HTMLInputElement>('t-url').value.trim();
  if (url !== '' && !URL.canParse(url, document.baseURI)) {
    return message(`"${url}" is not a URL; give the folder that holds the four .gz files (absolute, or relative to this page).`, 'error');
  }
  const data: DataChoice = kind === 'digits' ? { kind } : { kind, baseUrl: url === '' ? null : url };
  const cont = $<HTMLInputElement>('t-continue').checked;
  if (cont && net?.preset !== preset) {
    return message(`"Continue from the current model" needs a current ${preset} model; switch the model or untick it.`, 'error');
  }
  clearMessage('worker');
  trainingStarted();
  resetChart();
  $<HTMLProgressElement>('t-progress').value = 0;
  $('t-stats').textContent = '';
  const start = cont && net !== null ? net.save() : null;
  send({
    type: 'train', preset, data, epochs, batchSize, seed: ++runCount, distort: $<HTMLInputElement>('t-distort').checked, start,
    backend: state.backend === 'js' ? 'js' : null, threads: trainingThreads(batchSize),
  }, start ? [start.buffer as ArrayBuffer] : []);
});

$('t-cancel').addEventListener('click', () => {
  if (!state.training || worker === null) return;
  worker.postMessage({ type: 'cancel' } satisfies ToWorker);
  $('t-status').textContent = 'cancelling…';
});

function onWorkerMessage(m: FromWorker): void {
  switch (m.type) {
    case 'status':
      $('t-status').textContent = m.text;
      break;
    case 'ready':
      if (m.warning !== null) $('t-status').textContent = m.warning;
      break;
    case 'data':
      $('t-status').textContent = `${m.name}: ${m.train.toLocaleString('en')} training / ${m.test.toLocaleString('en')} test images; ` +
        `${m.totalSamples.toLocaleString('en')} samples in ${m.batches.toLocaleString('en')} batches`;
      break;
    case 'point': {
      const s = state.series;
      s.samples.push(m.samples);
      s.loss.push(m.loss);
      s.valAccuracy.push(m.valAccuracy);
      updateChart();
      break;
    }
    case 'progress': {
      $<HTMLProgressElement>('t-progress').value = m.samples / m.totalSamples;
      const left = (m.totalSamples - m.samples) / Math.max(1, m.samplesPerSecond);
      $('t-stats').textContent = `epoch ${m.epoch + 1}/${m.epochs} · ${Math.min(m.samples, m.totalSamples).toLocaleString('en')}/${m.totalSamples.toLocaleString('en')} samples · ` +
        `${Math.round(m.samplesPerSecond).toLocaleString('en')} samples/s · loss ${m.loss.toFixed(4)} · ~${Math.ceil(left)} s left`;
      break;
    }
    case 'done':
      trainingEnded();
      onTrained(m);
      break;
    case 'error':
      trainingEnded();
      $('t-status').textContent = '';
      message(`Training failed: ${m.message}`, 'error', 'worker');
      break;
  }
}

function onTrained(m: Extract<FromWorker, { type: 'done' }>): void {
  state.lastRun = {
    samples: m.samples, seconds: m.seconds, samplesPerSecond: m.samplesPerSecond, accuracy: m.accuracy, cancelled: m.cancelled,
    threads: m.threads,
  };
  $<HTMLProgressElement>('t-progress').value = m.cancelled ? $<HTMLProgressElement>('t-progress').value : 1;
  $('t-status').textContent = `${m.cancelled ? 'cancelled after' : 'trained on'} ${m.samples.toLocaleString('en')} samples in ` +
    `${m.seconds.toFixed(1)} s on ${m.threads} thread${m.threads === 1 ? '' : 's'} ` +
    `(${Math.round(m.samplesPerSecond).toLocaleString('en')} samples/s)`;
  if (m.threadsNotice !== null) message(`Training ran on ${m.threads} thread${m.threads === 1 ? '' : 's'}: ${m.threadsNotice}`, 'warn', 'threads-fallback');
  else clearMessage('threads-fallback');
  $('t-result').textContent = `Held-out accuracy ${(100 * m.accuracy).toFixed(2)}% on ${m.testCount.toLocaleString('en')} images ` +
    `(loss ${m.loss.toFixed(4)}); ${m.misclassifiedCount} misclassified. This model is now the one you draw against.`;
  showGallery(m.misclassified, m.misclassifiedCount, m.classNames);
  const key = `trained:${runCount}`;
  trained.set(key, m.model);
  let preset = 'model';
  try {
    const loaded = LeNet5.load(m.model, { batchSize: 1, source: 'the trained model' });
    preset = loaded.preset ?? preset;
    addModelOption(key, `trained in page #${runCount} (${preset}, ${(100 * m.accuracy).toFixed(1)}%)`, true);
    useModel(loaded, key, `trained in the page, ${(100 * m.accuracy).toFixed(1)}% held-out`);
  } catch (err) {
    message(`The trained model could not be loaded: ${errorText(err)}`, 'error');
  }
}

function showGallery(items: Misclassified[], total: number, classNames: string[]): void {
  const box = $('gallery');
  box.replaceChildren();
  if (total === 0) return;
  box.append(el('div', { className: 'hint gallery-title', textContent:
    `Misclassified held-out images${total > items.length ? ` (first ${items.length} of ${total})` : ''}: true → predicted` }));
  const name = (c: number): string => (classNames[c] !== undefined && classNames[c]!.length <= 2 ? classNames[c]! : String(c));
  if (classNames.some((n) => n.length > 2)) {
    box.append(el('div', { className: 'hint gallery-title', textContent: classNames.map((n, i) => `${i} ${n}`).join(' · ') }));
  }
  for (const it of items) {
    const cv = pixelCanvas(28, 28, 2);
    drawInk(cv, it.image, 0, 28, 28);
    const cap = el('figcaption');
    cap.append(`${name(it.label)}→`, el('b', { textContent: name(it.predicted) }));
    const fig = el('figure', { title: `${classNames[it.label] ?? it.label} predicted as ${classNames[it.predicted] ?? it.predicted}` }, cv, cap);
    box.append(fig);
  }
}

// ---------------------------------------------------------------- start-up

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const forced = params.get('backend');
  const warnings: string[] = [];
  // The library's defaults: the relaxed-SIMD (FMA) kernels where the engine validates them, else the baseline
  // SIMD ones, each a chunk of the bundle loaded on demand.
  const info = await init({
    ...(forced === 'js' ? { backend: 'js' as const } : {}),
    warn: (w) => warnings.push(w),
  });
  state.backend = info.backend;
  state.simd = hasWasmSimd();
  state.relaxedSimd = info.relaxedSimd;
  showEnv(info.backend, state.simd, info.relaxedSimd, warnings[0] ?? null);
  if (typeof Worker === 'undefined') $<HTMLButtonElement>('t-start').disabled = true;
  addModelOption('pretrained:modern', 'pretrained modern');
  addModelOption('pretrained:classic', 'pretrained classic (paper)');
  const first = params.get('model') === 'classic' ? 'pretrained:classic' : 'pretrained:modern';
  modelSelect.value = first;
  await selectModel(first);
  state.modelReadyMs = performance.now();
  pad.strokes(SAMPLE_DIGIT);
}

start().catch((err: unknown) => message(`The demo could not start: ${errorText(err)}`, 'error'));
