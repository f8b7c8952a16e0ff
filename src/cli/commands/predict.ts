/** `lenet5 predict IMAGE...`: PNG/JPEG in, the MNIST recipe applied, the digit and its scores out. */
import type { BackendName } from '../../backend/backend.js';
import { imageFileToMnist } from '../../data/decode.node.js';
import { loadModel } from '../../io/node.js';
import { LeNet5 } from '../../models/lenet5.js';
import { textArt, type Output } from '../output.js';

export interface PredictOptions {
  modelFile?: string;
  pretrained: 'modern' | 'classic';
  show?: boolean;
  backend: BackendName;
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
  const predictions: PredictEntry[] = [];
  const text: string[] = [];
  for (const file of files) {
    const img = await imageFileToMnist(file);
    const p = net.predict(img.data);
    const entry: PredictEntry = {
      file, label: p.label, digit: p.label, kind: p.kind, probabilities: Array.from(p.probabilities), scores: Array.from(p.scores),
    };
    predictions.push(entry);
    if (o.show) text.push(textArt(img.data, img.width, img.height));
    text.push(predictionLine(entry));
  }
  out.result({ predictions }, text.join('\n'));
}
