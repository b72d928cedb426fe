/**
 * `@multiproc/sharedctypes`: Python's `multiprocessing.sharedctypes` — `Value`, `RawValue`,
 * `SharedArray` (Python's `Array`) and `RawArray` — typed values and arrays in shared memory that
 * every process and thread they are sent to reads and writes directly.
 *
 * @packageDocumentation
 */
export { RawValue, Value } from './value.js';
export { ArrayBase, RawArray, SharedArray } from './array.js';
export type { ElementOf, Typecode, ViewOf } from './typecodes.js';
export type { LockOption, SynchronizedOptions } from './lock-option.js';
