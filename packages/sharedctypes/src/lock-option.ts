/** The `lock` option of `Value` and `SharedArray`, as Python's `lock=` argument. */
import { invalidArgument } from '@multiproc/serialize';
import { LockBase, RLock, type Lock } from '@multiproc/synchronize';

/**
 * `true` (a new `RLock`, the default), `false` (no lock), or a `Lock`/`RLock` to use.
 *
 * @example
 * ```ts
 * new Value('i', 0, { lock: sharedLock });
 * ```
 */
export type LockOption = boolean | Lock | RLock;

/**
 * Options of `Value` and `SharedArray`.
 *
 * @example
 * ```ts
 * new SharedArray('i', 10, { lock: false });
 * ```
 */
export interface SynchronizedOptions {
  /**
   * The lock that guards the object: `true` makes a new `RLock`, `false` none, or pass a
   * `Lock`/`RLock` to share one between several objects.
   * @default true
   */
  lock?: LockOption;
}

/** Checks the options; returns the lock to use (made here when asked for), and whether it is ours. */
export function lockFromOptions(options: unknown): {
  lock: Lock | RLock | undefined;
  owned: boolean;
} {
  if (options === undefined) return { lock: new RLock(), owned: true };
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'an object like { lock }', options);
  }
  const { lock = true } = options as SynchronizedOptions;
  if (lock === true) return { lock: new RLock(), owned: true };
  if (lock === false) return { lock: undefined, owned: false };
  if (lock instanceof LockBase) return { lock, owned: false };
  throw invalidArgument('options.lock', 'a boolean, a Lock or an RLock', lock);
}

/** Checks the options without making a lock (before anything is allocated). */
export function checkLockOption(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'an object like { lock }', options);
  }
  const { lock = true } = options as SynchronizedOptions;
  if (typeof lock !== 'boolean' && !(lock instanceof LockBase)) {
    throw invalidArgument('options.lock', 'a boolean, a Lock or an RLock', lock);
  }
}

// Lock's method of the same key (synchronize/src/lock.ts), found by key so that either build of
// that package serves.
const kThreadSection = Symbol.for('multiproc.threadSection');

/**
 * Runs one element access under `lock`: with it held, or at once where this thread holds it
 * already, in any async chain (that chain is suspended while this runs, so nothing it does is
 * interleaved).
 */
export function underLock<R>(lock: Lock | RLock, fn: () => R): R {
  const section = (lock as unknown as Record<symbol, (fn: () => R) => R>)[kThreadSection]!;
  return section.call(lock, fn);
}
