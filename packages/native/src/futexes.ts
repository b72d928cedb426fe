/**
 * Futexes (`csrc/futex.cc`, `csrc/waiter.cc`): cross-process wait and wake on a word of shared memory.
 */
import { addon } from './addon.js';
import type { FutexWaitResult } from './binding.js';
import { checkInteger, checkTimeout, checkWord, invalid } from './checks.js';

/**
 * Blocks the calling thread while `view[index] === expected`, until woken by {@link futexWake}
 * from any process or thread, or until `timeout` ms pass (`undefined`: no limit; `0`: only
 * compare). Returns `'ok'` (woken; spurious wake-ups are possible, so re-check the word),
 * `'not-equal'` (the word differed) or `'timed-out'` (after at least `timeout` ms). `view` must
 * be over shared memory mapped by this package for cross-process use. Never mix with
 * `Atomics.wait` on one word: V8 keeps those waiters per process.
 *
 * @example
 * ```ts
 * const word = new Int32Array(seg.buffer);
 * while (Atomics.load(word, 0) === 0) futexWaitSync(word, 0, 0, 1000);
 * ```
 */
export function futexWaitSync(
  view: Int32Array,
  index: number,
  expected: number,
  timeout?: number,
): FutexWaitResult {
  checkWord(view, index);
  return addon().futexWaitSync(view, index, expected | 0, checkTimeout(timeout));
}

/**
 * Options of {@link futexWait}.
 *
 * @example
 * ```ts
 * // A lock's waiter: first in line among this thread's waiters, one per wake-up.
 * await futexWait(word, 0, held, 100, { order: myTicket, exclusive: true });
 * ```
 */
export interface FutexWaitOptions {
  /**
   * Where this wait stands in line among the waits of this thread that settle together: lower
   * first (an integer ≥ 0; by default the order the waits were asked for). A caller that waits
   * again after each wake-up passes the same `order` each time to keep its place.
   */
  order?: number;
  /**
   * The wait is for something one wake-up gives to one waiter (a lock, a semaphore count), and a
   * waiter that gets it changes the word. Of the exclusive waits of this thread on one word, a
   * wake-up (or a change of the word) then settles only the first in line; the others keep
   * waiting, on the word's new value, as separate kernel waiters would, so N waits for one lock
   * cost N re-checks, not N². Ordinary waits on the word are all settled. (Linux 5.16 and later;
   * elsewhere every wait has its own kernel waiter anyway.)
   * @default false
   */
  exclusive?: boolean;
  /**
   * With `exclusive`: `timeout` is only a periodic re-check (of a lock owner's liveness, say),
   * not the caller's own deadline, so only the first in line needs it: the other exclusive waits
   * of this thread on the word do not time out until they are first.
   * @default false
   */
  recheck?: boolean;
}

function checkFlag(value: unknown, path: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw invalid(path, 'a boolean', value);
  return value === true;
}

/**
 * The asynchronous {@link futexWaitSync}: resolves to the same results without blocking the event
 * loop. The wait runs on the addon's own waiter threads, never on libuv's threadpool. On Linux
 * 5.16 and later each such thread sleeps on up to 127 distinct words at once (`futex_waitv`), and
 * waits on the same word and value share one entry, so any number of pending waits costs a few
 * threads (one per 127 distinct words, at most 8128 words per thread of JavaScript); elsewhere
 * each pending wait has a thread of its own (at most 1024 per thread of JavaScript). Past the
 * limit the call rejects with a `RangeError` whose `code` is `'ERR_MP_TOO_MANY_WAITS'` (see
 * {@link isWaitLimitError}). One wake-up of a word may settle several waits of one thread on it
 * (`'ok'`; see {@link FutexWaitOptions} for exclusive waits): as with any futex, re-check the
 * word. A pending wait keeps Node alive, like any pending I/O; with no pending wait the addon
 * holds nothing that does.
 *
 * @example
 * ```ts
 * const result = await futexWait(word, 0, 0, 500); // 'ok' | 'not-equal' | 'timed-out'
 * ```
 */
export async function futexWait(
  view: Int32Array,
  index: number,
  expected: number,
  timeout?: number,
  options?: FutexWaitOptions,
): Promise<FutexWaitResult> {
  checkWord(view, index);
  let order: number | undefined;
  let exclusive = false;
  let recheck = false;
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null) {
      throw invalid('options', 'an object like { order, exclusive, recheck }', options);
    }
    if (options.order !== undefined) order = checkInteger(options.order, 'options.order', 0);
    exclusive = checkFlag(options.exclusive, 'options.exclusive');
    recheck = checkFlag(options.recheck, 'options.recheck');
  }
  return addon().futexWait(
    view,
    index,
    expected | 0,
    checkTimeout(timeout),
    order,
    exclusive,
    recheck,
  );
}

const kWaitLimitCode = 'ERR_MP_TOO_MANY_WAITS';

/**
 * Whether `error` is {@link futexWait}'s refusal of one more pending wait in this thread: the
 * caller may then wait some other way (poll with a timer) and try again later.
 *
 * @example
 * ```ts
 * try {
 *   await futexWait(word, 0, 0, 100);
 * } catch (error) {
 *   if (!isWaitLimitError(error)) throw error;
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 * }
 * ```
 */
export function isWaitLimitError(error: unknown): boolean {
  return error instanceof RangeError && (error as { code?: unknown }).code === kWaitLimitCode;
}

/**
 * Wakes up to `count` waiters (any process or thread) blocked on `view[index]`; returns how many
 * were woken. `count` may be `Infinity`. (On macOS the count is not reported: 1 if any. Async
 * waits of one thread on one word count as one each only while its waiter thread has room for
 * repeats of the word, else together as one.)
 *
 * @example
 * ```ts
 * Atomics.store(word, 0, 1);
 * futexWake(word, 0, Infinity);
 * ```
 */
export function futexWake(view: Int32Array, index: number, count = 1): number {
  checkWord(view, index);
  if (count !== Infinity) checkInteger(count, 'count', 0, 0x7fffffff);
  return addon().futexWake(view, index, count);
}

/**
 * How many async waits of the calling thread are pending.
 *
 * @example
 * ```ts
 * pendingFutexWaits(); // → 0 when nothing keeps the event loop alive
 * ```
 */
export function pendingFutexWaits(): number {
  return addon().pendingWaits();
}
