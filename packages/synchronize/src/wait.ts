/**
 * Waiting, written once for both forms. Every blocking algorithm of this package is a generator
 * that yields what it waits for — a futex word, or (for a Barrier action) a promise — and is told
 * how the wait ended. {@link runSync} serves it with `futexWaitSync` (blocks the calling thread);
 * {@link runAsync} with `futexWait` (a promise; the event loop keeps running). So `acquire` and
 * `acquireSync` cannot drift apart, and a generator's `finally` (un-registering a waiter) runs
 * however the wait ends.
 *
 * Every native wait carries a timeout no longer than what is left of the caller's, so no native
 * wait outlives the call that asked for it.
 */
import {
  checkTimeout,
  optionsDeadline,
  futexWait,
  futexWaitSync,
  isWaitLimitError,
  keepWarm,
  spinMicros,
  type FutexWaitOptions,
  type FutexWaitResult,
} from '@multiproc/native';
import { toError } from '@multiproc/serialize';

/** One futex wait: sleep while `view[index] === expected`, at most `timeout` ms. */
export interface FutexStep {
  readonly view: Int32Array;
  readonly index: number;
  readonly expected: number;
  /** ms; `undefined` waits until woken. */
  readonly timeout: number | undefined;
  /**
   * Sync form: watch the word for a moment before sleeping (see `spinWhileEqual`). For waits
   * another thread usually ends soon (Event, Condition, Barrier), not for lock and semaphore
   * acquisition: there a spinning waiter takes the lock from a woken sleeper again and again,
   * and the longest wait under contention doubled when we tried (10 → 20-24 ms, 4 processes
   * on 2 vCPUs).
   */
  readonly spin?: boolean;
  /**
   * Async form: the wait is for something one wake-up gives one waiter (a lock, a semaphore
   * count), and the waiter that gets it changes the word (`futexWait`'s `exclusive`): of this
   * thread's waiters on the word, a wake-up settles only the first in line.
   */
  readonly exclusive?: boolean;
  /** With `exclusive`: `timeout` is a periodic re-check, not the caller's deadline. */
  readonly recheck?: boolean;
}

/** What a waiting algorithm yields: a futex wait, or a promise to await (async form only). */
export type Step = FutexStep | PromiseLike<unknown>;

/** A waiting algorithm: yields steps, is resumed with the futex result (`undefined` after a promise). */
export type Waiting<T> = Generator<Step, T, FutexWaitResult | undefined>;

function isFutexStep(step: Step): step is FutexStep {
  return (step as FutexStep).view !== undefined;
}

/**
 * Before a blocking wait: watches the word for up to `spinMicros` (and never past the step's
 * timeout). A change seen here spares the futex round trip and, above all, this thread's
 * wake-up from sleep (10-30 µs on a VM, most of a short wait). True when the word changed.
 */
function spinWhileEqual(wait: FutexStep): boolean {
  const { view, index, expected } = wait;
  if (spinMicros === 0) return false;
  const until = performance.now() + Math.min(spinMicros / 1000, wait.timeout ?? Infinity);
  do {
    if (Atomics.load(view, index) !== expected) return true;
  } while (performance.now() < until);
  return false;
}

/** Runs a waiting algorithm on the calling thread, blocking it. Promises are not awaited. */
export function runSync<T>(waiting: Waiting<T>): T {
  let step = waiting.next();
  while (step.done !== true) {
    const wait = step.value;
    if (!isFutexStep(wait)) {
      step = waiting.next(undefined);
      continue;
    }
    let result: FutexWaitResult;
    try {
      result =
        wait.spin === true && spinWhileEqual(wait)
          ? 'not-equal'
          : futexWaitSync(wait.view, wait.index, wait.expected, wait.timeout);
    } catch (error) {
      step = waiting.throw(error);
      continue;
    }
    step = waiting.next(result);
  }
  return step.value;
}

/**
 * The first polling period of a wait the addon refused (too many distinct words pending in this
 * thread, or on kernels without `futex_waitv` too many waits); it doubles up to the next.
 */
const kFirstPollMs = 10;
const kLastPollMs = 100;

/**
 * A wait served by a timer instead of a native waiter: sleeps `ms` (or less, to the step's
 * timeout), then reports how the word stands. Every algorithm here treats a wake-up as a hint and
 * re-checks its word, so a poll is as good as a futex wake, only later.
 */
async function pollWait(step: FutexStep, ms: number): Promise<FutexWaitResult> {
  const sleep = step.timeout === undefined ? ms : Math.min(step.timeout, ms);
  await new Promise((resolve) => setTimeout(resolve, sleep));
  return Atomics.load(step.view, step.index) !== step.expected ? 'not-equal' : 'timed-out';
}

/**
 * Numbers the async waiting calls of this thread. Every native wait of one call passes the call's
 * number, so that of the waits one wake-up settles together, the oldest call re-checks its word
 * first (and takes a released lock first), however often it has re-waited since (each
 * timeout slice of a long wait is a new native wait).
 */
let lastCall = 0;

/** Runs a waiting algorithm without blocking the event loop. */
export async function runAsync<T>(waiting: Waiting<T>): Promise<T> {
  const order = ++lastCall;
  let plain: FutexWaitOptions | undefined;
  let exclusive: FutexWaitOptions | undefined;
  let recheck: FutexWaitOptions | undefined;
  let pollMs = kFirstPollMs;
  let step = waiting.next();
  while (step.done !== true) {
    const wait = step.value;
    let result: FutexWaitResult | undefined;
    try {
      if (!isFutexStep(wait)) {
        await wait;
      } else {
        // A wake-up of this thread is two hops (the addon's waiter thread, then the event
        // loop); keeping the CPUs awake for the usual short wait spares both an idle CPU's
        // wake-up cost (`keepWarm`).
        keepWarm();
        try {
          const options =
            wait.exclusive !== true
              ? (plain ??= { order })
              : wait.recheck === true
                ? (recheck ??= { order, exclusive: true, recheck: true })
                : (exclusive ??= { order, exclusive: true });
          result = await futexWait(wait.view, wait.index, wait.expected, wait.timeout, options);
          pollMs = kFirstPollMs;
        } catch (error) {
          if (!isWaitLimitError(error)) throw error;
          result = await pollWait(wait, pollMs);
          pollMs = Math.min(pollMs * 2, kLastPollMs);
        }
      }
    } catch (error) {
      step = waiting.throw(error);
      continue;
    }
    step = waiting.next(result);
  }
  return step.value;
}

/** Milliseconds on the monotonic clock (the one the native futex deadlines use too). */
export const now = (): number => performance.now();

/**
 * An absolute deadline from a timeout: `undefined` (wait forever) or `now() + timeout`.
 * `Infinity` means forever too.
 */
export function deadlineOf(timeout: number | undefined): number | undefined {
  return timeout === undefined || timeout === Infinity ? undefined : now() + timeout;
}

export function remaining(deadline: number | undefined): number | undefined {
  return deadline === undefined ? undefined : Math.max(0, deadline - now());
}

export function sliceUntil(deadline: number | undefined, slice: number): number {
  return deadline === undefined ? slice : Math.min(slice, Math.max(0, deadline - now()));
}

export function expired(deadline: number | undefined): boolean {
  return deadline !== undefined && now() >= deadline;
}

/**
 * Options of every `acquire`.
 *
 * @example
 * ```ts
 * await lock.acquire({ timeout: 100 }); // false if not acquired within 100 ms
 * lock.acquireSync({ block: false });    // one attempt
 * ```
 */
export interface AcquireOptions {
  /**
   * Wait for the lock; `false` makes one attempt and ignores `timeout`, as in Python.
   * @default true
   */
  block?: boolean;
  /**
   * The longest wait in milliseconds; `undefined`, `null` (or `Infinity`) waits forever, `0` or
   * less does not wait. On timeout the call returns `false`; it never throws for that.
   * @default undefined
   */
  timeout?: number | null | undefined;
}

/** The one timeout rule (`@multiproc/native`): `Infinity` for forever, `0` for do not wait. */
export { checkTimeout };

/**
 * The deadline an `acquire` call asks for: `null` for one attempt (`block: false` or
 * `timeout: 0`), `undefined` for none, else an absolute time. Throws a `TypeError` on bad options.
 */
export const acquireDeadline = optionsDeadline as (
  options: AcquireOptions | undefined,
) => number | undefined | null;

/** A rejected promise for what a promise-returning method caught before starting (bad input). */
export function rejected(error: unknown): Promise<never> {
  return Promise.reject(toError(error));
}

/**
 * Runs the synchronous start of a promise-returning method, so that what it throws (bad input,
 * a closed object) reaches the caller as a rejection.
 */
export function rejecting<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return rejected(error);
  }
}

/** The deadline of a `wait(timeout)`: checked, then absolute. */
export function waitDeadline(timeout: unknown): number | undefined {
  return deadlineOf(checkTimeout(timeout));
}

/**
 * Marks `value` as used after a wait, so that a suspended waiting generator keeps it (and the heap
 * block it holds) reachable until the wait is over.
 */
export function keepAlive(value: unknown): void {
  if (value === keepAlive) throw new Error('unreachable');
}
