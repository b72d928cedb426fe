/**
 * The steps an operation runs under a lock: a put attempt under the tail lock (growing the ring
 * under both), a get attempt under the head lock, and the sleepers each side registers and wakes.
 *
 * **Waking, batched.** A consumer that finds the queue empty registers as a sleeper (under the
 * head lock), notes `putSeq`, looks once more, and sleeps on it. A put wakes one sleeper only when
 * none is already being woken (`getPending`), and a consumer that takes an item and sees more
 * items and more sleepers wakes the next one (a chain). The two sides hold different locks, so
 * registering and looking again is a Dekker pair with a put's "publish the item, then read the
 * sleepers" (all `Atomics`, sequentially consistent): either the put sees the sleeper, or the
 * sleeper's second look sees the item. The same holds for producers waiting for room. So a burst of puts costs one wake-up per sleeping
 * consumer, not one per item; a consumer that registers clears `getPending`, since it registers
 * only on an empty queue, where any wake-up in flight has found its item taken. A waker claims
 * `getPending` before it moves `putSeq` (see `#wakeOneConsumer`), and a consumer that registered
 * and then found an item on its second look clears `getPending` too (`#stayedAwake`). Producers
 * waiting for room wait on `getSeq` in the same way (all of them are woken: the one that fits
 * may not be the first), batched the other way round: they are woken once a quarter of the
 * queue is free (`Ring.roomForBatch`), not at every get, which would make a full queue cost a
 * producer wake-up per item. A producer therefore sleeps at most `kFullRecheckMs` at a
 * time, so that room left by consumers that stopped short of a quarter is still found soon.
 *
 * **Crashes.** Sleeper counts are hints: a sleeper killed in its sleep stays counted and costs a
 * few wake-ups that reach nobody, and a consumer killed between being woken and taking its item
 * would strand the chain, so every sleep is at most `kRecheckMs` (waiting.ts) long and rechecks. The
 * ring's state itself is repaired by each lock's next taker (ring.ts).
 */
import {
  kConsumerSleeps,
  kConsumerWakes,
  kGetPending,
  kGetSeq,
  kGetSleepers,
  kNull,
  kNumber,
  kPutPending,
  kPutSeq,
  kPutSleepers,
  kString,
  kTrue,
  kUndefined,
} from './layout.js';
import { Encoded, kNothing, type Prepared, type Taken } from './codec.js';
import { QueueLocks } from './locks.js';
import type { QueueMemory } from './memory.js';
import { copyInto, copyOut } from './transfer.js';
import type { LockStep } from './waiting.js';

// What a put attempt came to.
export const kNoRoom = 0;
export const kPutDone = 1;
/** The ring must grow, and the head lock was not free at once: try again holding both locks. */
export const kNeedsBothLocks = 2;

/** The steps under the locks, with the sleeper counts they keep. */
export class QueueSteps extends QueueLocks {
  protected readonly joinable: boolean;
  /** The futex word's value a step that registered a sleeper noted, for the sleep after it. */
  protected seq = 0;

  constructor(segment: QueueMemory, what: string, joinable: boolean) {
    super(segment, what);
    this.joinable = joinable;
  }

  /**
   * Under the tail lock (and the head lock if `both`): a put attempt. If there is no room and
   * `register`, registers as a sleeper, notes `getSeq` in `seq` and looks once more.
   */
  protected putStep(
    prepared: Prepared,
    sleeping: boolean,
    register: boolean,
    both: boolean,
  ): number {
    const w = this.words;
    if (sleeping) this.#wokeUp(kPutSleepers, kPutPending);
    if (this.state !== 'open') throw this.closedError();
    let result = this.#tryPut(prepared, both);
    if (result !== kNoRoom || !register) return result;
    Atomics.store(w, kPutSleepers, w[kPutSleepers]! + 1);
    Atomics.store(w, kPutPending, 0);
    this.seq = Atomics.load(w, kGetSeq);
    result = this.#tryPut(prepared, both);
    if (result !== kNoRoom) this.#stayedAwake(kPutSleepers, kPutPending);
    return result;
  }

  #tryPut(prepared: Prepared, both: boolean): number {
    const w = this.words;
    const ring = this.ring;
    if (!ring.belowMaxsize()) return kNoRoom;
    const { length, kind } = prepared;
    let at = ring.reserve(length, kind);
    if (at < 0 && ring.capacity < ring.maxCapacity) {
      // Growing moves the consumers' records: it needs their lock too, taken after ours.
      if (!both && !this.headNow()) return kNeedsBothLocks;
      try {
        if (ring.grow(length)) at = ring.reserve(length, kind);
      } finally {
        if (!both) this.headLock.release();
      }
    }
    if (at < 0) return kNoRoom;
    if (kind === kNumber) ring.view.setFloat64(at, prepared.number, true);
    else if (length > 0) copyInto(ring.bytes, at, prepared.bytes!, length);
    ring.commitPut(this.joinable);
    // After publishing the item (the other half of a sleeper's register-then-look).
    if (Atomics.load(w, kGetSleepers) > 0) this.#wakeOneConsumer();
    return kPutDone;
  }

  /**
   * One consumer will be woken after the unlock, and none more until it runs. The flag is
   * claimed before the word moves: a consumer that registered before the claim either reads
   * the word before it moves (its sleep ends at once, or the wake-up finds it asleep) or after
   * (it then finds the item, and clears the flag, `#stayedAwake`). Moved first, the word could
   * be read by a consumer registering between the move and the claim, whose sleep the wake-up
   * then misses while the flag holds back every later one.
   */
  #wakeOneConsumer(): void {
    const w = this.words;
    if (Atomics.compareExchange(w, kGetPending, 0, 1) !== 0) return;
    Atomics.add(w, kPutSeq, 1);
    Atomics.add(w, kConsumerWakes, 1);
    this.wakeConsumer = true;
  }

  /**
   * Under the head lock: a get attempt: the item (a primitive, read in place) or its bytes to
   * decode after the lock (`Encoded`); `kNothing` when empty, after registering as a sleeper
   * (noting `putSeq` in `seq`) if `register`.
   */
  protected getStep(sleeping: boolean, register: boolean): Taken {
    const w = this.words;
    if (sleeping) this.#wokeUp(kGetSleepers, kGetPending);
    if (this.state !== 'open') throw this.closedError();
    const ring = this.ring;
    let at = ring.peek();
    if (at < 0) {
      if (!register) return kNothing;
      Atomics.store(w, kGetSleepers, w[kGetSleepers]! + 1);
      Atomics.store(w, kGetPending, 0);
      Atomics.add(w, kConsumerSleeps, 1);
      this.seq = Atomics.load(w, kPutSeq);
      at = ring.peek();
      if (at < 0) return kNothing;
      this.#stayedAwake(kGetSleepers, kGetPending);
    }
    const { kind, length } = ring;
    let item: unknown;
    if (kind === kNumber) item = ring.view.getFloat64(at, true);
    else if (kind === kString) item = ring.text.toString('utf8', at, at + length);
    else if (kind >= kUndefined)
      item = kind === kNull ? null : kind === kUndefined ? undefined : kind === kTrue;
    else item = new Encoded(copyOut(ring, at, length), kind);
    ring.drop(at);
    if (w[kGetSleepers]! > 0 && ring.count() > 0 && Atomics.load(w, kGetPending) === 0) {
      this.#wakeOneConsumer();
    }
    // After publishing the room (the other half of a waiting producer's register-then-look),
    // the flag before the word, as in `#wakeOneConsumer`.
    if (
      Atomics.load(w, kPutSleepers) > 0 &&
      ring.roomForBatch() &&
      Atomics.compareExchange(w, kPutPending, 0, 1) === 0
    ) {
      Atomics.add(w, kGetSeq, 1);
      this.wakeProducers = true;
    }
    return item;
  }

  /**
   * Under the side's own lock: a sleeper that registered found what it waited for on its second
   * look and does not sleep. A wake-up claimed meanwhile (the flag) may have been meant for it
   * and reach nobody: the flag is cleared, so that the next put (or get) wakes whoever sleeps.
   */
  #stayedAwake(sleepers: number, pending: number): void {
    const w = this.words;
    Atomics.store(w, sleepers, w[sleepers]! - 1);
    Atomics.store(w, pending, 0);
  }

  /** Under the side's own lock: a sleeper is awake (or gone). */
  #wokeUp(sleepers: number, pending: number): void {
    const w = this.words;
    if (w[sleepers]! > 0) Atomics.store(w, sleepers, w[sleepers]! - 1);
    Atomics.store(w, pending, 0);
  }

  /** After a wait that ended by an error (closed), the sleeper still counted is removed. */
  protected deregister(side: LockStep, sleepers: number, pending: number): void {
    this.lockSync(side);
    try {
      this.#wokeUp(sleepers, pending);
    } finally {
      this.unlock(side);
    }
  }
}
