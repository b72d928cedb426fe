/**
 * Sleeping on the queue's futex words, blocking or not, in slices; and the steps an operation
 * asks its driver for (locks.ts).
 */
import {
  futexWait,
  futexWaitSync,
  isWaitLimitError,
  keepWarm,
  spinMicros,
} from '@multiproc/native';
import type { Deadline } from './options.js';

/**
 * The longest single sleep of a waiting put or get (ms), after which it looks again: the delay
 * before a waiter notices work a killed process was meant to wake it for. An idle consumer
 * thus wakes once a second.
 */
export const kRecheckMs = 1000;
/**
 * The longest single sleep of a producer waiting for room: consumers wake producers only when a
 * quarter of the queue is free, so one that stopped just below that is noticed within this.
 */
export const kFullRecheckMs = 20;
/** How long an async wait the addon refused (too many pending in this thread) polls instead. */
const kPollMs = 10;
/** Looks at a held lock before taking its slow path (each a load; ~1 µs in all). */
export const kLockSpins = 200;

/**
 * What an operation asks its driver for: a lock (producers' tail lock, consumers' head lock, or
 * both, tail first), or a sleep on a futex word.
 */
export const kTailLock = 'tail';
export const kHeadLock = 'head';
export const kBothLocks = 'both';
export type LockStep = typeof kTailLock | typeof kHeadLock | typeof kBothLocks;
export type Step = LockStep | { index: number; expected: number; ms: number };
export type Operation<T> = Generator<Step, T, void>;

/** Whether a wait must end now. */
export const expired = (deadline: Deadline): boolean =>
  deadline === null || (deadline !== undefined && performance.now() >= deadline);

/** The next sleep: at most `kRecheckMs`, never past the deadline. */
export const sliceOf = (deadline: Deadline): number =>
  deadline === undefined || deadline === null
    ? kRecheckMs
    : Math.min(kRecheckMs, Math.max(0, deadline - performance.now()));

/** Sync form: watch the word for up to `spinMicros` before sleeping (spares a wake-up). */
export function waitSync(words: Int32Array, index: number, expected: number, ms: number): void {
  if (spinMicros > 0) {
    const until = performance.now() + Math.min(spinMicros / 1000, ms);
    do {
      if (Atomics.load(words, index) !== expected) return;
    } while (performance.now() < until);
  }
  futexWaitSync(words, index, expected, ms);
}

/**
 * Watches `words[index]` for up to `spinMicros` while it holds `value`: true as soon as it
 * changed, false when the spin ran out (or spinning is off).
 */
export function spinUntilChanged(words: Int32Array, index: number, value: number): boolean {
  if (spinMicros === 0) return false;
  const until = performance.now() + spinMicros / 1000;
  do {
    if (Atomics.load(words, index) !== value) return true;
  } while (performance.now() < until);
  return false;
}

export async function waitAsync(
  words: Int32Array,
  index: number,
  expected: number,
  ms: number,
  first: boolean,
) {
  // Only a first sleep may be a short one worth keeping the CPUs awake for; later ones are an
  // idle queue's.
  if (first) keepWarm();
  try {
    await futexWait(words, index, expected, ms);
  } catch (error) {
    if (!isWaitLimitError(error)) throw error;
    await new Promise((resolve) => setTimeout(resolve, Math.min(ms, kPollMs)));
  }
}
