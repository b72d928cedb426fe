/**
 * `Condition`: a condition variable over a `Lock` or `RLock`, in shared memory.
 *
 * Layout (a heap block: a 16-byte header, then one 16-byte slot per possible waiter):
 *
 * ```
 *  word  0          1          2 … 3
 *      ┌──────────┬──────────┬────────┐
 *      │ ticket   │ slots    │ unused │   ticket: the next waiter's arrival number
 *      └──────────┴──────────┴────────┘
 *  slot i (words 4 + 4i …):
 *      ┌──────────┬──────────┬──────────┬────────┐
 *      │ state    │ ticket   │ owner    │ unused │   state: 0 free, 1 waiting, 2 notified
 *      └──────────┴──────────┴──────────┴────────┘
 * ```
 *
 * Every slot change happens while holding the condition's lock: `wait()` takes a free slot
 * (state 1, the next ticket, its owner token), releases the lock fully (every level of an
 * RLock), and sleeps on its own slot's state word; `notify(n)` marks the `n` waiting slots with
 * the lowest tickets notified and wakes each one — first come, first notified, as in Python, and
 * never more than `n`. A waiter reacquires the lock, reads its slot (notified or not: timed out)
 * and frees it. A notified slot whose futex wake found nobody asleep is checked: if its owner
 * died, the slot is freed and the notification goes to the next waiter instead of being lost.
 */
import { futexWake } from '@multiproc/native';
import { MultiprocError, invalidArgument } from '@multiproc/serialize';
import { Received, isOwnerAlive, selfToken, shareObject } from '@multiproc/shared-memory/internal';
import { AcquirableObject } from './guard.js';
import { RLock, mutexCoreOf, type Lock } from './lock.js';
import type { MutexCore } from './mutex.js';
import { currentChain } from './chain.js';
import {
  expired,
  remaining,
  runAsync,
  runSync,
  rejecting,
  waitDeadline,
  type AcquireOptions,
  type Waiting,
} from './wait.js';

const kHeaderWords = 4;
const kSlotWords = 4;
const kTicket = 0;
const kSlots = 1;
const kFree = 0;
const kWaiting = 1;
const kNotified = 2;
// Slot fields, relative to the slot's first word.
const kSlotState = 0;
const kSlotTicket = 1;
const kSlotOwner = 2;

/**
 * Options of `new Condition(lock, options)`.
 *
 * @example
 * ```ts
 * new Condition(undefined, { maxWaiters: 1024 });
 * ```
 */
export interface ConditionOptions {
  /**
   * How many threads may wait at once, across all processes (each needs a 16-byte slot).
   * @default 128
   */
  maxWaiters?: number;
}

/**
 * A predicate for `waitFor`: returns a value whose truthiness is the condition.
 *
 * @example
 * ```ts
 * const ready: Predicate<boolean> = () => items.value > 0;
 * ```
 */
export type Predicate<T> = () => T;

function checkPredicate<T>(predicate: Predicate<T>): Predicate<T> {
  if (typeof predicate !== 'function') throw invalidArgument('predicate', 'a function', predicate);
  return predicate;
}

/**
 * A condition variable in shared memory, as Python's `multiprocessing.Condition`: wait (with the
 * lock held) until another process notifies. The lock is an `RLock` unless one is given.
 *
 * @example
 * ```ts
 * import { Condition } from '@multiproc/synchronize';
 *
 * const cond = new Condition();
 * // consumer
 * await cond.withLock(() => cond.waitFor(() => items.value > 0));
 * // producer
 * await cond.withLock(() => { items.value += 1; cond.notify(); });
 * ```
 */
export class Condition extends AcquirableObject {
  readonly #words: Int32Array;
  readonly #lock: Lock | RLock;
  readonly #ownsLock: boolean;
  readonly #slots: number;

  /**
   * @param lock - a `Lock` or `RLock` to use; a new `RLock` if omitted.
   */
  constructor(lock?: Lock | RLock, options?: ConditionOptions);
  constructor(lock?: Lock | RLock | Received<ConditionHandle>, options: ConditionOptions = {}) {
    // A received condition owns the lock that arrived with it (a copy of its own).
    const source = Received.is(lock) ? lock : undefined;
    const given = source === undefined ? (lock as Lock | RLock | undefined) : source.data.lock;
    if (given !== undefined && given !== null && mutexCoreOf(given) === undefined) {
      throw invalidArgument('lock', 'a Lock or an RLock', given);
    }
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument('options', 'an object like { maxWaiters }', options);
    }
    const { maxWaiters = 128 } = options;
    if (typeof maxWaiters !== 'number' || !Number.isInteger(maxWaiters) || maxWaiters < 1) {
      throw invalidArgument('options.maxWaiters', 'a positive integer', maxWaiters);
    }
    super('Condition', source ?? (kHeaderWords + kSlotWords * maxWaiters) * 4);
    const slots = this.fresh ? maxWaiters : Atomics.load(this.int32(kHeaderWords), kSlots);
    this.#words = this.int32(kHeaderWords + kSlotWords * slots);
    if (this.fresh) Atomics.store(this.#words, kSlots, slots);
    this.#slots = slots;
    this.#ownsLock = given === undefined || given === null || source !== undefined;
    this.#lock = given ?? new RLock();
  }

  #core(): MutexCore {
    this.assertOpen();
    return mutexCoreOf(this.#lock)!;
  }

  /** @internal `withLock` over an RLock opens an async chain. */
  protected override chainCore(): MutexCore {
    return this.#core();
  }

  #assertOwned(method: string, chain: number): MutexCore {
    const core = this.#core();
    if (!core.owned(chain)) {
      throw new MultiprocError(
        `Condition.${method}() needs the condition's lock held by the calling thread`,
        'ERR_MP_NOT_OWNER',
      );
    }
    return core;
  }

  /** The lock this condition uses. */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  /**
   * Acquires the underlying lock (see `Lock.acquire`).
   *
   * @example
   * ```ts
   * await cond.acquire();
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return rejecting(() => {
      this.assertOpen();
      return this.#lock.acquire(options);
    });
  }

  /**
   * Acquires the underlying lock, blocking.
   *
   * @example
   * ```ts
   * cond.acquireSync();
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    this.assertOpen();
    return this.#lock.acquireSync(options);
  }

  /**
   * Releases the underlying lock.
   *
   * @example
   * ```ts
   * cond.release();
   * ```
   */
  release(): void {
    this.assertOpen();
    this.#lock.release();
  }

  #claimSlot(): number {
    const w = this.#words;
    for (let i = 0; i < this.#slots; i++) {
      const base = kHeaderWords + i * kSlotWords;
      if (w[base + kSlotState] === kFree) {
        w[base + kSlotTicket] = Atomics.add(w, kTicket, 1);
        w[base + kSlotOwner] = selfToken;
        Atomics.store(w, base + kSlotState, kWaiting);
        return base;
      }
    }
    throw new RangeError(
      `Condition has ${this.#slots} waiters already, its maxWaiters; create it with a larger ` +
        `options.maxWaiters`,
    );
  }

  *#wait(core: MutexCore, deadline: number | undefined, chain: number): Waiting<boolean> {
    const w = this.#words;
    const slot = this.#claimSlot();
    const levels = core.releaseAll(chain);
    try {
      while (Atomics.load(w, slot + kSlotState) === kWaiting && !expired(deadline)) {
        yield {
          view: w,
          index: slot + kSlotState,
          expected: kWaiting,
          timeout: remaining(deadline),
          spin: true,
        };
      }
    } finally {
      yield* core.reacquire(levels, chain);
    }
    const notified = Atomics.load(w, slot + kSlotState) === kNotified;
    Atomics.store(w, slot + kSlotState, kFree);
    return notified;
  }

  /**
   * Releases the lock, waits until notified or `timeout` ms pass, then reacquires the lock
   * (however long that takes) and resolves: `true` if notified, `false` on timeout. The lock
   * must be held by the calling thread; all levels of an RLock are released and restored.
   *
   * @example
   * ```ts
   * await cond.acquire();
   * try {
   *   while (!ready()) await cond.wait();
   * } finally { cond.release(); }
   * ```
   */
  wait(timeout?: number): Promise<boolean> {
    const chain = currentChain();
    return rejecting(() => {
      const core = this.#assertOwned('wait', chain);
      return runAsync(this.#wait(core, waitDeadline(timeout), chain));
    });
  }

  /**
   * {@link wait}, blocking the calling thread.
   *
   * @example
   * ```ts
   * cond.acquireSync();
   * while (!ready()) cond.waitSync();
   * cond.release();
   * ```
   */
  waitSync(timeout?: number): boolean {
    const chain = currentChain();
    const core = this.#assertOwned('waitSync', chain);
    return runSync(this.#wait(core, waitDeadline(timeout), chain));
  }

  /**
   * Waits until `predicate()` is truthy (checked first, then after each notification), or
   * `timeout` ms pass in all. Resolves the predicate's last value, as Python's `wait_for`.
   * The lock must be held.
   *
   * @example
   * ```ts
   * await cond.withLock(() => cond.waitFor(() => queue.length > 0, 1000));
   * ```
   */
  waitFor<T>(predicate: Predicate<T>, timeout?: number): Promise<T> {
    const chain = currentChain();
    return rejecting(() =>
      runAsync(this.#waitFor(checkPredicate(predicate), waitDeadline(timeout), chain)),
    );
  }

  /**
   * {@link waitFor}, blocking.
   *
   * @example
   * ```ts
   * cond.withLockSync(() => cond.waitForSync(() => done.value === 1));
   * ```
   */
  waitForSync<T>(predicate: Predicate<T>, timeout?: number): T {
    const chain = currentChain();
    return runSync(this.#waitFor(checkPredicate(predicate), waitDeadline(timeout), chain));
  }

  /** Waits until `predicate()` is truthy or `deadline` passes; returns its last value. */
  *#waitFor<T>(predicate: Predicate<T>, deadline: number | undefined, chain: number): Waiting<T> {
    let result = predicate();
    while (!result && !expired(deadline)) {
      yield* this.#wait(this.#assertOwned('wait', chain), deadline, chain);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiters, longest-waiting first (none if nobody waits). The lock must be
   * held; the woken waiters proceed once it is released.
   *
   * @example
   * ```ts
   * cond.withLockSync(() => cond.notify(2));
   * ```
   */
  notify(n = 1): void {
    this.#assertOwned('notify', currentChain());
    if (typeof n !== 'number' || Number.isNaN(n) || n < 0) {
      throw invalidArgument('n', 'a number ≥ 0', n);
    }
    const w = this.#words;
    let left = n;
    while (left > 0) {
      // The waiting slot with the lowest ticket (tickets wrap: compare by difference).
      let best = -1;
      let bestTicket = 0;
      for (let i = 0; i < this.#slots; i++) {
        const base = kHeaderWords + i * kSlotWords;
        if (w[base + kSlotState] !== kWaiting) continue;
        const ticket = w[base + kSlotTicket]!;
        if (best < 0 || ((ticket - bestTicket) | 0) < 0) {
          best = base;
          bestTicket = ticket;
        }
      }
      if (best < 0) return;
      Atomics.store(w, best + kSlotState, kNotified);
      if (futexWake(w, best + kSlotState, 1) === 0 && !isOwnerAlive(w[best + kSlotOwner]!)) {
        Atomics.store(w, best + kSlotState, kFree); // its waiter died: notify the next one
        continue;
      }
      left -= 1;
    }
  }

  /**
   * Wakes every waiter.
   *
   * @example
   * ```ts
   * cond.withLockSync(() => cond.notifyAll());
   * ```
   */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** @internal A condition that made its lock (or received it) closes it too. */
  protected override onClose(): void {
    if (this.#ownsLock) this.#lock.close();
  }
}

/** What travels for a Condition besides its block. */
interface ConditionHandle {
  lock: Lock | RLock;
}

shareObject('multiproc.Condition', Condition, import.meta.url, (cond) => ({ lock: cond.lock }));
