/**
 * Argument checks shared by the wrappers: each names the argument, the expectation and what it received.
 */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return `${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)} (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${String(value)} (${typeof value})`;
  }
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object'
    ? `a ${value.constructor?.name ?? 'Object'} instance`
    : typeof value;
}

export function invalid(path: string, expected: string, received: unknown): TypeError {
  return new TypeError(`${path} must be ${expected}, got ${describe(received)}`);
}

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

export function checkTimeout(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw invalid(
      'timeout',
      'a number of milliseconds >= 0 (or undefined to wait forever)',
      timeout,
    );
  }
  return timeout;
}

export function checkWord(view: unknown, index: unknown): void {
  if (!(view instanceof Int32Array)) throw invalid('view', 'an Int32Array', view);
  checkInteger(index, 'index', 0, view.length - 1);
}
