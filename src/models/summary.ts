/** A Keras-like summary: layer, output shape, parameters, connections, and totals. */
import type { Sequential } from './sequential.js';

/** One layer of a summary. */
export interface SummaryRow {
  /** The layer's name (`'C1'`, `'conv1'`, ...). */
  name: string;
  /** The layer's type (`'conv2d'`, `'relu'`, ...). */
  type: string;
  /** Per-sample output shape. */
  outputShape: number[];
  /** Trainable parameters of the layer. */
  params: number;
  /** Connections per sample (multiply-adds, biases counted as one each), as the paper counts them. */
  connections: number;
}

/** A model's summary as data (what `summary({ json: true })` returns). */
export interface SummaryData {
  /** The model's name. */
  name: string;
  /** The per-sample network input shape, `[1, H, W]`. */
  inputShape: number[];
  /** One row per layer, in order. */
  rows: SummaryRow[];
  /** All trainable parameters (60,000 classic, 61,706 modern). */
  totalParams: number;
  /** Trainable parameters (the same as `totalParams`: every parameter trains). */
  trainableParams: number;
  /** Fixed values (e.g. the RBF prototypes), not trained. */
  fixedValues: number;
  /** Connections per sample over every layer (340,908 for the classic preset). */
  connections: number;
}

export function summaryData(model: Sequential): SummaryData {
  const rows = model.layers.map((l) => ({
    name: l.name,
    type: l.type,
    outputShape: [...l.outShape],
    params: l.paramCount(),
    connections: l.connections(),
  }));
  const trainable = rows.reduce((s, r) => s + r.params, 0);
  const fixedValues = model.layers.reduce((s, l) => s + (l.type === 'rbf' ? l.connections() : 0), 0);
  return {
    name: model.name,
    inputShape: [...model.input.shape],
    rows,
    totalParams: trainable,
    trainableParams: trainable,
    fixedValues,
    connections: rows.reduce((s, r) => s + r.connections, 0),
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** The summary as a text table. */
export function summaryText(model: Sequential): string {
  const d = summaryData(model);
  const head = ['Layer (type)', 'Output shape', 'Param #', 'Connections'];
  const body = [
    ['input', `(None, ${d.inputShape.join(', ')})`, '0', '0'],
    ...d.rows.map((r) => [`${r.name} (${r.type})`, `(None, ${r.outputShape.join(', ')})`, fmt(r.params), fmt(r.connections)]),
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  const total = widths.reduce((s, w) => s + w, 0) + 3 * (widths.length - 1);
  const out = [
    `Model: "${d.name}"`,
    '='.repeat(total),
    line(head),
    '='.repeat(total),
    ...body.map(line),
    '='.repeat(total),
    `Total params: ${fmt(d.totalParams)}`,
    `Trainable params: ${fmt(d.trainableParams)}`,
    ...(d.fixedValues > 0 ? [`Fixed (RBF prototypes, not trained): ${fmt(d.fixedValues)}`] : []),
    `Connections: ${fmt(d.connections)}`,
  ];
  return out.join('\n');
}
