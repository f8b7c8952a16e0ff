/** The data layer's public API for every platform (browser-safe: no node: imports, decoders loaded lazily). */
export {
  Lenet5Error,
  DataFormatError,
  ImageDecodeError,
  DataNotFoundError,
  DownloadError,
  DownloadTimeoutError,
  ChecksumError,
  NoInkError,
  InvalidArgumentError,
} from '../errors.js';
export type { Lenet5ErrorCode } from '../errors.js';
export { Dataset, inputShape } from './dataset.js';
export type { AnyDataset, DatasetArrayOptions, DatasetInit, BatchOptions, ImageArrays, Labels, Normalization, Pixels } from './dataset.js';
export { parseIdx, parseIdxImages, parseIdxLabels, readIdx, writeIdx } from './idx.js';
export type { IdxArray, IdxData, IdxType, IdxImages, ParseIdxOptions } from './idx.js';
export { isGzip, gunzipWeb } from './gzip.js';
export { MNIST, FASHION_MNIST, loadMnist, loadFashionMnist, splitValidation } from './mnist.js';
export type { DatasetSpec, FileKey, FileSpec, LoadOptions, Progress, Split, TrainTest, TrainValidation } from './mnist.js';
export { preprocessImage, preprocessInto, toGray } from './image.js';
export type { GrayImage, RasterImage, PreprocessOptions } from './image.js';
export { decodeImage, decodeRaster, detectImageFormat } from './decode.js';
export type { DecodeOptions, ImageFormat } from './decode.js';
export { loadDigits, digitsFromPng } from './digits.js';
export type { LoadDigitsOptions } from './digits.js';
export { affineWarp, identityAffine, randomAffine, resolveDistortion } from './distort.js';
export type { AffineParams, Distortion, DistortionOptions } from './distort.js';
