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

/** Softmax of the negated RBF penalties: the classic model's scores as a distribution (cf. Eq. 9). */
function penaltiesToProbabilities(pen: Float32Array): number[] {
  const m = Math.min(...pen);
  const e = Array.from(pen, (y) => Math.exp(-(y - m)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export async function predict(files: string[], o: PredictOptions, out: Output): Promise<void> {
  const net = o.modelFile
    ? await loadModel(o.modelFile, { backend: o.backend })
    : await LeNet5.pretrained(o.pretrained, { backend: o.backend });
  const predictions = [];
  const text: string[] = [];
  for (const file of files) {
    const img = await imageFileToMnist(file);
    const p = net.predict(img.data);
    const probabilities = p.probabilities ? Array.from(p.probabilities) : penaltiesToProbabilities(p.scores);
    const entry: { file: string; digit: number; probabilities: number[]; penalties?: number[] } = {
      file, digit: p.label, probabilities,
    };
    if (p.penalties) entry.penalties = Array.from(p.penalties);
    predictions.push(entry);
    if (o.show) text.push(textArt(img.data, img.width, img.height));
    const scores = p.penalties
      ? `RBF penalties ${Array.from(p.penalties, (y, i) => `${i}:${y.toFixed(1)}`).join(' ')}`
      : `probabilities ${probabilities.map((q, i) => `${i}:${q.toFixed(3)}`).join(' ')}`;
    text.push(`${file}: ${p.label} (${(100 * probabilities[p.label]!).toFixed(1)}%)  ${scores}`);
  }
  out.result({ predictions }, text.join('\n'));
}
