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

/**
 * The lock of a synchronized object (`Value`, `SharedArray`): made for it, shared with it, or
 * received with it; closed with the object when it is the object's own.
 *
 * @example
 * ```ts
 * const guard = new ObjectLock(options, received?.data.lock);
 * guard.run(() => cells.get(0));
 * ```
 */
export class ObjectLock {
  readonly lock: Lock | RLock | undefined;
  readonly #owned: boolean;

  /** From the options, or (`received` not `undefined`) the lock that came with the object. */
  constructor(options: unknown, received?: Lock | RLock | null) {
    // A received lock is this process's own copy of the sender's lock: it closes with the object.
    ({ lock: this.lock, owned: this.#owned } =
      received === undefined
        ? lockFromOptions(options)
        : { lock: received ?? undefined, owned: received !== null });
  }

  /** Runs `fn` under the lock (see {@link underLock}), or at once when there is none. */
  run<R>(fn: () => R): R {
    const lock = this.lock;
    return lock === undefined ? fn() : underLock(lock, fn);
  }

  /** The lock, for `getLock()`: throws, naming `what`, when it was made with `lock: false`. */
  get(what: string): Lock | RLock {
    if (this.lock === undefined) {
      throw new TypeError(`this ${what} was made with { lock: false } and has no lock`);
    }
    return this.lock;
  }

  /** Closes the lock if it is the object's own. */
  close(): void {
    if (this.#owned) this.lock?.close();
  }
}
