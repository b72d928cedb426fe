/**
 * Futexes (`csrc/futex.cc`, `csrc/waiter.cc`): cross-process wait and wake on a word of shared memory.
 */
import { addon } from './addon.js';
import type { FutexWaitResult } from './binding.js';
import { checkInteger, checkTimeout, checkWord } from './checks.js';

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
 * The asynchronous {@link futexWaitSync}: resolves to the same results without blocking the event
 * loop. The wait runs on one of the addon's own waiter threads (reused, at most 1024 pending per
 * thread of JavaScript), never on libuv's threadpool. A pending wait keeps Node alive, like any
 * pending I/O; with no pending wait the addon holds nothing that does.
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
): Promise<FutexWaitResult> {
  checkWord(view, index);
  return addon().futexWait(view, index, expected | 0, checkTimeout(timeout));
}

/**
 * Wakes up to `count` waiters (any process or thread) blocked on `view[index]`; returns how many
 * were woken. `count` may be `Infinity`. (On macOS the count is not reported: 1 if any.)
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
