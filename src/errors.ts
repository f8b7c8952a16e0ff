/**
 * The one error hierarchy of the library. Every error thrown on purpose is a `Lenet5Error`; its message
 * says what was wrong, where (the file, URL, option, step or layer) and what to do, so a user can act on
 * it without reading the source. `code` is stable and meant for programs; the classes group the causes:
 *
 *   Lenet5Error
 *   ├─ DataFormatError        bytes that are not what they claim (IDX, gzip, labels)
 *   │  └─ ModelFileError      a model file or checkpoint that cannot be loaded
 *   ├─ ImageDecodeError       not an image, unsupported format, 0-sized, gigantic, corrupt
 *   ├─ NoInkError             a blank image (nothing to read)
 *   ├─ DataNotFoundError      a missing local file or folder
 *   ├─ DownloadError          network failures (DownloadTimeoutError, ChecksumError)
 *   ├─ InvalidArgumentError   API misuse: wrong shapes/lengths, bad batch size, learning rate, epochs
 *   │  ├─ NotInitializedError calling before `await init()`
 *   │  └─ DisposedError       using a model after `dispose()`
 *   ├─ MemoryLimitError       a model or batch that would exceed the configured memory maximum
 *   ├─ TrainingDivergedError  a non-finite loss, gradient or weight (names the step and the layer)
 *   ├─ CheckpointError        a checkpoint that cannot be written or does not fit the model
 *   └─ PlatformError          what this engine cannot do here: no WebAssembly SIMD, no file system, a
 *                             worker thread that could not start or failed
 */

export type Lenet5ErrorCode =
  | 'E_DATA_FORMAT'
  | 'E_MODEL_FILE'
  | 'E_IMAGE_DECODE'
  | 'E_NOT_FOUND'
  | 'E_DOWNLOAD'
  | 'E_TIMEOUT'
  | 'E_CHECKSUM'
  | 'E_NO_INK'
  | 'E_INVALID_ARGUMENT'
  | 'E_NOT_INITIALIZED'
  | 'E_DISPOSED'
  | 'E_MEMORY_LIMIT'
  | 'E_DIVERGED'
  | 'E_CHECKPOINT'
  | 'E_PLATFORM';

/** Base class of every error the library throws on purpose. */
export class Lenet5Error extends Error {
  /** A stable code for programs, one per cause (`'E_DATA_FORMAT'`, `'E_INVALID_ARGUMENT'`, ...). */
  readonly code: Lenet5ErrorCode;
  constructor(code: Lenet5ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  // Each class names itself with a string literal (not `new.target.name`): minifiers rename classes, and a
  // message must still read "InvalidArgumentError: ..." in a minified bundle.
  /** The class name, `'Lenet5Error'` (a literal, so that minified bundles keep it). */
  override name = 'Lenet5Error';
}

/** Bytes that are not what they claim to be: bad IDX header, size mismatch, corrupt gzip, bad labels. */
export class DataFormatError extends Lenet5Error {
  /** Always `'DataFormatError'`. */
  override name = 'DataFormatError';
  constructor(
    message: string,
    /** The file, URL or label of the input at fault. */
    readonly source?: string,
    options?: { cause?: unknown; code?: Lenet5ErrorCode },
  ) {
    super(options?.code ?? 'E_DATA_FORMAT', message, options);
  }
}

/**
 * A model file (or checkpoint) that cannot be loaded: wrong magic or version, truncated, header/payload
 * mismatch, unknown architecture, NaN/Inf weights, absurd sizes. The message starts with the source.
 */
export class ModelFileError extends DataFormatError {
  /** Always `'ModelFileError'`. */
  override name = 'ModelFileError';
  constructor(message: string, source?: string, options?: { cause?: unknown }) {
    super(message, source, { ...options, code: 'E_MODEL_FILE' });
  }
}

/** An image file that the PNG/JPEG decoders cannot read (or that is too large to read safely). */
export class ImageDecodeError extends Lenet5Error {
  /** Always `'ImageDecodeError'`. */
  override name = 'ImageDecodeError';
  constructor(
    message: string,
    /** The file or label of the image at fault, when known. */
    readonly source?: string,
    options?: { cause?: unknown },
  ) {
    super('E_IMAGE_DECODE', message, options);
  }
}

/** A local file or folder that should hold the data is missing. */
export class DataNotFoundError extends Lenet5Error {
  /** Always `'DataNotFoundError'`. */
  override name = 'DataNotFoundError';
  constructor(
    message: string,
    /** The missing file or folder. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super('E_NOT_FOUND', message, options);
  }
}

/** A download failed: network error, HTTP status, every mirror exhausted, or offline. */
export class DownloadError extends Lenet5Error {
  /** Always `'DownloadError'`. */
  override name = 'DownloadError';
  constructor(
    message: string,
    /** The URL that failed, when one was requested. */
    readonly url?: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    options?: { cause?: unknown; code?: Lenet5ErrorCode; unreachable?: boolean },
  ) {
    super(options?.code ?? 'E_DOWNLOAD', message, options);
    this.unreachable = options?.unreachable ?? false;
  }
  /** True when no connection could be made at all (DNS failure, refused, no route): likely offline. */
  readonly unreachable: boolean;
}

/** A connection or a response that stalled for longer than the timeout. */
export class DownloadTimeoutError extends DownloadError {
  /** Always `'DownloadTimeoutError'`. */
  override name = 'DownloadTimeoutError';
  constructor(message: string, url?: string, options?: { cause?: unknown }) {
    super(message, url, undefined, { ...options, code: 'E_TIMEOUT' });
  }
}

/** Downloaded bytes whose checksum differs from the published one. */
export class ChecksumError extends DownloadError {
  /** Always `'ChecksumError'`. */
  override name = 'ChecksumError';
  constructor(
    message: string,
    url: string | undefined,
    /** The published checksum (hex MD5). */
    readonly expected: string,
    /** The checksum of the downloaded bytes (hex MD5). */
    readonly actual: string,
  ) {
    super(message, url, undefined, { code: 'E_CHECKSUM' });
  }
}

/** An image in which preprocessing found nothing to read (blank, or too little contrast). */
export class NoInkError extends Lenet5Error {
  /** Always `'NoInkError'`. */
  override name = 'NoInkError';
  constructor(message: string) {
    super('E_NO_INK', message);
  }
}

/**
 * API misuse: an option or argument outside its domain (wrong input length or shape, batch size 0 or
 * larger than the dataset, NaN or negative learning rate, `epochs <= 0`, ...).
 */
export class InvalidArgumentError extends Lenet5Error {
  /** Always `'InvalidArgumentError'`. */
  override name = 'InvalidArgumentError';
  constructor(message: string, options?: { cause?: unknown; code?: Lenet5ErrorCode }) {
    super(options?.code ?? 'E_INVALID_ARGUMENT', message, options);
  }
}

/** A model or backend requested before `await init()` finished. */
export class NotInitializedError extends InvalidArgumentError {
  /** Always `'NotInitializedError'`. */
  override name = 'NotInitializedError';
  constructor(message: string) {
    super(message, { code: 'E_NOT_INITIALIZED' });
  }
}

/** A model used after `dispose()`. */
export class DisposedError extends InvalidArgumentError {
  /** Always `'DisposedError'`. */
  override name = 'DisposedError';
  constructor(message: string) {
    super(message, { code: 'E_DISPOSED' });
  }
}

/** A model, batch or optimizer state that would not fit under the configured memory maximum. */
export class MemoryLimitError extends Lenet5Error {
  /** Always `'MemoryLimitError'`. */
  override name = 'MemoryLimitError';
  constructor(
    message: string,
    /** Bytes the request needed. */
    readonly requested: number,
    /** The configured maximum. */
    readonly limit: number,
  ) {
    super('E_MEMORY_LIMIT', message);
  }
}

/** Training produced a non-finite loss, gradient or weight; the model keeps its last good weights. */
export class TrainingDivergedError extends Lenet5Error {
  /** Always `'TrainingDivergedError'`. */
  override name = 'TrainingDivergedError';
  constructor(
    message: string,
    /** Where training diverged: the step, epoch, batch and layer, and which quantity went non-finite. */
    readonly where: {
      /** Optimizer steps taken before the failing one (over every fit call). */
      step: number;
      /** 0-based epoch and batch of the failing step. */
      epoch: number;
      batch: number;
      /** The first layer whose output, gradient or weight was not finite. */
      layer: string;
      /** What went non-finite. */
      quantity: 'loss' | 'gradient' | 'weight';
    },
  ) {
    super('E_DIVERGED', message);
  }
}

/** A checkpoint that cannot be written, or that belongs to a different model or run. */
export class CheckpointError extends Lenet5Error {
  /** Always `'CheckpointError'`. */
  override name = 'CheckpointError';
  constructor(
    message: string,
    /** The checkpoint file at fault. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super('E_CHECKPOINT', message, options);
  }
}

/**
 * Something this JavaScript engine or platform cannot do, or a worker thread that could not start or
 * failed: no WebAssembly SIMD for the wasm backend, no file system for a path, a thread script that is
 * missing or blocked. The message says what to do instead.
 */
export class PlatformError extends Lenet5Error {
  /** Always `'PlatformError'`. */
  override name = 'PlatformError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_PLATFORM', message, options);
  }
}
