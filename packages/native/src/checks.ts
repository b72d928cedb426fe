/**
 * Argument checks shared by the wrappers: each names the argument, the expectation and what it received.
 */
import { describeValue, invalidArgument } from './errors.js';

export { checkTimeout } from './timeout.js';
export const describe = describeValue;
export const invalid = invalidArgument;

export function checkInteger(
  value: unknown,
  path: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalid(path, 'an integer', value);
  if (value < min || value > max) {
    throw new RangeError(`${path} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export function checkFd(fd: unknown): number {
  return checkInteger(fd, 'fd', 0, 0x7fffffff);
}

export function checkWord(view: unknown, index: unknown): void {
  if (!(view instanceof Int32Array)) throw invalid('view', 'an Int32Array', view);
  checkInteger(index, 'index', 0, view.length - 1);
}
