/**
 * The test hook: counters in the queue's shared header, read by the tests to check that wake-ups
 * are batched and that the ring's growth stops at its bound.
 */
import { kCapacity, kConsumerSleeps, kConsumerWakes, kGetSleepers } from './layout.js';
import type { Ring } from './ring.js';

/** The test hook: `queue[kStats]()` reads the counters in the queue's shared header. */
export const kStats = Symbol.for('multiproc.queues.stats');

/** What the test hook reads (the same for every holder of a queue). */
export interface QueueStats {
  /** Consumer wake-ups issued by puts and gets (one per batch, at most one per sleep). */
  consumerWakes: number;
  /** Times a consumer found the queue empty and registered to sleep. */
  consumerSleeps: number;
  /** Consumers registered as sleeping now. */
  sleepingConsumers: number;
  /** The ring's size now, and the most it may grow to. */
  ringBytes: number;
  maxRingBytes: number;
}

/** Reads the counters and sizes the test hook returns. */
export function readStats(ring: Ring): QueueStats {
  const w = ring.words;
  return {
    consumerWakes: Atomics.load(w, kConsumerWakes),
    consumerSleeps: Atomics.load(w, kConsumerSleeps),
    sleepingConsumers: Atomics.load(w, kGetSleepers),
    ringBytes: Atomics.load(w, kCapacity),
    maxRingBytes: ring.maxCapacity,
  };
}
