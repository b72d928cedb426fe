/**
 * `Event`: a flag in shared memory that processes wait on.
 *
 * Layout (a 16-byte heap block, Int32 words):
 *
 * ```
 *  word  0                          1         2 … 3
 *      ┌──────────────────────────┬─────────┬────────┐
 *      │ flag: bit 0 = set,       │ waiters │ unused │
 *      │ bits 1-31 = sets so far  │         │        │
 *      └──────────────────────────┴─────────┴────────┘
 * ```
 *
 * `set()` turns bit 0 on and counts the set in the upper bits (one `compareExchange`), then
 * wakes every sleeper if `waiters` is non-zero; `clear()` turns bit 0 off. A waiter sleeps on the
 * word while it holds the value it read with bit 0 off; any change means a `set()` happened, so
 * a waiter woken by a `set()` that was undone by a `clear()` before it ran still returns `true`
 * (as `threading.Event` does). `isSet()` and a `wait()` on a set event are one `Atomics.load`.
 */
import { futexWake } from '@multiproc/native';
import { SharedObject, shareObject, type Received } from '@multiproc/shared-memory/internal';
import {
  expired,
  keepAlive,
  remaining,
  runAsync,
  runSync,
  rejecting,
  waitDeadline,
  type Waiting,
} from './wait.js';

const kBytes = 16;
const kFlag = 0;
const kWaiters = 1;
const kResolvedTrue = Promise.resolve(true);

/** The slow path; `owner` is kept alive across the waits (see semaphore.ts). */
function* waitSlow(w: Int32Array, deadline: number | undefined, owner: object): Waiting<boolean> {
  Atomics.add(w, kWaiters, 1);
  try {
    const seen = Atomics.load(w, kFlag);
    if ((seen & 1) !== 0) return true;
    for (;;) {
      if (Atomics.load(w, kFlag) !== seen) return true;
      if (expired(deadline)) return false;
      yield { view: w, index: kFlag, expected: seen, timeout: remaining(deadline), spin: true };
    }
  } finally {
    Atomics.sub(w, kWaiters, 1);
    keepAlive(owner);
  }
}

/**
 * A flag in shared memory, as Python's `multiprocessing.Event`: `set()` it in one process and
 * every process waiting on it wakes up; `clear()` puts it back.
 *
 * @example
 * ```ts
 * import { Event } from '@multiproc/synchronize';
 *
 * const ready = new Event();
 * // in a child: await ready.wait(); …
 * ready.set();
 * ```
 */
export class Event extends SharedObject {
  readonly #words: Int32Array;

  constructor();
  constructor(source?: Received) {
    super('Event', source ?? kBytes);
    this.#words = this.int32(4);
  }

  /**
   * Whether the flag is set.
   *
   * @example
   * ```ts
   * if (!done.isSet()) await done.wait();
   * ```
   */
  isSet(): boolean {
    this.assertOpen();
    return (Atomics.load(this.#words, kFlag) & 1) !== 0;
  }

  /**
   * Sets the flag and wakes every waiter, in every process.
   *
   * @example
   * ```ts
   * ready.set();
   * ```
   */
  set(): void {
    this.assertOpen();
    const w = this.#words;
    for (;;) {
      const v = Atomics.load(w, kFlag);
      if ((v & 1) !== 0) return;
      if (Atomics.compareExchange(w, kFlag, v, (v + 2) | 1) === v) break;
    }
    if (Atomics.load(w, kWaiters) !== 0) futexWake(w, kFlag, Infinity);
  }

  /**
   * Clears the flag: later `wait()` calls wait again.
   *
   * @example
   * ```ts
   * ready.clear();
   * ```
   */
  clear(): void {
    this.assertOpen();
    const w = this.#words;
    for (;;) {
      const v = Atomics.load(w, kFlag);
      if ((v & 1) === 0 || Atomics.compareExchange(w, kFlag, v, v & ~1) === v) return;
    }
  }

  /**
   * Waits, without blocking the event loop, until the flag is set or `timeout` ms pass.
   * Resolves `true` if it was set (also when a `set()` woke this wait and a `clear()` followed
   * at once), `false` on timeout. Rejects only on a bad timeout.
   *
   * @example
   * ```ts
   * if (!(await ready.wait(1000))) console.log('not ready after a second');
   * ```
   */
  wait(timeout?: number): Promise<boolean> {
    return rejecting(() => {
      this.assertOpen();
      const deadline = waitDeadline(timeout);
      if ((Atomics.load(this.#words, kFlag) & 1) !== 0) return kResolvedTrue;
      return runAsync(waitSlow(this.#words, deadline, this));
    });
  }

  /**
   * {@link wait}, blocking the calling thread.
   *
   * @example
   * ```ts
   * ready.waitSync(); // in a CPU-bound child
   * ```
   */
  waitSync(timeout?: number): boolean {
    this.assertOpen();
    const deadline = waitDeadline(timeout);
    if ((Atomics.load(this.#words, kFlag) & 1) !== 0) return true;
    return runSync(waitSlow(this.#words, deadline, this));
  }
}

shareObject('multiproc.Event', Event, import.meta.url);
