/** `lenet5 summary`: the Keras-like layer table of a preset. */
import { LeNet5 } from '../../models/lenet5.js';
import type { Output } from '../output.js';

export function summary(o: { model: 'modern' | 'classic' }, out: Output): void {
  // The js backend needs no wasm: a summary is shapes and counts only.
  const net = o.model === 'classic' ? LeNet5.classic({ backend: 'js', batchSize: 1 }) : LeNet5.modern({ backend: 'js', batchSize: 1 });
  const data = net.summary({ json: true });
  out.result({ trainableParams: data.trainableParams, connections: data.connections, layers: data.rows }, net.summary());
}
