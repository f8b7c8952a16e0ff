/**
 * lenet5: LeNet-5 in Node and browsers. The core entry (`lenet5`): what inference and training need, in
 * every environment. `lenet5/node` (index.node.ts) adds Node-only I/O; `lenet5/onnx` (onnx.ts) ONNX import
 * and export, so that protobufjs is only in bundles that import it.
 *
 * @packageDocumentation
 */
export { init, createBackend, hasRelaxedSimd, hasWasmSimd, isInitialized } from './backend/load.js';
export type { InitOptions, InitResult, WasmSource } from './backend/load.js';
export type { Backend, BackendName } from './backend/backend.js';
export { convScratchLength } from './backend/kernels.js';
export type { Kernels, KernelName } from './backend/kernels.js';
export type { Arena, Region } from './memory.js';
export { VERSION } from './version.js';
export * from './data/index.js';
export { LeNet5 } from './models/lenet5.js';
export type { BatchPredictor, ModelOptions, ModelDestination, ModelSource, SaveOptions } from './models/lenet5.js';
export { Sequential } from './models/sequential.js';
export type { InputSpec, LossSpec } from './models/sequential.js';
export { TABLE_I, classicLayers, modernLayers } from './models/presets.js';
export type { ClassicOptions, ModernOptions } from './models/presets.js';
export { DIGIT_BITMAPS, BITMAP_WIDTH, BITMAP_HEIGHT, digitPrototypes, renderPrototypes } from './models/bitmaps.js';
export type { SummaryData } from './models/summary.js';
export { pretrainedBytes } from './models/pretrained.js';
export type { PretrainedName, PretrainedSource } from './models/pretrained.js';
export * from './layers/index.js';
export { adam, sgd, sdlm } from './train/optimizers.js';
export type { AdamOptions, SgdOptions, SdlmOptions, OptimizerSpec } from './train/optimizers.js';
export { constantLr, stepLr, piecewiseLr, paperSchedule, sdlmSchedule } from './train/schedules.js';
export type { Schedule } from './train/schedules.js';
export type { BatchInfo, EpochResult, FitOptions, History, StopReason, ValidationSplit } from './train/fit.js';
export { earlyStopping, reduceLrOnPlateau } from './train/callbacks.js';
export type {
  Callback, TrainingControl, TrainBeginInfo, EpochBeginInfo, BatchBeginInfo, Monitor, EarlyStoppingOptions, ReduceLrOnPlateauOptions,
} from './train/callbacks.js';
export type { Verbosity } from './train/verbose.js';
export type { BatchPrediction, Evaluation, ImageData, Prediction, ScoreKind } from './models/inference.js';
export { ModelFileError } from './io/format.js';
export type { SummaryRow } from './models/summary.js';
export { estimateHessianDiagonal, SDLM_ETA_SCALE } from './train/optimizers.js';
export type { Optimizer, EpochContext } from './train/optimizers.js';
export { threadsUnavailable } from './platform/worker-threads.js';
export type { ModelHeader } from './io/format.js';
export { NotInitializedError, DisposedError, MemoryLimitError, TrainingDivergedError, CheckpointError, PlatformError } from './errors.js';
export type { CheckpointOptions, TrainingProgress } from './train/fit.js';
