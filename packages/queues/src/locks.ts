/**
 * The base of a queue's engine: one holder's hold on the shared state, the two locks and how
 * they are taken (a short spin, then the slow path; tail before head; a dead holder's commit
 * repaired by its next taker, ring.ts), the wake-ups decided under a lock and done after its
 * release, and the drivers that run an operation written once as a generator of steps, blocking
 * or awaiting. The steps themselves are in steps.ts, the operations in engine.ts.
 */
import { futexWake } from '@multiproc/native';
import { MultiprocError } from '@multiproc/serialize';
import type { Lock } from '@multiproc/synchronize';
import { kGetSeq, kPutSeq } from './layout.js';
import type { QueueMemory } from './memory.js';
import type { Ring } from './ring.js';
import {
  kBothLocks,
  kHeadLock,
  kLockSpins,
  kTailLock,
  waitAsync,
  waitSync,
  type LockStep,
  type Operation,
} from './waiting.js';

type State = 'open' | 'closed';

/** `Lock`'s internal `acquireSync({ block: false })` without the options (synchronize/lock.ts). */
const kTryAcquire = Symbol.for('multiproc.tryAcquire');
const tryAcquire = (lock: Lock): boolean =>
  (lock as unknown as Record<symbol, () => boolean>)[kTryAcquire]!.call(lock);

/** One holder's locks over a queue's shared state, and the drivers of its operations. */
export class QueueLocks {
  readonly #segment: QueueMemory;
  protected readonly ring: Ring;
  protected readonly words: Int32Array;
  protected readonly tailLock: Lock;
  protected readonly headLock: Lock;
  protected readonly what: string;
  protected state: State = 'open';
  // Wake-ups decided under the lock, done after it is released.
  protected wakeConsumer = false;
  protected wakeProducers = false;

  constructor(segment: QueueMemory, what: string) {
    this.#segment = segment;
    this.ring = segment.ring;
    this.words = segment.ring.words;
    this.tailLock = segment.tailLock;
    this.headLock = segment.headLock;
    this.what = what;
  }

  get segment(): QueueMemory {
    return this.#segment;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  closedError(): MultiprocError {
    return new MultiprocError(`${this.what} is closed`, 'ERR_MP_CLOSED');
  }

  // -------------------------------------------------------------------------------------------
  // The locks

  /**
   * A few cheap looks at a lock before the slow path: critical sections here are a copy of a
   * small item, so the holder is usually done within a microsecond, while the lock's slow path
   * sleeps in the kernel (and its async form costs a waiter thread's round trip, ~35 µs).
   */
  #spinFor(lock: Lock): boolean {
    // Usually free: one attempt first, then looks before each further attempt.
    if (tryAcquire(lock)) return true;
    for (let i = 0; i < kLockSpins; i++) {
      if (!lock.locked() && tryAcquire(lock)) return true;
    }
    return false;
  }

  /** Just after taking a lock: a dead holder's commit finished, a grown ring mapped. */
  #lockedTail(): void {
    if (this.tailLock.lastOwnerDied) this.ring.repairTail();
    this.ring.sync();
  }

  #lockedHead(): void {
    if (this.headLock.lastOwnerDied) this.ring.repairHead();
    this.ring.sync();
  }

  protected tailNow(): boolean {
    if (!this.#spinFor(this.tailLock)) return false;
    this.#lockedTail();
    return true;
  }

  protected headNow(): boolean {
    if (!this.#spinFor(this.headLock)) return false;
    this.#lockedHead();
    return true;
  }

  protected lockSync(step: LockStep): void {
    if (step !== kHeadLock && !this.tailNow()) {
      this.tailLock.acquireSync();
      this.#lockedTail();
    }
    if (step === kTailLock || this.headNow()) return;
    try {
      this.headLock.acquireSync();
    } catch (error) {
      if (step === kBothLocks) this.tailLock.release();
      throw error;
    }
    this.#lockedHead();
  }

  /** Undefined when the lock (or both) was taken at once. */
  protected lockAsync(step: LockStep): Promise<void> | undefined {
    if (step === kHeadLock) return this.headNow() ? undefined : this.#headAsync();
    if (this.tailNow()) {
      if (step === kTailLock || this.headNow()) return undefined;
      return this.#headAsync().catch((error: unknown) => {
        this.tailLock.release();
        throw error;
      });
    }
    const tail = this.tailLock.acquire().then(() => this.#lockedTail());
    if (step === kTailLock) return tail;
    return tail.then(() =>
      this.headNow()
        ? undefined
        : this.#headAsync().catch((error: unknown) => {
            this.tailLock.release();
            throw error;
          }),
    );
  }

  #headAsync(): Promise<void> {
    return this.headLock.acquire().then(() => this.#lockedHead());
  }

  /** Releases what `step` took (head first), then wakes whom the steps decided to wake. */
  protected unlock(step: LockStep): void {
    if (step !== kTailLock) this.headLock.release();
    if (step !== kHeadLock) this.tailLock.release();
    const w = this.words;
    if (this.wakeConsumer) {
      this.wakeConsumer = false;
      futexWake(w, kPutSeq, 1);
    }
    if (this.wakeProducers) {
      this.wakeProducers = false;
      futexWake(w, kGetSeq, Infinity);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Drivers: an operation is written once, as a generator of steps; these run it blocking the
  // thread or awaiting, so `get` and `getSync` cannot drift apart.

  protected runSync<T>(operation: Operation<T>): T {
    let step = operation.next();
    while (step.done !== true) {
      const wait = step.value;
      try {
        if (typeof wait === 'string') this.lockSync(wait);
        else waitSync(this.words, wait.index, wait.expected, wait.ms);
      } catch (error) {
        step = operation.throw(error);
        continue;
      }
      step = operation.next();
    }
    return step.value;
  }

  /** `onSuspend` runs before the first time the operation yields the event loop. */
  protected async runAsync<T>(operation: Operation<T>, onSuspend?: () => void): Promise<T> {
    let step = operation.next();
    let sleeps = 0;
    while (step.done !== true) {
      const wait = step.value;
      try {
        if (typeof wait === 'string') {
          const locking = this.lockAsync(wait);
          if (locking !== undefined) {
            onSuspend?.();
            await locking;
          }
        } else {
          onSuspend?.();
          await waitAsync(this.words, wait.index, wait.expected, wait.ms, sleeps++ === 0);
        }
      } catch (error) {
        step = operation.throw(error);
        continue;
      }
      step = operation.next();
    }
    return step.value;
  }
}
