/**
 * The engine behind `Queue`, `JoinableQueue` and `SimpleQueue`: its operations (put, get,
 * `taskDone`, join), each tried at once without the machinery of waiting, then written once as a
 * generator of steps (steps.ts) that a driver (locks.ts) runs blocking or awaiting. Items are
 * encoded before a lock is taken and decoded after it is released (codec.ts).
 */
import { futexWake } from '@multiproc/native';
import { Empty, Full, toError } from '@multiproc/serialize';
import { Encoded, kNothing, newPrepared, prepare, type Taken, type Prepared } from './codec.js';
import {
  kGetPending,
  kGetSeq,
  kGetSleepers,
  kPutPending,
  kPutSeq,
  kPutSleepers,
  kPuts,
  kTasksDone,
  isSpilled,
} from './layout.js';
import { deadlineOf, type Deadline, type WaitOptions } from './options.js';
import { readStats, type QueueStats } from './stats.js';
import { QueueSteps, kNeedsBothLocks, kNoRoom, kPutDone } from './steps.js';
import { discardSpilled } from './transfer.js';
import {
  expired,
  kBothLocks,
  kFullRecheckMs,
  kHeadLock,
  kRecheckMs,
  kTailLock,
  sliceOf,
  spinUntilChanged,
  type LockStep,
  type Operation,
} from './waiting.js';

/** One holder's engine over a queue's shared state. */
export class QueueEngine extends QueueSteps {
  /** Calls in progress; the segment is released when the last one ends after `close()`. */
  #active = 0;
  /** What `putSync` prepares each item in. */
  readonly #syncPrepared = newPrepared();

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  #enter(): void {
    if (this.state !== 'open') throw this.closedError();
    this.#active++;
  }

  #leave(): void {
    if (--this.#active === 0 && this.state === 'closed') this.segment.close();
  }

  /** Closes this holder; calls waiting in it end with "is closed". Idempotent. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.#active === 0) {
      this.segment.close();
      return;
    }
    // Our own waits end at once; other holders' sleepers see a spurious wake-up and sleep again.
    const w = this.words;
    futexWake(w, kPutSeq, Infinity);
    futexWake(w, kGetSeq, Infinity);
    futexWake(w, kTasksDone, Infinity);
  }

  // -------------------------------------------------------------------------------------------
  // put

  putSync(item: unknown, options: WaitOptions | undefined): void {
    const deadline = deadlineOf(options);
    if (this.state !== 'open') throw this.closedError();
    const prepared = prepare(item, this.ring.inlineLimit, this.#syncPrepared);
    this.#enter();
    try {
      if (!this.#putNow(prepared)) this.runSync(this.#putting(prepared, deadline));
    } finally {
      this.#leave();
    }
  }

  /** Bad options and unsendable items reject (never throw): this is an async function. */
  async put(item: unknown, options: WaitOptions | undefined): Promise<void> {
    const deadline = deadlineOf(options);
    if (this.state !== 'open') throw this.closedError();
    const prepared = prepare(item, this.ring.inlineLimit);
    this.#enter();
    try {
      if (this.#putNow(prepared)) return;
      await this.runAsync(this.#putting(prepared, deadline), () => {
        // The encoder and the string scratch are reused, and the caller may reuse a Buffer it
        // put: before anything else can run, the item gets bytes of its own.
        if (!prepared.owned) {
          prepared.bytes = Buffer.from(prepared.bytes!.subarray(0, prepared.length));
          prepared.owned = true;
        }
      });
    } finally {
      this.#leave();
    }
  }

  /**
   * The common case without the machinery of waiting: the tail lock is free within a short spin
   * and there is room. False when either is not so (nothing written, nothing registered).
   */
  #putNow(prepared: Prepared): boolean {
    if (!this.tailNow()) return false;
    try {
      return this.putStep(prepared, false, false, false) === kPutDone;
    } finally {
      this.unlock(kTailLock);
    }
  }

  /** As `#putNow`, for a get (under the head lock): the item taken, or `kNothing`. */
  #getNow(): Taken {
    if (!this.headNow()) return kNothing;
    try {
      return this.getStep(false, false);
    } finally {
      this.unlock(kHeadLock);
    }
  }

  *#putting(prepared: Prepared, deadline: Deadline): Operation<void> {
    let sleeping = false;
    let locks: LockStep = kTailLock;
    try {
      for (;;) {
        const register = !expired(deadline);
        yield locks;
        let result: number;
        try {
          const woke = sleeping;
          sleeping = false;
          result = this.putStep(prepared, woke, register, locks === kBothLocks);
          sleeping = result === kNoRoom && register;
        } finally {
          this.unlock(locks);
        }
        if (result === kPutDone) return;
        if (result === kNeedsBothLocks) {
          locks = kBothLocks;
          continue;
        }
        if (!sleeping) throw new Full(`${this.what} is full`);
        const ms = Math.min(kFullRecheckMs, sliceOf(deadline));
        yield { index: kGetSeq, expected: this.seq, ms };
      }
    } catch (error) {
      if (isSpilled(prepared.kind)) discardSpilled(prepared.bytes!);
      throw error;
    } finally {
      if (sleeping) this.deregister(kTailLock, kPutSleepers, kPutPending);
    }
  }

  // -------------------------------------------------------------------------------------------
  // get

  getSync(options: WaitOptions | undefined): unknown {
    const deadline = deadlineOf(options);
    this.#enter();
    let taken: Taken;
    try {
      taken = this.#getNow();
      // Watch for an item before registering to sleep: a registered sleeper costs the next
      // put a wake-up call, one that a consumer still awake does not need.
      if (taken === kNothing && deadline !== null) {
        const w = this.words;
        if (spinUntilChanged(w, kPuts, Atomics.load(w, kPuts))) taken = this.#getNow();
      }
      if (taken === kNothing) taken = this.runSync(this.#getting(deadline));
    } finally {
      this.#leave();
    }
    return taken instanceof Encoded ? taken.decodeSync() : taken;
  }

  get(options: WaitOptions | undefined): Promise<unknown> {
    // An item at hand is taken without the frame and the extra promise of an async function.
    if (options === undefined && this.state === 'open') {
      this.#active++;
      let taken: Taken;
      try {
        taken = this.#getNow();
      } catch (error) {
        return Promise.reject(toError(error));
      } finally {
        this.#leave();
      }
      if (!(taken instanceof Encoded)) {
        if (taken !== kNothing) return Promise.resolve(taken);
      } else {
        try {
          return Promise.resolve(taken.decodeAsync());
        } catch (error) {
          return Promise.reject(toError(error));
        }
      }
    }
    return this.#getWaiting(options);
  }

  async #getWaiting(options: WaitOptions | undefined): Promise<unknown> {
    const deadline = deadlineOf(options);
    this.#enter();
    let taken: Taken;
    try {
      taken = this.#getNow();
      if (taken === kNothing) taken = await this.runAsync(this.#getting(deadline));
    } finally {
      this.#leave();
    }
    return taken instanceof Encoded ? taken.decodeAsync() : taken;
  }

  *#getting(deadline: Deadline): Operation<Taken> {
    let sleeping = false;
    try {
      for (;;) {
        const register = !expired(deadline);
        yield kHeadLock;
        let taken: Taken;
        try {
          const woke = sleeping;
          sleeping = false;
          taken = this.getStep(woke, register);
          sleeping = taken === kNothing && register;
        } finally {
          this.unlock(kHeadLock);
        }
        if (taken !== kNothing) return taken;
        if (!sleeping) throw new Empty(`${this.what} is empty`);
        yield { index: kPutSeq, expected: this.seq, ms: sliceOf(deadline) };
      }
    } finally {
      if (sleeping) this.deregister(kHeadLock, kGetSleepers, kGetPending);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sizes and tasks

  count(): number {
    if (this.state !== 'open') throw this.closedError();
    return this.ring.count();
  }

  full(): boolean {
    const max = this.ring.maxsize;
    return max > 0 && this.count() >= max;
  }

  taskDone(): boolean {
    this.#enter();
    let done: boolean;
    this.lockSync(kHeadLock);
    try {
      done = this.ring.taskDone();
    } finally {
      this.unlock(kHeadLock);
      this.#leave();
    }
    if (done && this.ring.unfinished() === 0) futexWake(this.words, kTasksDone, Infinity);
    return done;
  }

  /** The test hook behind `queue[kStats]()`: the shared counters and sizes. */
  stats(): QueueStats {
    return readStats(this.ring);
  }

  unfinished(): number {
    return this.ring.unfinished();
  }

  joinSync(): void {
    this.#enter();
    try {
      this.runSync(this.#joining());
    } finally {
      this.#leave();
    }
  }

  async join(): Promise<void> {
    this.#enter();
    try {
      await this.runAsync(this.#joining());
    } finally {
      this.#leave();
    }
  }

  *#joining(): Operation<void> {
    for (;;) {
      // `tasksDone` read first: a taskDone() after it changes the word the sleep expects.
      const done = Atomics.load(this.words, kTasksDone);
      if (this.ring.unfinished() === 0) return;
      if (this.state !== 'open') throw this.closedError();
      yield { index: kTasksDone, expected: done, ms: kRecheckMs };
    }
  }
}
