/**
 * `FileLock`: a lock between programs that share nothing but a filesystem (unrelated programs on
 * one machine, or machines mounting the same NFS export), on `proper-lockfile`.
 *
 * The lock is the directory `<path>.lock`: `mkdir` is atomic on every filesystem, NFS included.
 * While held, its mtime is refreshed every `stale / 2` ms (on a timer of the holder's event
 * loop); a lock whose mtime is older than `stale` belongs to a holder that died (or froze) and
 * is removed and taken by the next acquirer. So a SIGKILLed holder delays the others by at most
 * `stale` ms. A holder that blocks its event loop for longer than `stale` (a long `…Sync` call)
 * stops refreshing and may lose the lock: `compromised` then turns true.
 */
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import type * as ProperLockfile from 'proper-lockfile';
import { MultiprocError, invalidArgument, registerShareable } from '@multiproc/serialize';
import { closedError, type Lifecycle } from '@multiproc/shared-memory/internal';
import { holdAsync, holdSync, withAcquired, withAcquiredSync, type LockGuard } from './guard.js';
import { acquireDeadline, now, type AcquireOptions } from './wait.js';

/**
 * Options of `new FileLock(path, options)`.
 *
 * @example
 * ```ts
 * new FileLock('/shared/jobs/build', { stale: 5000 });
 * ```
 */
export interface FileLockOptions {
  /**
   * After how many ms without a refresh a held lock counts as abandoned (its holder died) and
   * is taken over. At least 2000; the holder refreshes every `stale / 2` ms.
   * @default 10000
   */
  stale?: number;
  /**
   * How many times a blocking `acquire` tries before giving up (resolving `false`), `timeout`
   * permitting; `Infinity` tries until it gets the lock.
   * @default Infinity
   */
  retries?: number;
  /**
   * The pause between two attempts, in ms.
   * @default 25
   */
  retryInterval?: number;
}

interface Settings {
  stale: number;
  retries: number;
  retryInterval: number;
}

function checkOptions(options: unknown): Settings {
  if (options === undefined) return { stale: 10_000, retries: Infinity, retryInterval: 25 };
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'an object like { stale, retries }', options);
  }
  const { stale = 10_000, retries = Infinity, retryInterval = 25 } = options as FileLockOptions;
  if (typeof stale !== 'number' || !Number.isFinite(stale) || stale < 2000) {
    throw invalidArgument('options.stale', 'a number of milliseconds ≥ 2000', stale);
  }
  if (
    typeof retries !== 'number' ||
    Number.isNaN(retries) ||
    retries < 0 ||
    (retries !== Infinity && !Number.isInteger(retries))
  ) {
    throw invalidArgument('options.retries', 'an integer ≥ 0 or Infinity', retries);
  }
  if (typeof retryInterval !== 'number' || !Number.isFinite(retryInterval) || retryInterval < 1) {
    throw invalidArgument('options.retryInterval', 'a number of milliseconds ≥ 1', retryInterval);
  }
  return { stale, retries, retryInterval };
}

// Loaded on first use: proper-lockfile brings graceful-fs (which patches fs.close) and
// signal-exit (process exit hooks), which no program that never takes a FileLock should carry,
// least of all every child process that receives a Lock.
let properLockfile: typeof ProperLockfile | undefined;
function lockfile(): typeof ProperLockfile {
  properLockfile ??= createRequire(import.meta.url)('proper-lockfile') as typeof ProperLockfile;
  return properLockfile;
}

function isLocked(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ELOCKED';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  // A private word nobody notifies: a plain in-thread sleep.
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * A lock between unrelated programs, or machines sharing a filesystem (NFS), on
 * `proper-lockfile`: the lock is the directory `<path>.lock`. A holder that died (even by
 * SIGKILL) is detected as stale after `stale` ms and replaced. Not recursive: a second acquire
 * in the same program waits like any other.
 *
 * @example
 * ```ts
 * import { FileLock } from '@multiproc/synchronize';
 *
 * const lock = new FileLock('/var/tmp/nightly-report');
 * if (await lock.acquire({ timeout: 1000 })) {
 *   try { await writeReport(); } finally { lock.release(); }
 * }
 * ```
 */
export class FileLock implements Disposable {
  /** The path whose lock this is (absolute); the lock itself is `<path>.lock`. */
  readonly path: string;
  readonly #settings: Settings;
  #held = false;
  #compromised: Error | undefined;
  #state: Lifecycle = 'open';

  /**
   * @param path - what to lock; it need not exist (the lock is the directory `<path>.lock`).
   */
  constructor(path: string, options?: FileLockOptions) {
    if (typeof path !== 'string' || path === '')
      throw invalidArgument('path', 'a non-empty string', path);
    this.#settings = checkOptions(options);
    this.path = resolvePath(path);
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw closedError('FileLock');
  }

  #lockOptions(): ProperLockfile.LockOptions {
    return {
      stale: this.#settings.stale,
      realpath: false,
      retries: 0,
      onCompromised: (error) => {
        this.#held = false;
        this.#compromised = error;
      },
    };
  }

  #took(): true {
    this.#held = true;
    this.#compromised = undefined;
    return true;
  }

  /**
   * Takes the lock, retrying without blocking the event loop while another holds it. Resolves
   * `true` once taken, `false` when `block: false` found it held, `timeout` ms passed, or
   * `retries` ran out. Other filesystem errors reject.
   *
   * @example
   * ```ts
   * await lock.acquire();
   * ```
   */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    this.#assertOpen();
    const deadline = acquireDeadline(options);
    for (let attempt = 0; ; attempt++) {
      // Held through this object already? Not recursive: wait like anyone else.
      if (!this.#held) {
        try {
          await lockfile().lock(this.path, this.#lockOptions());
          return this.#took();
        } catch (error) {
          if (!isLocked(error)) throw error;
        }
      }
      const pause = this.#pause(deadline, attempt);
      if (pause === undefined) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * {@link acquire}, blocking the calling thread between attempts.
   *
   * @example
   * ```ts
   * lock.acquireSync({ timeout: 5000 });
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    this.#assertOpen();
    const deadline = acquireDeadline(options);
    for (let attempt = 0; ; attempt++) {
      if (!this.#held) {
        try {
          lockfile().lockSync(this.path, this.#lockOptions());
          return this.#took();
        } catch (error) {
          if (!isLocked(error)) throw error;
        }
      }
      const pause = this.#pause(deadline, attempt);
      if (pause === undefined) return false;
      sleepSync(pause);
    }
  }

  /** How long to wait before the next attempt, or `undefined` to give up. */
  #pause(deadline: number | undefined | null, attempt: number): number | undefined {
    if (deadline === null || attempt >= this.#settings.retries) return undefined;
    if (deadline === undefined) return this.#settings.retryInterval;
    const left = deadline - now();
    return left <= 0 ? undefined : Math.min(this.#settings.retryInterval, left);
  }

  /**
   * Releases the lock (removes `<path>.lock`). Throws if this object does not hold it.
   *
   * @example
   * ```ts
   * lock.release();
   * ```
   */
  release(): void {
    this.#assertOpen();
    if (!this.#held) {
      throw new MultiprocError(
        this.#compromised
          ? `release() of a FileLock that was lost: ${this.#compromised.message}`
          : 'release() of a FileLock this object does not hold',
        'ERR_MP_NOT_LOCKED',
      );
    }
    this.#held = false;
    lockfile().unlockSync(this.path, { realpath: false });
  }

  /** Whether this object holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Whether the lock was lost while held: its refresh failed for longer than `stale` (the
   * holder's event loop was blocked, or the filesystem failed), so another program may have
   * taken it.
   */
  get compromised(): boolean {
    return this.#compromised !== undefined;
  }

  /**
   * Whether anyone holds the lock right now (a fresh `<path>.lock` exists).
   *
   * @example
   * ```ts
   * if (await lock.isLocked()) console.log('someone is at it');
   * ```
   */
  isLocked(): Promise<boolean> {
    this.#assertOpen();
    return lockfile().check(this.path, { stale: this.#settings.stale, realpath: false });
  }

  /**
   * Runs `fn` holding the lock, releasing it even if `fn` throws or rejects.
   *
   * @example
   * ```ts
   * await lock.withLock(() => rebuildIndex());
   * ```
   */
  withLock<R>(fn: () => R | PromiseLike<R>): Promise<R> {
    return withAcquired(this, fn);
  }

  /**
   * {@link withLock}, blocking.
   *
   * @example
   * ```ts
   * lock.withLockSync(() => appendLine());
   * ```
   */
  withLockSync<R>(fn: () => R): R {
    return withAcquiredSync(this, fn);
  }

  /**
   * Takes the lock and returns a guard that releases it at the end of a `using` block.
   *
   * @example
   * ```ts
   * await using _held = await lock.hold({ timeout: 1000 });
   * ```
   */
  hold(options?: AcquireOptions): Promise<LockGuard> {
    return holdAsync(this, 'FileLock', options);
  }

  /**
   * {@link hold}, blocking.
   *
   * @example
   * ```ts
   * using _held = lock.holdSync();
   * ```
   */
  holdSync(options?: AcquireOptions): LockGuard {
    return holdSync(this, 'FileLock', options);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Releases the lock if this object holds it, and makes the object unusable (idempotent).
   *
   * @example
   * ```ts
   * lock.close();
   * ```
   */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#held) this.release();
    this.#state = 'closed';
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  static toHandle(lock: FileLock): { path: string; options: FileLockOptions } {
    lock.#assertOpen();
    return { path: lock.path, options: { ...lock.#settings } };
  }
}

registerShareable<FileLock>({
  name: 'multiproc.FileLock',
  Class: FileLock,
  module: import.meta.url,
  toHandle: (lock) => FileLock.toHandle(lock),
  fromHandle: (data) => {
    const { path, options } = data as { path: string; options: FileLockOptions };
    return new FileLock(path, options);
  },
});
