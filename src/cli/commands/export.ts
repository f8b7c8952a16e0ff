/** `lenet5 export`: a saved model as an ONNX file (opset 13) that onnxruntime and other runtimes can run. */
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { CheckpointError } from '../../errors.js';
import { loadModel } from '../../io/node.js';
import { onnxExportInfo, toOnnx } from '../../io/onnx-export.js';
import type { Output } from '../output.js';

export interface ExportOptions {
  modelFile: string;
  out?: string;
}

/** `model.lenet5` -> `model.onnx` next to where the command runs. */
export function defaultOnnxPath(modelFile: string): string {
  return `${basename(modelFile, extname(modelFile))}.onnx`;
}

export async function exportOnnx(o: ExportOptions, out: Output): Promise<void> {
  // Exporting reads parameters only: the js backend needs no wasm.
  const net = await loadModel(o.modelFile, { backend: 'js', batchSize: 1 });
  const bytes = toOnnx(net);
  const file = o.out ?? defaultOnnxPath(o.modelFile);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CheckpointError(`${file}: cannot write the ONNX file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file, { cause: err });
  }
  const info = onnxExportInfo(net);
  const shape = (s: (number | string)[]) => `[${s.join(', ')}]`;
  out.result({
    out: file,
    model: net.preset ?? net.model.name,
    bytes: bytes.length,
    opset: info.opset,
    input: { name: info.input.name, shape: info.input.shape, description: info.input.description },
    output: info.output,
  }, [
    `wrote ${file} (${net.preset ?? net.model.name} LeNet-5, ONNX opset ${info.opset}, ${bytes.length} bytes)`,
    `  input  '${info.input.name}': ${info.input.description}`,
    `  output '${info.output.name}': float32 ${shape(info.output.shape)}, predicted class = ${info.output.prediction}`,
  ].join('\n'));
}
