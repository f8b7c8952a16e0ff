/**
 * lenet5/onnx: ONNX export and import of the modern LeNet-5, an entry of its own so that protobufjs (which
 * reads and writes the ONNX protobuf) is only in the bundles of apps that import it.
 *
 * ```ts
 * import { toOnnx, fromOnnx } from 'lenet5/onnx';
 * const bytes = toOnnx(net);           // run it in ONNX Runtime
 * const back = fromOnnx(bytes);        // a LeNet5 with those weights
 * ```
 *
 * @packageDocumentation
 */
export { decodeOnnx, encodeOnnx, OnnxError } from './io/onnx-codec.js';
export type { OnnxModel, OnnxGraph, OnnxNode, OnnxTensor, OnnxAttribute, OnnxValueInfo } from './io/onnx-codec.js';
export { toOnnx, onnxExportInfo, ONNX_OPSET, ONNX_IR_VERSION, ONNX_INPUT_NAME } from './io/onnx-export.js';
export type { OnnxExportInfo, OnnxOutputKind } from './io/onnx-export.js';
export { fromOnnx } from './io/onnx-import.js';
export type { FromOnnxOptions } from './io/onnx-import.js';
