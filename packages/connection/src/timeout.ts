import { invalidArgument } from '@multiproc/serialize';

/**
 * A timeout in milliseconds: `null`, `undefined` and `Infinity` wait forever (`Infinity` is
 * returned); negative numbers count as 0, as in Python's `wait()`.
 */
export function checkTimeout(timeout: unknown, path: string): number {
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw invalidArgument(path, 'a number of milliseconds, or null to wait forever', timeout);
  }
  return timeout < 0 ? 0 : timeout;
}
