/** `lenet5 predict IMAGE...`: PNG/JPEG in, the MNIST recipe applied, the digit and its scores out. */
import type { BackendName } from '../../backend/backend.js';
import { imageFileToMnist } from '../../data/decode.node.js';
import { loadModel } from '../../io/node.js';
import { LeNet5 } from '../../models/lenet5.js';
import { Lenet5Error } from '../../errors.js';
import { EXIT_FAILURE, oneLine } from '../errors.js';
import { textArt, type Output } from '../output.js';

export interface PredictOptions {
  modelFile?: string;
  pretrained: 'modern' | 'classic';
  show?: boolean;
  backend: BackendName;
  /** How far ink must differ from the background (0..255, default 32), else the file has "no ink". */
  minContrast?: number;
}

/** A file that could not be read or classified: its error, in place of its result (`--json`). */
export interface PredictFailure {
  file: string;
  /** The error's one-line message. */
  error: string;
  /** The error's stable code (`E_IMAGE_DECODE`, `E_NO_INK`, `E_NOT_FOUND`, ...). */
  code: string;
}

/**
 * One result per file, with the fields of `net.predict`: `label`, `probabilities` (classic: the softmax of
 * the negated RBF penalties), `scores` (the network's outputs) and `kind` (what the scores are). `digit` is
 * the label under its earlier name.
 */
export interface PredictEntry {
  file: string;
  label: number;
  digit: number;
  kind: 'probabilities' | 'penalties' | 'scores';
  probabilities: number[];
  scores: number[];
}

const list = (v: ArrayLike<number>, digits: number): string => Array.from(v, (y, i) => `${i}:${y.toFixed(digits)}`).join(' ');

/** The text line of one result: probabilities with a percentage; RBF penalties as penalties (lower is better), no percentage. */
export function predictionLine(e: PredictEntry): string {
  if (e.kind === 'penalties') {
    return `${e.file}: ${e.label} (least RBF penalty, ${e.scores[e.label]!.toFixed(1)})  penalties, lower is better: ${list(e.scores, 1)}`;
  }
  const scores = e.kind === 'scores' ? `  scores ${list(e.scores, 3)}` : '';
  return `${e.file}: ${e.label} (${(100 * e.probabilities[e.label]!).toFixed(1)}%)  probabilities ${list(e.probabilities, 3)}${scores}`;
}

export async function predict(files: string[], o: PredictOptions, out: Output): Promise<void> {
  const net = o.modelFile
    ? await loadModel(o.modelFile, { backend: o.backend })
    : await LeNet5.pretrained(o.pretrained, { backend: o.backend });
  const predictions: (PredictEntry | PredictFailure)[] = [];
  const text: string[] = [];
  const minContrast = o.minContrast ?? 32;
  // Every file gets its result or its error, in order; one bad file does not hide the others.
  for (const file of files) {
    let img;
    try {
      img = await imageFileToMnist(file, { minContrast });
    } catch (err) {
      if (!(err instanceof Lenet5Error)) throw err;
      let message = oneLine(err.message).replace(/or lower minContrast$/, `or lower --min-contrast (now ${minContrast})`);
      if (!message.includes(file)) message = `${file}: ${message}`;
      predictions.push({ file, error: message, code: err.code });
      out.notice(`lenet5: ${message}`);
      continue;
    }
    const p = net.predict(img.data);
    const entry: PredictEntry = {
      file, label: p.label, digit: p.label, kind: p.kind, probabilities: Array.from(p.probabilities), scores: Array.from(p.scores),
    };
    predictions.push(entry);
    if (o.show) text.push(textArt(img.data, img.width, img.height));
    text.push(predictionLine(entry));
  }
  const failed = predictions.filter((e) => 'error' in e).length;
  if (failed > 0) text.push(`${failed} of ${files.length} files failed`);
  out.result({ predictions }, text.join('\n'));
  if (failed > 0) process.exitCode = EXIT_FAILURE;
}
