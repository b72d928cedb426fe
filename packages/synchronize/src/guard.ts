/**
 * What every lock-like primitive shares: `withLock`, `hold` and their sync forms over its own
 * `acquire`/`release`, and `LockGuard` for `using` blocks.
 */
import { TimeoutError } from '@multiproc/serialize';
import { SharedObject } from '@multiproc/shared-memory/internal';
import { currentChain, inNewChain } from './chain.js';
import type { MutexCore } from './mutex.js';
import { rejecting, type AcquireOptions } from './wait.js';

/**
 * Holds an acquired lock (or semaphore count) until `release()` or the end of a `using` block,
 * even when the block throws.
 *
 * @example
 * ```ts
 * {
 *   using _held = lock.holdSync();
 *   counter.value += 1;
 * } // released here
 * {
 *   await using _held = await lock.hold();
 * }
 * ```
 */
export class LockGuard implements Disposable, AsyncDisposable {
  #release: (() => void) | undefined;

  /** @internal Made by `hold()`/`holdSync()`. */
  constructor(release: () => void) {
    this.#release = release;
  }

  /** Whether this guard still holds what it acquired. */
  get held(): boolean {
    return this.#release !== undefined;
  }

  /** Releases what was acquired (once; later calls do nothing). */
  release(): void {
    const release = this.#release;
    if (release === undefined) return;
    this.#release = undefined;
    release();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/** Something with acquire/release, as every lock-like primitive of this package has. */
export interface Acquirable {
  acquire(options?: AcquireOptions): Promise<boolean>;
  acquireSync(options?: AcquireOptions): boolean;
  release(): void;
}

function notAcquired(what: string, options: AcquireOptions | undefined): TimeoutError {
  return new TimeoutError(
    options?.block === false
      ? `${what} is held elsewhere (block: false)`
      : `${what} was not acquired within ${String(options?.timeout)} ms`,
  );
}

/** `hold()` for any acquirable: a guard, or a TimeoutError when not acquired. */
export async function holdAsync(
  target: Acquirable,
  what: string,
  options: AcquireOptions | undefined,
): Promise<LockGuard> {
  if (!(await target.acquire(options))) throw notAcquired(what, options);
  return new LockGuard(() => target.release());
}

/** `holdSync()` for any acquirable. */
export function holdSync(
  target: Acquirable,
  what: string,
  options: AcquireOptions | undefined,
): LockGuard {
  if (!target.acquireSync(options)) throw notAcquired(what, options);
  return new LockGuard(() => target.release());
}

/**
 * `withLock()` for any acquirable. Over an RLock (`core`), code in no chain yet gets one
 * of its own, so that its hold excludes the other chains of this thread; unless chain 0 holds the
 * lock already, where this is a re-entry.
 */
export function withAcquired<R>(
  target: Acquirable,
  fn: () => R | PromiseLike<R>,
  core?: MutexCore,
): Promise<R> {
  if (core?.recursive === true && currentChain() === 0 && !core.owned(0)) {
    return inNewChain(() => runHolding(target, fn));
  }
  return runHolding(target, fn);
}

async function runHolding<R>(target: Acquirable, fn: () => R | PromiseLike<R>): Promise<R> {
  await target.acquire();
  try {
    return await fn();
  } finally {
    target.release();
  }
}

/** `withLockSync()` for any acquirable. */
export function withAcquiredSync<R>(target: Acquirable, fn: () => R): R {
  target.acquireSync();
  try {
    return fn();
  } finally {
    target.release();
  }
}

/**
 * @internal The base of `Lock`, `RLock`, `Semaphore` and `Condition`: a shared object that
 * acquires and releases, and so has `withLock` and `hold`.
 *
 * @example
 * ```ts
 * function guarded(lock: AcquirableObject, fn: () => void) { lock.withLockSync(fn); }
 * ```
 */
export abstract class AcquirableObject extends SharedObject implements Acquirable {
  abstract acquire(options?: AcquireOptions): Promise<boolean>;
  abstract acquireSync(options?: AcquireOptions): boolean;
  abstract release(): void;

  /** The engine of an RLock this object acquires, so that `withLock` opens an async chain. */
  protected chainCore(): MutexCore | undefined {
    return undefined;
  }

  /**
   * Runs `fn` holding this object (acquired, then released even if `fn` throws or rejects), as
   * Python's `with lock:`. Resolves with what `fn` returned.
   *
   * @example
   * ```ts
   * const total = await lock.withLock(() => (counter.value += 1));
   * ```
   */
  withLock<R>(fn: () => R | PromiseLike<R>): Promise<R> {
    return rejecting(() => withAcquired(this, fn, this.chainCore()));
  }

  /**
   * {@link withLock}, blocking: `acquireSync`, `fn`, `release`.
   *
   * @example
   * ```ts
   * lock.withLockSync(() => { counter.value += 1; });
   * ```
   */
  withLockSync<R>(fn: () => R): R {
    return withAcquiredSync(this, fn);
  }

  /**
   * Acquires and returns a {@link LockGuard} that releases at the end of a `using` or
   * `await using` block. Rejects with `TimeoutError` if `options` gave up.
   *
   * @example
   * ```ts
   * await using _held = await lock.hold();
   * ```
   */
  hold(options?: AcquireOptions): Promise<LockGuard> {
    return holdAsync(this, this.what, options);
  }

  /**
   * {@link hold}, blocking. Throws `TimeoutError` if `options` gave up.
   *
   * @example
   * ```ts
   * using _held = lock.holdSync();
   * ```
   */
  holdSync(options?: AcquireOptions): LockGuard {
    return holdSync(this, this.what, options);
  }
}
