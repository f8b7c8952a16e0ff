/**
 * Typed errors of the data layer. Every message names the file or URL, says what is wrong and what to do,
 * so a user can act on it without reading the source. `code` is stable and meant for programs.
 */

export type Lenet5ErrorCode =
  | 'E_DATA_FORMAT'
  | 'E_IMAGE_DECODE'
  | 'E_NOT_FOUND'
  | 'E_DOWNLOAD'
  | 'E_TIMEOUT'
  | 'E_CHECKSUM'
  | 'E_NO_INK'
  | 'E_INVALID_ARGUMENT';

/** Base class of every error the library throws on purpose. */
export class Lenet5Error extends Error {
  readonly code: Lenet5ErrorCode;
  constructor(code: Lenet5ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bytes that are not what they claim to be: bad IDX header, size mismatch, corrupt gzip, bad labels. */
export class DataFormatError extends Lenet5Error {
  constructor(
    message: string,
    /** The file, URL or label of the input at fault. */
    readonly source?: string,
    options?: { cause?: unknown },
  ) {
    super('E_DATA_FORMAT', message, options);
  }
}

/** An image file that the PNG/JPEG decoders cannot read (or that is too large to read safely). */
export class ImageDecodeError extends Lenet5Error {
  constructor(
    message: string,
    readonly source?: string,
    options?: { cause?: unknown },
  ) {
    super('E_IMAGE_DECODE', message, options);
  }
}

/** A local file or folder that should hold the data is missing. */
export class DataNotFoundError extends Lenet5Error {
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super('E_NOT_FOUND', message, options);
  }
}

/** A download failed: network error, HTTP status, every mirror exhausted, or offline. */
export class DownloadError extends Lenet5Error {
  constructor(
    message: string,
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
  constructor(message: string, url?: string, options?: { cause?: unknown }) {
    super(message, url, undefined, { ...options, code: 'E_TIMEOUT' });
  }
}

/** Downloaded bytes whose checksum differs from the published one. */
export class ChecksumError extends DownloadError {
  constructor(
    message: string,
    url: string | undefined,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message, url, undefined, { code: 'E_CHECKSUM' });
  }
}

/** An image in which preprocessing found nothing to read (blank, or too little contrast). */
export class NoInkError extends Lenet5Error {
  constructor(message: string) {
    super('E_NO_INK', message);
  }
}

/** An option or argument outside its domain (negative counts, wrong buffer sizes, ...). */
export class InvalidArgumentError extends Lenet5Error {
  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}
