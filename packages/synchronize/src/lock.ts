/**
 * `Lock` and `RLock`: thin shells over {@link MutexCore} (mutex.ts), plus `LockGuard` for
 * `using` blocks.
 */
import { MultiprocError } from '@multiproc/serialize';
import { selfToken, shareObject, type Received } from '@multiproc/shared-memory/internal';
import { currentChain } from './chain.js';
import { AcquirableObject } from './guard.js';
import { MutexCore, kMutexBytes, kMutexWords, type MutexKind } from './mutex.js';
import { acquireDeadline, runAsync, runSync, rejecting, type AcquireOptions } from './wait.js';

const kResolvedTrue = Promise.resolve(true);
const me = selfToken;

// What the fast paths see instead of the shared words when they must not run: a state no
// compareExchange of theirs matches (never 0, never a token), so they fall through to the slow
// path. That is the case for an RLock (recursion needs the core), a closed lock (the slow path
// throws "Lock is closed"), a lock whose last acquire took over from a dead owner (the next
// acquire must reset `lastOwnerDied`), and a lock a Condition uses (it drives the core directly).
// The fast paths then need no check of their own.
const kNoFastPath = new Int32Array(kMutexWords).fill(-1);

const kCore = Symbol.for('multiproc.mutexCore');
const kThreadSection = Symbol.for('multiproc.threadSection');
const kTryAcquire = Symbol.for('multiproc.tryAcquire');
const kNoBlock = Object.freeze({ block: false });

/** @internal The engine of a Lock or RLock (of either build of this package), for Condition. */
export function mutexCoreOf(lock: unknown): MutexCore | undefined {
  const get = (lock as { [kCore]?: () => MutexCore } | null)?.[kCore];
  return typeof get === 'function' ? get.call(lock) : undefined;
}

/**
 * What `Lock` and `RLock` share (the type to accept either). Not constructed directly.
 *
 * @example
 * ```ts
 * function guarded(lock: LockBase, fn: () => void) { lock.withLockSync(fn); }
 * ```
 */
export abstract class LockBase extends AcquirableObject {
  readonly #core: MutexCore;
  readonly #recursive: boolean;
  /**
   * The core's words, for the fast paths inlined here (measured: ~30% more uncontended
   * acquire+release pairs per second than calling into the core), or {@link kNoFastPath}.
   */
  #fast: Int32Array;
  #usedByCondition = false;

  /** @internal */
  constructor(kind: MutexKind, source: Received | undefined) {
    const what = kind === 'lock' ? 'Lock' : 'RLock';
    super(what, source ?? kMutexBytes);
    this.#recursive = kind === 'rlock';
    this.#core = new MutexCore(this.int32(kMutexWords), kind, this.block);
    this.#fast = this.#recursive ? kNoFastPath : this.#core.words;
  }

  /** After a slow acquire: whether the next one may take the fast path. */
  #updateFast(): void {
    const core = this.#core;
    this.#fast =
      !this.closed && !this.#recursive && !this.#usedByCondition && !core.lastOwnerDied
        ? core.words
        : kNoFastPath;
  }

  /**
   * Acquires the lock, waiting without blocking the event loop. Resolves `true` once acquired,
   * `false` when `block: false` found it held or `timeout` ms passed; rejects only on bad
   * options. A lock whose owner died is taken over (see {@link lastOwnerDied}).
   *
   * @example
   * ```ts
   * if (await lock.acquire({ timeout: 50 })) {
   *   try { work(); } finally { lock.release(); }
   * }
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    if (options === undefined && Atomics.compareExchange(this.#fast, 0, 0, me) === 0) {
      return kResolvedTrue;
    }
    return rejecting(() => this.#acquireSlow(options));
  }

  #acquireSlow(options: AcquireOptions | undefined): Promise<boolean> {
    this.assertOpen();
    const deadline = acquireDeadline(options);
    const chain = this.#recursive ? currentChain() : 0;
    if (this.#core.tryFast(chain)) {
      this.#updateFast();
      return kResolvedTrue;
    }
    return runAsync(this.#core.acquire(deadline, chain)).then((acquired) => {
      this.#updateFast();
      return acquired;
    });
  }

  /**
   * Acquires the lock, blocking the calling thread while it waits. Returns `true` once acquired,
   * `false` when `block: false` found it held or `timeout` ms passed.
   *
   * @example
   * ```ts
   * lock.acquireSync();
   * try { counter.value += 1; } finally { lock.release(); }
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    if (options === undefined && Atomics.compareExchange(this.#fast, 0, 0, me) === 0) return true;
    return this.#acquireSyncSlow(options);
  }

  #acquireSyncSlow(options: AcquireOptions | undefined): boolean {
    this.assertOpen();
    const deadline = acquireDeadline(options);
    const chain = this.#recursive ? currentChain() : 0;
    let acquired = this.#core.tryFast(chain);
    if (!acquired) {
      if (this.#core.heldByOtherChain(chain)) {
        if (deadline !== undefined) return false; // nothing can release it while we block
        throw new MultiprocError(
          'acquireSync() of an RLock held by another async chain of this thread would wait ' +
            'forever: only this thread can release it (use await acquire())',
          'ERR_MP_DEADLOCK',
        );
      }
      acquired = runSync(this.#core.acquire(deadline, chain));
    }
    this.#updateFast();
    return acquired;
  }

  /**
   * Releases the lock. A `Lock` may be released by any process or thread (as in Python);
   * releasing an unlocked one throws. An `RLock` must be released by its owner, once per
   * acquire.
   *
   * @example
   * ```ts
   * lock.release();
   * ```
   */
  release(): void {
    if (Atomics.compareExchange(this.#fast, 0, me, 0) === me) return;
    this.#releaseSlow();
  }

  #releaseSlow(): void {
    this.assertOpen();
    const error = this.#core.release(this.#recursive ? currentChain() : 0);
    if (error === undefined) return;
    if (error === 'unlocked') {
      throw new MultiprocError(`release() of an unlocked ${this.what}`, 'ERR_MP_NOT_LOCKED');
    }
    throw new MultiprocError(
      error === 'not-owner'
        ? `release() of an ${this.what} owned by another thread or process`
        : `release() of an ${this.what} owned by another async chain of this thread`,
      'ERR_MP_NOT_OWNER',
    );
  }

  /**
   * Whether the lock is held by anyone right now (a snapshot).
   *
   * @example
   * ```ts
   * lock.locked(); // false
   * ```
   */
  locked(): boolean {
    this.assertOpen();
    return this.#core.locked();
  }

  /**
   * Whether the last acquire through this object took the lock over from an owner that had
   * died holding it (a killed process, or an ended `thread`-context worker). The data the lock
   * protected may be half-updated. Reset by the next acquire through this object that finds
   * the lock free.
   *
   * @example
   * ```ts
   * await lock.acquire();
   * if (lock.lastOwnerDied) repair();
   * ```
   */
  get lastOwnerDied(): boolean {
    return this.#core.lastOwnerDied;
  }

  /** @internal `withLock` on an RLock opens an async chain. */
  protected override chainCore(): MutexCore {
    return this.#core;
  }

  /** @internal The fast paths must fall through to the slow one, which throws "closed". */
  protected override onClose(): void {
    this.#fast = kNoFastPath;
  }

  /**
   * @internal For one read or write of a `Value`/`SharedArray` element: runs `fn` holding the
   * lock, or at once where this thread holds it already in any chain. A chain of this thread
   * that holds it is suspended while `fn` runs, so `fn` cannot break its section.
   */
  [kThreadSection]<R>(fn: () => R): R {
    if (this.#recursive && !this.closed && this.#core.heldByThisThread()) return fn();
    this.acquireSync();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  /**
   * @internal `acquireSync({ block: false })` for the hot paths of other packages (a queue takes
   * its locks this way at every put and get): one compareExchange while the fast path is open,
   * with no options object to read.
   */
  [kTryAcquire](): boolean {
    return Atomics.compareExchange(this.#fast, 0, 0, me) === 0 || this.#acquireSyncSlow(kNoBlock);
  }

  /** @internal */
  [kCore](): MutexCore {
    this.assertOpen();
    this.#usedByCondition = true;
    this.#fast = kNoFastPath;
    return this.#core;
  }
}

/**
 * A non-recursive lock in shared memory, as Python's `multiprocessing.Lock`: once acquired,
 * every other acquire (from any process or thread, this one included) waits until it is
 * released; any process or thread may release it. Uncontended acquire and release are pure
 * `Atomics`. Pass it to a `Process` or pool task and the child gets the same lock.
 *
 * @example
 * ```ts
 * import { Lock } from '@multiproc/synchronize';
 *
 * const lock = new Lock();
 * await lock.withLock(async () => {
 *   console.log('one at a time');
 * });
 * ```
 */
export class Lock extends LockBase {
  constructor();
  constructor(source?: Received) {
    super('lock', source);
  }
}

/**
 * A recursive lock in shared memory, as Python's `multiprocessing.RLock`: the owning thread
 * may acquire it again without blocking and must release it once per acquire; only the owner
 * may release it. The owner is an async chain, not a whole thread: inside `withLock(fn)`,
 * everything `fn` awaits may re-enter, while other async tasks of the same thread wait as
 * another process would (see the package README).
 *
 * @example
 * ```ts
 * import { RLock } from '@multiproc/synchronize';
 *
 * const lock = new RLock();
 * lock.acquireSync();
 * lock.acquireSync(); // same thread: no wait
 * lock.release();
 * lock.release();
 * ```
 */
export class RLock extends LockBase {
  constructor();
  constructor(source?: Received) {
    super('rlock', source);
  }
}

shareObject('multiproc.Lock', Lock, import.meta.url);
shareObject('multiproc.RLock', RLock, import.meta.url);
