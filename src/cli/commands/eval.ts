/** `lenet5 eval`: loss, accuracy, per-class accuracy and confusion matrix of a saved model on a test set. */
import type { BackendName } from '../../backend/backend.js';
import { loadModel } from '../../io/node.js';
import { loadData } from '../data.js';
import { confusionTable, pct, table, type Output } from '../output.js';

export interface EvalOptions {
  modelFile: string;
  data?: string;
  backend: BackendName;
}

export async function evaluate(o: EvalOptions, out: Output): Promise<void> {
  const net = await loadModel(o.modelFile, { backend: o.backend });
  const data = await loadData(o.data, out, true);
  const r = net.evaluate(data.test!);
  const perClass = Array.from(r.perClass, (a) => (Number.isFinite(a) ? a : null));
  const confusion = Array.from({ length: r.classes }, (_, t) => Array.from(r.confusion.subarray(t * r.classes, (t + 1) * r.classes)));
  const text = [
    `${o.modelFile} on ${data.name} (${r.count} test images)`,
    `accuracy ${pct(r.accuracy)}, loss ${r.loss.toFixed(4)}, ${r.misclassified.length} misclassified`,
    '',
    table(['class', 'accuracy', 'images'], perClass.map((a, c) => [c, pct(a ?? NaN), confusion[c]!.reduce((s, v) => s + v, 0)])),
    '',
    confusionTable(r.confusion, r.classes),
  ].join('\n');
  out.result({ accuracy: r.accuracy, loss: r.loss, perClass, confusion }, text);
}
