/**
 * The one timeout rule of multiproc, and the one timer that honours it.
 *
 * Every `timeout` a user passes means the same thing (docs/timeouts.md):
 *
 * - `undefined` and `null` (and `Infinity`): wait forever;
 * - `0` or a negative number: do not wait (answer at once);
 * - any other number: wait up to that many milliseconds;
 * - `NaN` or a non-number: a `TypeError` naming the option.
 *
 * Node caps a timer's delay at 2³¹−1 ms: a longer one fires after 1 ms, with only a
 * `TimeoutOverflowWarning`. `setLongTimeout` chains timers instead, so any valid timeout waits as
 * long as it says.
 */
import { invalidArgument } from './errors.js';

/** Node's longest timer delay (2³¹−1 ms, about 24.8 days). */
export const MAX_TIMER_DELAY = 0x7fffffff;

/**
 * Checks a timeout against the rule above and returns milliseconds: `Infinity` for forever, `0`
 * for do not wait, else the positive number given.
 *
 * @example
 * ```ts
 * checkTimeout(undefined, 'options.timeout'); // Infinity
 * checkTimeout(-5, 'options.timeout'); // 0
 * checkTimeout('soon', 'options.timeout'); // TypeError: options.timeout must be a number of milliseconds, or null to wait forever, got "soon" (string)
 * ```
 */
export function checkTimeout(timeout: unknown, path = 'timeout'): number {
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw invalidArgument(path, 'a number of milliseconds, or null to wait forever', timeout);
  }
  return timeout > 0 ? timeout : 0;
}

/**
 * What `{ block, timeout }` options ask of a wait (a lock's `acquire`, a queue's `get`): `null`
 * for a single attempt (`block: false`, or a timeout of 0 or less), `undefined` to wait forever,
 * else the absolute `performance.now()` time at which to give up. Throws a `TypeError` naming the
 * bad option. Internal to multiproc's packages.
 *
 * @example
 * ```ts
 * optionsDeadline({ timeout: 50 }); // performance.now() + 50
 * ```
 */
export function optionsDeadline(options: unknown): number | null | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'an object like { block, timeout }', options);
  }
  const { block, timeout } = options as { block?: unknown; timeout?: unknown };
  if (block !== undefined && typeof block !== 'boolean') {
    throw invalidArgument('options.block', 'a boolean', block);
  }
  const ms = checkTimeout(timeout, 'options.timeout');
  if (block === false || ms === 0) return null;
  return ms === Infinity ? undefined : performance.now() + ms;
}

/**
 * A timer of any length: what `setTimeout` returns, for delays Node cannot hold in one timer.
 *
 * @example
 * ```ts
 * const timer = setLongTimeout(() => console.log('a month later'), 30 * 24 * 3600_000);
 * timer.unref();
 * timer.clear();
 * ```
 */
export interface LongTimer {
  /** Cancels the timer. Idempotent. */
  clear(): void;
  /** The timer no longer keeps the event loop alive. */
  unref(): LongTimer;
  /** The timer keeps the event loop alive again (the default). */
  ref(): LongTimer;
}

/**
 * Calls `fn` once `ms` milliseconds have passed, for any `ms` ≥ 0 (`Infinity`: never, yet the
 * timer still holds the event loop until cleared or unref'ed, as a pending wait should). Delays
 * past Node's 2³¹−1 ms limit are chained from shorter timers.
 *
 * @example
 * ```ts
 * const timer = setLongTimeout(() => controller.abort(), checkTimeout(options.timeout));
 * ```
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const deadline = performance.now() + ms;
  let timer: NodeJS.Timeout;
  let refed = true;
  const arm = (delay: number, last: boolean): void => {
    timer = setTimeout(last ? fn : step, delay);
    if (!refed) timer.unref();
  };
  // Within Node's limit this is one plain timer; beyond it, links of the longest delay Node
  // holds, then the rest, measured against the deadline so the links' drift does not add up.
  const step = (): void => {
    const left = deadline - performance.now();
    if (left > MAX_TIMER_DELAY) arm(MAX_TIMER_DELAY, false);
    else arm(Math.max(left, 0), true);
  };
  if (ms > MAX_TIMER_DELAY) arm(MAX_TIMER_DELAY, false);
  else arm(Math.max(ms, 0), true);
  const handle: LongTimer = {
    clear() {
      clearTimeout(timer);
    },
    unref() {
      refed = false;
      timer.unref();
      return handle;
    },
    ref() {
      refed = true;
      timer.ref();
      return handle;
    },
  };
  return handle;
}
