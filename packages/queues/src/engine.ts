/**
 * The engine behind `Queue`, `JoinableQueue` and `SimpleQueue`: putting under the tail lock,
 * getting under the head lock (ring.ts), waiting on futex words, and who wakes whom.
 *
 * **Waking, batched.** A consumer that finds the queue empty registers as a sleeper (under the
 * head lock), notes `putSeq`, looks once more, and sleeps on it. A put wakes one sleeper only when
 * none is already being woken (`getPending`), and a consumer that takes an item and sees more
 * items and more sleepers wakes the next one (a chain). The two sides hold different locks, so
 * registering and looking again is a Dekker pair with a put's "publish the item, then read the
 * sleepers" (all `Atomics`, sequentially consistent): either the put sees the sleeper, or the
 * sleeper's second look sees the item. The same holds for producers waiting for room. So a burst of puts costs one wake-up per sleeping
 * consumer, not one per item; a consumer that registers clears `getPending`, since it registers
 * only on an empty queue, where any wake-up in flight has found its item taken. Producers
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
 *
 * Items are encoded before a lock is taken (so an unsendable item is refused first) and
 * decoded after it is released; under a lock only bytes are copied.
 */
import { copyBytes, futexWake } from '@multiproc/native';
import {
  Empty,
  Full,
  MultiprocError,
  decode,
  decodeAsync,
  encode,
  encodeTrusted,
  toError,
} from '@multiproc/serialize';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import type { Lock } from '@multiproc/synchronize';
import { deadlineOf, type Deadline, type WaitOptions } from './options.js';
import {
  isSpilled,
  kConsumerSleeps,
  kCapacity,
  kConsumerWakes,
  kFalse,
  kGetPending,
  kGetSeq,
  kGetSleepers,
  kInline,
  kNull,
  kNumber,
  kPutPending,
  kPutSeq,
  kPutSleepers,
  kPuts,
  kRawInline,
  kRawSpilled,
  kSpilled,
  kString,
  kTasksDone,
  kTrue,
  kUndefined,
  type Ring,
} from './ring.js';
import type { QueueMemory } from './memory.js';
import { copyInto, copyOut, discardSpilled, unspill } from './transfer.js';
import {
  expired,
  kBothLocks,
  kFullRecheckMs,
  kHeadLock,
  kLockSpins,
  kRecheckMs,
  kTailLock,
  sliceOf,
  spinUntilChanged,
  waitAsync,
  waitSync,
  type LockStep,
  type Operation,
} from './waiting.js';

/**
 * An item ready to be written: a number as it is, or payload bytes (msgpack, a Buffer's own
 * bytes, a string's UTF-8, or a spilled block's handle).
 */
interface Prepared {
  /** A record kind of ring.ts. */
  kind: number;
  bytes: Uint8Array | undefined;
  /** Payload bytes: of `bytes`, 8 for a number, 0 for a constant. */
  length: number;
  number: number;
  /** Whether `bytes` is a copy of our own (not a scratch or encoder buffer, nor the caller's). */
  owned: boolean;
}

/** What a get took out of the ring to decode after the lock: a private copy of the payload. */
class Encoded {
  constructor(
    readonly bytes: Buffer,
    readonly kind: number,
  ) {}

  #payload(): Buffer {
    return isSpilled(this.kind) ? unspill(this.bytes) : this.bytes;
  }

  decodeSync(): unknown {
    const payload = this.#payload();
    return this.kind === kRawInline || this.kind === kRawSpilled ? payload : decode(payload);
  }

  decodeAsync(): unknown {
    const payload = this.#payload();
    return this.kind === kRawInline || this.kind === kRawSpilled ? payload : decodeAsync(payload);
  }
}

/** What a get step returns when it took nothing (an item may be `undefined`). */
const kNothing: unique symbol = Symbol('nothing');
type Taken = unknown;

/**
 * Strings up to this many UTF-16 units travel as UTF-8 without msgpack, through a scratch
 * buffer that always holds them (3 bytes per unit at most).
 */
const kShortString = 1024;
const scratch = Buffer.allocUnsafeSlow(kShortString * 3);
/** `String.prototype.isWellFormed` (Node 20+; not in the ES2023 lib this package targets). */
const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

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

type State = 'open' | 'closed';

// What a put attempt came to.
const kNoRoom = 0;
const kPutDone = 1;
/** The ring must grow, and the head lock was not free at once: try again holding both locks. */
const kNeedsBothLocks = 2;

function newPrepared(): Prepared {
  return { kind: 0, bytes: undefined, length: 0, number: 0, owned: true };
}

function fill(
  into: Prepared,
  kind: number,
  bytes: Uint8Array | undefined,
  length: number,
  owned: boolean,
): Prepared {
  into.kind = kind;
  into.bytes = bytes;
  into.length = length;
  into.owned = owned;
  return into;
}

/** One holder's engine over a queue's shared state. */
export class QueueEngine {
  readonly #segment: QueueMemory;
  readonly #ring: Ring;
  readonly #words: Int32Array;
  readonly #tailLock: Lock;
  readonly #headLock: Lock;
  readonly #what: string;
  readonly #joinable: boolean;
  #state: State = 'open';
  /** Calls in progress; the segment is released when the last one ends after `close()`. */
  #active = 0;
  /** What `putSync` prepares each item in. */
  readonly #syncPrepared = newPrepared();
  // Wake-ups decided under the lock, done after it is released.
  #wakeConsumer = false;
  #wakeProducers = false;
  /** The futex word's value a step that registered a sleeper noted, for the sleep after it. */
  #seq = 0;

  constructor(segment: QueueMemory, what: string, joinable: boolean) {
    this.#segment = segment;
    this.#ring = segment.ring;
    this.#words = segment.ring.words;
    this.#tailLock = segment.tailLock;
    this.#headLock = segment.headLock;
    this.#what = what;
    this.#joinable = joinable;
  }

  get segment(): QueueMemory {
    return this.#segment;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  closedError(): MultiprocError {
    return new MultiprocError(`${this.#what} is closed`, 'ERR_MP_CLOSED');
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  #enter(): void {
    if (this.#state !== 'open') throw this.closedError();
    this.#active++;
  }

  #leave(): void {
    if (--this.#active === 0 && this.#state === 'closed') this.#segment.close();
  }

  /** Closes this holder; calls waiting in it end with "is closed". Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#active === 0) {
      this.#segment.close();
      return;
    }
    // Our own waits end at once; other holders' sleepers see a spurious wake-up and sleep again.
    const w = this.#words;
    futexWake(w, kPutSeq, Infinity);
    futexWake(w, kGetSeq, Infinity);
    futexWake(w, kTasksDone, Infinity);
  }

  // -------------------------------------------------------------------------------------------
  // The locks

  /**
   * A few cheap looks at a lock before the slow path: critical sections here are a copy of a
   * small item, so the holder is usually done within a microsecond, while the lock's slow path
   * sleeps in the kernel (and its async form costs a waiter thread's round trip, ~35 µs).
   */
  #spinFor(lock: Lock): boolean {
    for (let i = 0; i < kLockSpins; i++) {
      if (!lock.locked() && lock.acquireSync({ block: false })) return true;
    }
    return false;
  }

  /** Just after taking a lock: a dead holder's commit finished, a grown ring mapped. */
  #lockedTail(): void {
    if (this.#tailLock.lastOwnerDied) this.#ring.repairTail();
    this.#ring.sync();
  }

  #lockedHead(): void {
    if (this.#headLock.lastOwnerDied) this.#ring.repairHead();
    this.#ring.sync();
  }

  #tailNow(): boolean {
    if (!this.#spinFor(this.#tailLock)) return false;
    this.#lockedTail();
    return true;
  }

  #headNow(): boolean {
    if (!this.#spinFor(this.#headLock)) return false;
    this.#lockedHead();
    return true;
  }

  #lockSync(step: LockStep): void {
    if (step !== kHeadLock && !this.#tailNow()) {
      this.#tailLock.acquireSync();
      this.#lockedTail();
    }
    if (step === kTailLock || this.#headNow()) return;
    try {
      this.#headLock.acquireSync();
    } catch (error) {
      if (step === kBothLocks) this.#tailLock.release();
      throw error;
    }
    this.#lockedHead();
  }

  /** Undefined when the lock (or both) was taken at once. */
  #lockAsync(step: LockStep): Promise<void> | undefined {
    if (step === kHeadLock) return this.#headNow() ? undefined : this.#headAsync();
    if (this.#tailNow()) {
      if (step === kTailLock || this.#headNow()) return undefined;
      return this.#headAsync().catch((error: unknown) => {
        this.#tailLock.release();
        throw error;
      });
    }
    const tail = this.#tailLock.acquire().then(() => this.#lockedTail());
    if (step === kTailLock) return tail;
    return tail.then(() =>
      this.#headNow()
        ? undefined
        : this.#headAsync().catch((error: unknown) => {
            this.#tailLock.release();
            throw error;
          }),
    );
  }

  #headAsync(): Promise<void> {
    return this.#headLock.acquire().then(() => this.#lockedHead());
  }

  /** Releases what `step` took (head first), then wakes whom the steps decided to wake. */
  #unlock(step: LockStep): void {
    if (step !== kTailLock) this.#headLock.release();
    if (step !== kHeadLock) this.#tailLock.release();
    const w = this.#words;
    if (this.#wakeConsumer) {
      this.#wakeConsumer = false;
      futexWake(w, kPutSeq, 1);
    }
    if (this.#wakeProducers) {
      this.#wakeProducers = false;
      futexWake(w, kGetSeq, Infinity);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Steps run under a lock

  /**
   * Under the tail lock (and the head lock if `both`): a put attempt. If there is no room and
   * `register`, registers as a sleeper, notes `getSeq` in `#seq` and looks once more.
   */
  #putStep(prepared: Prepared, sleeping: boolean, register: boolean, both: boolean): number {
    const w = this.#words;
    if (sleeping) this.#wokeUp(kPutSleepers, kPutPending);
    if (this.#state !== 'open') throw this.closedError();
    let result = this.#tryPut(prepared, both);
    if (result !== kNoRoom || !register) return result;
    Atomics.store(w, kPutSleepers, w[kPutSleepers]! + 1);
    Atomics.store(w, kPutPending, 0);
    this.#seq = Atomics.load(w, kGetSeq);
    result = this.#tryPut(prepared, both);
    if (result !== kNoRoom) Atomics.store(w, kPutSleepers, w[kPutSleepers]! - 1);
    return result;
  }

  #tryPut(prepared: Prepared, both: boolean): number {
    const w = this.#words;
    const ring = this.#ring;
    if (!ring.belowMaxsize()) return kNoRoom;
    const { length, kind } = prepared;
    let at = ring.reserve(length, kind);
    if (at < 0 && ring.capacity < ring.maxCapacity) {
      // Growing moves the consumers' records: it needs their lock too, taken after ours.
      if (!both && !this.#headNow()) return kNeedsBothLocks;
      try {
        if (ring.grow(length)) at = ring.reserve(length, kind);
      } finally {
        if (!both) this.#headLock.release();
      }
    }
    if (at < 0) return kNoRoom;
    if (kind === kNumber) ring.view.setFloat64(at, prepared.number, true);
    else if (length > 0) copyInto(ring.bytes, at, prepared.bytes!, length);
    ring.commitPut(this.#joinable);
    // After publishing the item (the other half of a sleeper's register-then-look).
    if (Atomics.load(w, kGetSleepers) > 0) {
      Atomics.add(w, kPutSeq, 1);
      this.#wakeOneConsumer();
    }
    return kPutDone;
  }

  /** One consumer will be woken after the unlock, and none more until it runs. */
  #wakeOneConsumer(): void {
    const w = this.#words;
    if (Atomics.compareExchange(w, kGetPending, 0, 1) !== 0) return;
    Atomics.add(w, kConsumerWakes, 1);
    this.#wakeConsumer = true;
  }

  /**
   * Under the head lock: a get attempt: the item (a primitive, read in place) or its bytes to
   * decode after the lock (`Encoded`); `kNothing` when empty, after registering as a sleeper
   * (noting `putSeq` in `#seq`) if `register`.
   */
  #getStep(sleeping: boolean, register: boolean): Taken {
    const w = this.#words;
    if (sleeping) this.#wokeUp(kGetSleepers, kGetPending);
    if (this.#state !== 'open') throw this.closedError();
    const ring = this.#ring;
    let at = ring.peek();
    if (at < 0) {
      if (!register) return kNothing;
      Atomics.store(w, kGetSleepers, w[kGetSleepers]! + 1);
      Atomics.store(w, kGetPending, 0);
      Atomics.add(w, kConsumerSleeps, 1);
      this.#seq = Atomics.load(w, kPutSeq);
      at = ring.peek();
      if (at < 0) return kNothing;
      Atomics.store(w, kGetSleepers, w[kGetSleepers]! - 1);
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
      Atomics.add(w, kPutSeq, 1);
      this.#wakeOneConsumer();
    }
    // After publishing the room (the other half of a waiting producer's register-then-look).
    if (Atomics.load(w, kPutSleepers) > 0 && ring.roomForBatch()) {
      Atomics.add(w, kGetSeq, 1);
      if (Atomics.compareExchange(w, kPutPending, 0, 1) === 0) this.#wakeProducers = true;
    }
    return item;
  }

  /** Under the side's own lock: a sleeper is awake (or gone). */
  #wokeUp(sleepers: number, pending: number): void {
    const w = this.#words;
    if (w[sleepers]! > 0) Atomics.store(w, sleepers, w[sleepers]! - 1);
    Atomics.store(w, pending, 0);
  }

  // -------------------------------------------------------------------------------------------
  // Encoding

  /**
   * Encodes (refusing unsendable items, naming the path) and spills a large item, into `into`
   * (`putSync` reuses one: a put that does not suspend needs no object of its own).
   */
  prepare(item: unknown, into: Prepared = newPrepared()): Prepared {
    let kind: number;
    let bytes: Uint8Array | undefined;
    let length = 0;
    let owned = true;
    switch (typeof item) {
      case 'number':
        into.number = item;
        return fill(into, kNumber, undefined, 8, true);
      case 'string':
        // A lone surrogate takes msgpack's path, so that every string length decodes alike.
        if (item.length <= kShortString && isWellFormed(item)) {
          return fill(into, kString, scratch, scratch.write(item, 0, 'utf8'), false);
        }
        break;
      case 'boolean':
        return fill(into, item ? kTrue : kFalse, undefined, 0, true);
      case 'undefined':
        return fill(into, kUndefined, undefined, 0, true);
      case 'object':
        if (item === null) return fill(into, kNull, undefined, 0, true);
        break;
    }
    // A Buffer travels as its bytes: msgpack would add a copy (and ~5 µs for 1 KiB) for nothing.
    const raw = Buffer.isBuffer(item);
    bytes = raw ? item : encode(item, { path: 'item' });
    length = bytes.byteLength;
    if (length <= this.#ring.inlineLimit) {
      kind = raw ? kRawInline : kInline;
      owned = false;
    } else {
      const block = heapAllocate(Math.max(1, length));
      try {
        copyBytes(new Uint8Array(block.buffer, block.byteOffset, length), 0, bytes, 0, length);
        // The handle takes a reference for the record; ours goes at once.
        bytes = Buffer.from(encodeTrusted(block));
        length = bytes.byteLength;
        kind = raw ? kRawSpilled : kSpilled;
      } finally {
        block.release();
      }
    }
    return fill(into, kind, bytes, length, owned);
  }

  // -------------------------------------------------------------------------------------------
  // put

  putSync(item: unknown, options: WaitOptions | undefined): void {
    const deadline = deadlineOf(options);
    if (this.#state !== 'open') throw this.closedError();
    const prepared = this.prepare(item, this.#syncPrepared);
    this.#enter();
    try {
      if (!this.#putNow(prepared)) this.#runSync(this.#putting(prepared, deadline));
    } finally {
      this.#leave();
    }
  }

  /** Bad options and unsendable items reject (never throw): this is an async function. */
  async put(item: unknown, options: WaitOptions | undefined): Promise<void> {
    const deadline = deadlineOf(options);
    if (this.#state !== 'open') throw this.closedError();
    const prepared = this.prepare(item);
    this.#enter();
    try {
      if (this.#putNow(prepared)) return;
      await this.#runAsync(this.#putting(prepared, deadline), () => {
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
    if (!this.#tailNow()) return false;
    try {
      return this.#putStep(prepared, false, false, false) === kPutDone;
    } finally {
      this.#unlock(kTailLock);
    }
  }

  /** As `#putNow`, for a get (under the head lock): the item taken, or `kNothing`. */
  #getNow(): Taken {
    if (!this.#headNow()) return kNothing;
    try {
      return this.#getStep(false, false);
    } finally {
      this.#unlock(kHeadLock);
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
          result = this.#putStep(prepared, woke, register, locks === kBothLocks);
          sleeping = result === kNoRoom && register;
        } finally {
          this.#unlock(locks);
        }
        if (result === kPutDone) return;
        if (result === kNeedsBothLocks) {
          locks = kBothLocks;
          continue;
        }
        if (!sleeping) throw new Full(`${this.#what} is full`);
        const ms = Math.min(kFullRecheckMs, sliceOf(deadline));
        yield { index: kGetSeq, expected: this.#seq, ms };
      }
    } catch (error) {
      if (isSpilled(prepared.kind)) discardSpilled(prepared.bytes!);
      throw error;
    } finally {
      if (sleeping) this.#deregister(kTailLock, kPutSleepers, kPutPending);
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
        const w = this.#words;
        if (spinUntilChanged(w, kPuts, Atomics.load(w, kPuts))) taken = this.#getNow();
      }
      if (taken === kNothing) taken = this.#runSync(this.#getting(deadline));
    } finally {
      this.#leave();
    }
    return taken instanceof Encoded ? taken.decodeSync() : taken;
  }

  get(options: WaitOptions | undefined): Promise<unknown> {
    // An item at hand is taken without the frame and the extra promise of an async function.
    if (options === undefined && this.#state === 'open') {
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
      if (taken === kNothing) taken = await this.#runAsync(this.#getting(deadline));
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
          taken = this.#getStep(woke, register);
          sleeping = taken === kNothing && register;
        } finally {
          this.#unlock(kHeadLock);
        }
        if (taken !== kNothing) return taken;
        if (!sleeping) throw new Empty(`${this.#what} is empty`);
        yield { index: kPutSeq, expected: this.#seq, ms: sliceOf(deadline) };
      }
    } finally {
      if (sleeping) this.#deregister(kHeadLock, kGetSleepers, kGetPending);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Drivers: an operation is written once, as a generator of steps; these run it blocking the
  // thread or awaiting, so `get` and `getSync` cannot drift apart.

  #runSync<T>(operation: Operation<T>): T {
    let step = operation.next();
    while (step.done !== true) {
      const wait = step.value;
      try {
        if (typeof wait === 'string') this.#lockSync(wait);
        else waitSync(this.#words, wait.index, wait.expected, wait.ms);
      } catch (error) {
        step = operation.throw(error);
        continue;
      }
      step = operation.next();
    }
    return step.value;
  }

  /** `onSuspend` runs before the first time the operation yields the event loop. */
  async #runAsync<T>(operation: Operation<T>, onSuspend?: () => void): Promise<T> {
    let step = operation.next();
    let sleeps = 0;
    while (step.done !== true) {
      const wait = step.value;
      try {
        if (typeof wait === 'string') {
          const locking = this.#lockAsync(wait);
          if (locking !== undefined) {
            onSuspend?.();
            await locking;
          }
        } else {
          onSuspend?.();
          await waitAsync(this.#words, wait.index, wait.expected, wait.ms, sleeps++ === 0);
        }
      } catch (error) {
        step = operation.throw(error);
        continue;
      }
      step = operation.next();
    }
    return step.value;
  }

  /** After a wait that ended by an error (closed), the sleeper still counted is removed. */
  #deregister(side: LockStep, sleepers: number, pending: number): void {
    this.#lockSync(side);
    try {
      this.#wokeUp(sleepers, pending);
    } finally {
      this.#unlock(side);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sizes and tasks

  count(): number {
    if (this.#state !== 'open') throw this.closedError();
    return this.#ring.count();
  }

  full(): boolean {
    const max = this.#ring.maxsize;
    return max > 0 && this.count() >= max;
  }

  taskDone(): boolean {
    this.#enter();
    let done: boolean;
    this.#lockSync(kHeadLock);
    try {
      done = this.#ring.taskDone();
    } finally {
      this.#unlock(kHeadLock);
      this.#leave();
    }
    if (done && this.#ring.unfinished() === 0) futexWake(this.#words, kTasksDone, Infinity);
    return done;
  }

  /** The test hook behind `queue[kStats]()`: the shared counters and sizes. */
  stats(): QueueStats {
    const w = this.#words;
    return {
      consumerWakes: Atomics.load(w, kConsumerWakes),
      consumerSleeps: Atomics.load(w, kConsumerSleeps),
      sleepingConsumers: Atomics.load(w, kGetSleepers),
      ringBytes: Atomics.load(w, kCapacity),
      maxRingBytes: this.#ring.maxCapacity,
    };
  }

  unfinished(): number {
    return this.#ring.unfinished();
  }

  joinSync(): void {
    this.#enter();
    try {
      this.#runSync(this.#joining());
    } finally {
      this.#leave();
    }
  }

  async join(): Promise<void> {
    this.#enter();
    try {
      await this.#runAsync(this.#joining());
    } finally {
      this.#leave();
    }
  }

  *#joining(): Operation<void> {
    for (;;) {
      // `tasksDone` read first: a taskDone() after it changes the word the sleep expects.
      const done = Atomics.load(this.#words, kTasksDone);
      if (this.#ring.unfinished() === 0) return;
      if (this.#state !== 'open') throw this.closedError();
      yield { index: kTasksDone, expected: done, ms: kRecheckMs };
    }
  }
}
