/**
 * Typecodes, as in Python's `array` module, and how each one's elements are read and written in
 * shared memory: the typed array over the bytes, the JavaScript type of an element, its range,
 * and whether `Atomics` can read and write it whole.
 */
import { invalidArgument } from '@multiproc/serialize';

/**
 * A typecode of Python's `array` module: `b`/`B` 8-bit, `h`/`H` 16-bit, `i`/`I` 32-bit,
 * `l`/`L`/`q`/`Q` 64-bit (bigints), `f` float32, `d` float64, `c` one byte read and written as a
 * one-character string. Upper case is unsigned.
 *
 * @example
 * ```ts
 * const code: Typecode = 'd';
 * ```
 */
export type Typecode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd' | 'c';

/**
 * The JavaScript type of one element of a typecode: `bigint` for the 64-bit codes, `string` for
 * `'c'`, `number` otherwise.
 *
 * @example
 * ```ts
 * const n: ElementOf<'i'> = 3;    // number
 * const big: ElementOf<'q'> = 3n; // bigint
 * const ch: ElementOf<'c'> = 'x'; // string
 * ```
 */
export type ElementOf<C extends Typecode> = C extends 'l' | 'L' | 'q' | 'Q'
  ? bigint
  : C extends 'c'
    ? string
    : number;

/**
 * The typed array over the elements of a typecode (`view`).
 *
 * @example
 * ```ts
 * const v: ViewOf<'d'> = new SharedArray('d', 3).view; // Float64Array
 * ```
 */
export type ViewOf<C extends Typecode> = C extends 'b'
  ? Int8Array
  : C extends 'B' | 'c'
    ? Uint8Array
    : C extends 'h'
      ? Int16Array
      : C extends 'H'
        ? Uint16Array
        : C extends 'i'
          ? Int32Array
          : C extends 'I'
            ? Uint32Array
            : C extends 'l' | 'q'
              ? BigInt64Array
              : C extends 'L' | 'Q'
                ? BigUint64Array
                : C extends 'f'
                  ? Float32Array
                  : Float64Array;

/** Every view a typecode may have. */
export type AnyView =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

type ViewClass = new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => AnyView;

/** What the package knows about one typecode. */
export interface CodeInfo {
  readonly code: Typecode;
  readonly bytes: number;
  readonly View: ViewClass;
  readonly kind: 'int' | 'bigint' | 'float' | 'char';
  readonly min: number | bigint;
  readonly max: number | bigint;
  /** Whether an element is read and written whole by `Atomics` (all but `'d'`). */
  readonly atomic: boolean;
}

function info(
  code: Typecode,
  bytes: number,
  View: ViewClass,
  kind: CodeInfo['kind'],
  min: number | bigint,
  max: number | bigint,
): CodeInfo {
  return Object.freeze({ code, bytes, View, kind, min, max, atomic: code !== 'd' });
}

const codes: ReadonlyMap<string, CodeInfo> = new Map(
  [
    info('b', 1, Int8Array, 'int', -128, 127),
    info('B', 1, Uint8Array, 'int', 0, 255),
    info('h', 2, Int16Array, 'int', -32768, 32767),
    info('H', 2, Uint16Array, 'int', 0, 65535),
    info('i', 4, Int32Array, 'int', -2147483648, 2147483647),
    info('I', 4, Uint32Array, 'int', 0, 4294967295),
    info('l', 8, BigInt64Array, 'bigint', -(2n ** 63n), 2n ** 63n - 1n),
    info('L', 8, BigUint64Array, 'bigint', 0n, 2n ** 64n - 1n),
    info('q', 8, BigInt64Array, 'bigint', -(2n ** 63n), 2n ** 63n - 1n),
    info('Q', 8, BigUint64Array, 'bigint', 0n, 2n ** 64n - 1n),
    info('f', 4, Float32Array, 'float', -Infinity, Infinity),
    info('d', 8, Float64Array, 'float', -Infinity, Infinity),
    info('c', 1, Uint8Array, 'char', 0, 255),
  ].map((i) => [i.code, i]),
);

/** The typecode's info, or a `TypeError` naming `path`. */
export function codeInfo(typecode: unknown, path = 'typecode'): CodeInfo {
  const found = typeof typecode === 'string' ? codes.get(typecode) : undefined;
  if (found === undefined) {
    throw invalidArgument(
      path,
      `one of ${[...codes.keys()].map((c) => `'${c}'`).join(' ')}`,
      typecode,
    );
  }
  return found;
}

/** The zero element of a typecode. */
export function zeroOf(info: CodeInfo): number | bigint | string {
  return info.kind === 'bigint' ? 0n : info.kind === 'char' ? '\0' : 0;
}

/**
 * Checks one element for `info` and returns it as stored (a char code for `'c'`): a
 * `TypeError` for the wrong type, a `RangeError` for an integer out of range, naming `path`.
 */
export function checkElement(info: CodeInfo, value: unknown, path: string): number | bigint {
  switch (info.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw invalidArgument(path, `an integer (typecode '${info.code}')`, value);
      }
      if (value < (info.min as number) || value > (info.max as number)) {
        throw new RangeError(
          `${path} must be between ${info.min} and ${info.max} (typecode '${info.code}'), got ${value}`,
        );
      }
      return value;
    case 'bigint':
      if (typeof value !== 'bigint') {
        throw invalidArgument(path, `a bigint (typecode '${info.code}' is 64-bit)`, value);
      }
      if (value < (info.min as bigint) || value > (info.max as bigint)) {
        throw new RangeError(
          `${path} must be between ${info.min} and ${info.max} (typecode '${info.code}'), got ${value}n`,
        );
      }
      return value;
    case 'float':
      if (typeof value !== 'number') {
        throw invalidArgument(path, `a number (typecode '${info.code}')`, value);
      }
      return value;
    case 'char': {
      if (typeof value !== 'string' || value.length !== 1) {
        throw invalidArgument(path, "a one-character string (typecode 'c')", value);
      }
      const code = value.charCodeAt(0);
      if (code > 255) {
        throw new RangeError(
          `${path} must be a character with a code of at most 255 (typecode 'c'), got ${JSON.stringify(value)}`,
        );
      }
      return code;
    }
  }
}

/** Reads element `i` of `view` as the JavaScript type of `info` (plain, non-atomic read). */
export function fromStored(info: CodeInfo, stored: number | bigint): number | bigint | string {
  return info.kind === 'char' ? String.fromCharCode(stored as number) : stored;
}
