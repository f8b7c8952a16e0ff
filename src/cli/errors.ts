/** How the CLI reports failure: exit 2 for usage errors, 1 for data/model errors; one line on stderr. */
import { InvalidArgumentError } from '../errors.js';

/** A mistake in how the command was called (bad flag value, missing argument): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * The exit code an error maps to: usage errors and API misuse caused by flag values (InvalidArgumentError:
 * a batch size larger than the data, a bad learning rate, ...) exit 2; data, model, image, download,
 * memory and training errors exit 1.
 */
export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError || err instanceof InvalidArgumentError ? EXIT_USAGE : EXIT_FAILURE;
}

/** One line for stderr: the message without the stack (the stack only with --debug). */
export function describeError(err: unknown, debug: boolean): string {
  if (debug && err instanceof Error && err.stack) return err.stack;
  return `lenet5: ${oneLine(err instanceof Error ? err.message : String(err))}`;
}

/** A multi-line message (e.g. one reason per mirror) folded into one line, nothing dropped. */
export function oneLine(message: string): string {
  return message.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ').replace(/: ?;/g, ':');
}

/** Parses a positive integer option value, or throws a UsageError naming the flag. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
    }
    return n;
  };
}

/** Parses a non-negative integer (seeds). */
export function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
      throw new UsageError(`${flag} must be a non-negative integer, got '${value}'`);
    }
    return n;
  };
}

/** An integer 0..255 (a pixel contrast). */
export function contrast(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n > 255) throw new UsageError(`${flag} must be an integer in 0..255, got '${value}'`);
    return n;
  };
}

/** Parses a positive finite number (learning rates). */
/** A number strictly between 0 and 1 (a fraction such as `0.1` or `1/6`). */
export function fraction(flag: string) {
  return (value: string): number => {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    const n = m ? Number(m[1]) / Number(m[2]) : Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) {
      throw new UsageError(`${flag} must be a fraction between 0 and 1 (exclusive), e.g. 0.1 or 1/6, got '${value}'`);
    }
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`${flag} must be a positive number, got '${value}'`);
    }
    return n;
  };
}
