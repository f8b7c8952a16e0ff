/** The data layer's errors live in the library-wide hierarchy (`src/errors.ts`); re-exported for old imports. */
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
