/**
 * `Semaphore` and `BoundedSemaphore`: a counter in shared memory; acquire takes one (waiting
 * while it is 0), release gives one back.
 *
 * Layout (a 16-byte heap block, Int32 words):
 *
 * ```
 *  word  0        1         2        3
 *      ┌────────┬─────────┬────────┬────────┐
 *      │ value  │ waiters │ bound  │ unused │   bound: the initial value of a BoundedSemaphore,
 *      └────────┴─────────┴────────┴────────┘          -1 for a Semaphore
 * ```
 *
 * Acquire: `compareExchange(value, v → v-1)` while `v > 0` — pure `Atomics`. A waiter registers
 * (`waiters`+1), then re-reads `value` and sleeps on it while it is 0. Release adds one, then
 * wakes one sleeper if `waiters` is non-zero. Both sides write, then read the other's word, with
 * sequentially consistent `Atomics`, so either the waiter sees the new value or the releaser sees
 * the waiter. A woken waiter that finds the count taken by a barger sleeps again; the barger's
 * release wakes a sleeper in turn.
 *
 * A semaphore has no owner: any process may release, and nothing records who holds a count. So a
 * process that dies holding one takes that count with it. This package cannot tell such a count
 * from one that is legitimately held; `getValue()` shows what is left, and a supervisor that knows
 * a worker died holding a count (its exit code, say) may `release()` on its behalf.
 */
import { futexWake } from '@multiproc/native';
import { MultiprocError, invalidArgument } from '@multiproc/serialize';
import { Received, shareObject } from '@multiproc/shared-memory/internal';
import { AcquirableObject } from './guard.js';
import {
  acquireDeadline,
  expired,
  keepAlive,
  remaining,
  runAsync,
  runSync,
  rejecting,
  type AcquireOptions,
  type Waiting,
} from './wait.js';

const kBytes = 16;
const kValue = 0;
const kWaiters = 1;
const kBound = 2;
/** The largest count: values are Int32. */
const kMaxValue = 0x7fffffff;
const kResolvedTrue = Promise.resolve(true);

function checkValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidArgument('value', 'an integer ≥ 0', value);
  }
  if (value < 0 || value > kMaxValue) {
    throw new RangeError(`value must be between 0 and ${kMaxValue}, got ${value}`);
  }
  return value;
}

function tryTake(w: Int32Array): boolean {
  for (;;) {
    const v = Atomics.load(w, kValue);
    if (v <= 0) return false;
    if (Atomics.compareExchange(w, kValue, v, v - 1) === v) return true;
  }
}

/**
 * The slow path. `owner` (the semaphore object) is referenced across every wait: a pending async
 * wait then keeps it, and so its heap block, from being collected and reused under the waiter.
 */
function* acquireSlow(
  w: Int32Array,
  deadline: number | undefined | null,
  owner: object,
): Waiting<boolean> {
  if (deadline === null) return tryTake(w);
  Atomics.add(w, kWaiters, 1);
  try {
    for (;;) {
      if (tryTake(w)) return true;
      if (expired(deadline)) return false;
      yield { view: w, index: kValue, expected: 0, timeout: remaining(deadline), exclusive: true };
    }
  } finally {
    Atomics.sub(w, kWaiters, 1);
    keepAlive(owner);
  }
}

/**
 * What `Semaphore` and `BoundedSemaphore` share (the type to accept either). Not constructed
 * directly.
 *
 * @example
 * ```ts
 * async function limited(slots: SemaphoreBase, job: () => Promise<void>) { await slots.withLock(job); }
 * ```
 */
export abstract class SemaphoreBase extends AcquirableObject {
  readonly #words: Int32Array;

  /** @internal */
  constructor(value: unknown, bounded: boolean) {
    const what = bounded ? 'BoundedSemaphore' : 'Semaphore';
    const source = Received.is(value) ? value : undefined;
    const initial = value === undefined || source !== undefined ? 1 : checkValue(value);
    super(what, source ?? kBytes);
    this.#words = this.int32(4);
    if (this.fresh) {
      this.#words[kBound] = bounded ? initial : -1;
      Atomics.store(this.#words, kValue, initial);
    }
  }

  /**
   * Takes one count, waiting without blocking the event loop while there is none. Resolves
   * `true` once taken, `false` when `block: false` found none or `timeout` ms passed.
   *
   * @example
   * ```ts
   * if (await sem.acquire({ timeout: 100 })) {
   *   try { await useTheResource(); } finally { sem.release(); }
   * }
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return rejecting(() => {
      this.assertOpen();
      const deadline = acquireDeadline(options);
      if (tryTake(this.#words)) return kResolvedTrue;
      return runAsync(acquireSlow(this.#words, deadline, this));
    });
  }

  /**
   * Takes one count, blocking the calling thread while there is none.
   *
   * @example
   * ```ts
   * sem.acquireSync();
   * try { work(); } finally { sem.release(); }
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    this.assertOpen();
    const deadline = acquireDeadline(options);
    if (tryTake(this.#words)) return true;
    return runSync(acquireSlow(this.#words, deadline, this));
  }

  /**
   * Gives one count back and wakes one waiter. Any process or thread may release. A
   * `BoundedSemaphore` throws if that would exceed its initial value.
   *
   * @example
   * ```ts
   * sem.release();
   * ```
   */
  release(): void {
    this.assertOpen();
    const w = this.#words;
    const bound = w[kBound]!;
    for (;;) {
      const v = Atomics.load(w, kValue);
      if (bound >= 0 ? v >= bound : v >= kMaxValue) {
        throw new MultiprocError(
          bound >= 0
            ? `${this.what} released too many times (its value ${v} is its initial value)`
            : `${this.what} value would exceed ${kMaxValue}`,
          'ERR_MP_RELEASED_TOO_MANY_TIMES',
        );
      }
      if (Atomics.compareExchange(w, kValue, v, v + 1) === v) break;
    }
    if (Atomics.load(w, kWaiters) !== 0) futexWake(w, kValue, 1);
  }

  /**
   * The current count (a snapshot).
   *
   * @example
   * ```ts
   * new Semaphore(3).getValue(); // 3
   * ```
   */
  getValue(): number {
    this.assertOpen();
    return Atomics.load(this.#words, kValue);
  }
}

/**
 * A counting semaphore in shared memory, as Python's `multiprocessing.Semaphore`: `acquire`
 * takes one count, waiting while there is none; `release` gives one back (from any process).
 *
 * @example
 * ```ts
 * import { Semaphore } from '@multiproc/synchronize';
 *
 * const slots = new Semaphore(2); // at most two at a time
 * await slots.withLock(() => fetchSomething());
 * ```
 */
export class Semaphore extends SemaphoreBase {
  /** @param value - the initial count, an integer ≥ 0. @default 1 */
  constructor(value?: number);
  constructor(value?: number | Received) {
    super(value, false);
  }
}

/**
 * A semaphore that refuses to be released above its initial value: `release()` then throws
 * (`ERR_MP_RELEASED_TOO_MANY_TIMES`), as Python's `BoundedSemaphore` raises `ValueError`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from '@multiproc/synchronize';
 *
 * const sem = new BoundedSemaphore(1);
 * sem.release(); // throws: released too many times
 * ```
 */
export class BoundedSemaphore extends SemaphoreBase {
  /** @param value - the initial (and largest) count, an integer ≥ 0. @default 1 */
  constructor(value?: number);
  constructor(value?: number | Received) {
    super(value, true);
  }
}

shareObject('multiproc.Semaphore', Semaphore, import.meta.url);
shareObject('multiproc.BoundedSemaphore', BoundedSemaphore, import.meta.url);
