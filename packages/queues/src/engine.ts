/**
 * The engine behind `Queue`, `JoinableQueue` and `SimpleQueue`: putting and getting under the
 * lock, waiting on futex words, and who wakes whom.
 *
 * **Waking, batched.** A consumer that finds the queue empty registers as a sleeper (under the
 * lock), notes `putSeq` and sleeps on it. A put wakes one sleeper only when none is already
 * being woken (`getPending`), and a consumer that takes an item and sees more items and more
 * sleepers wakes the next one (a chain). So a burst of puts costs one wake-up per sleeping
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
 * ring's state itself is repaired by the lock's next taker (ring.ts).
 *
 * Items are encoded before the lock is taken (so an unsendable item is refused first) and
 * decoded after it is released; under the lock only bytes are copied.
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
import { deadlineOf, type Deadline, type WaitOptions } from './options.js';
import {
  isSpilled,
  kConsumerSleeps,
  kCapacity,
  kConsumerWakes,
  kCount,
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
  kRawInline,
  kRawSpilled,
  kSpilled,
  kString,
  kTrue,
  kUndefined,
  kUnfinished,
  type Ring,
} from './ring.js';
import type { QueueMemory } from './memory.js';
import { copyInto, copyOut, discardSpilled, unspill } from './transfer.js';
import {
  expired,
  kFullRecheckMs,
  kLockSpins,
  kLockStep,
  kRecheckMs,
  sliceOf,
  spinUntilChanged,
  waitAsync,
  waitSync,
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

  constructor(segment: QueueMemory, what: string, joinable: boolean) {
    this.#segment = segment;
    this.#ring = segment.ring;
    this.#words = segment.ring.words;
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
    futexWake(w, kUnfinished, Infinity);
  }

  // -------------------------------------------------------------------------------------------
  // The lock

  /**
   * A few cheap looks at the lock before the slow path: critical sections here are a copy of a
   * small item, so the holder is usually done within a microsecond, while the lock's slow path
   * sleeps in the kernel (and its async form costs a waiter thread's round trip, ~35 µs).
   */
  #spinForLock(): boolean {
    const lock = this.#segment.lock;
    for (let i = 0; i < kLockSpins; i++) {
      if (!lock.locked() && lock.acquireSync({ block: false })) return true;
    }
    return false;
  }

  #lockSync(): void {
    if (!this.#spinForLock()) this.#segment.lock.acquireSync();
    this.#locked();
  }

  #lockAsync(): Promise<void> | undefined {
    if (this.#spinForLock()) {
      this.#locked();
      return undefined;
    }
    return this.#segment.lock.acquire().then(() => this.#locked());
  }

  /** Just after taking the lock: a dead holder's commit finished, a grown ring mapped. */
  #locked(): void {
    if (this.#segment.lock.lastOwnerDied) this.#ring.repair();
    this.#ring.sync();
  }

  #unlock(): void {
    this.#segment.lock.release();
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
  // Steps run under the lock

  /** A put attempt: true if written; otherwise registers as a sleeper and returns false. */
  #putStep(prepared: Prepared, sleeping: boolean, register: boolean): boolean {
    const w = this.#words;
    if (sleeping) this.#wokeUp(kPutSleepers, kPutPending);
    if (this.#state !== 'open') throw this.closedError();
    const ring = this.#ring;
    const { length, kind } = prepared;
    if (ring.belowMaxsize()) {
      let at = ring.reserve(length, kind);
      if (at < 0 && ring.grow(length)) at = ring.reserve(length, kind);
      if (at >= 0) {
        if (kind === kNumber) ring.view.setFloat64(at, prepared.number, true);
        else if (length > 0) copyInto(ring.bytes, at, prepared.bytes!, length);
        ring.commitPut(this.#joinable);
        if (w[kGetSleepers]! > 0) {
          w[kPutSeq] = w[kPutSeq]! + 1;
          if (w[kGetPending] === 0) this.#wakeOneConsumer();
        }
        return true;
      }
    }
    if (register) {
      w[kPutSleepers] = w[kPutSleepers]! + 1;
      w[kPutPending] = 0;
    }
    return false;
  }

  /** Under the lock: one consumer will be woken after the unlock, and none more until it runs. */
  #wakeOneConsumer(): void {
    const w = this.#words;
    w[kGetPending] = 1;
    w[kConsumerWakes] = (w[kConsumerWakes]! + 1) | 0;
    this.#wakeConsumer = true;
  }

  /**
   * A get attempt: the item (a primitive, read in place) or its bytes to decode after the lock
   * (`Encoded`); `kNothing` after registering as a sleeper.
   */
  #getStep(sleeping: boolean, register: boolean): Taken {
    const w = this.#words;
    if (sleeping) this.#wokeUp(kGetSleepers, kGetPending);
    if (this.#state !== 'open') throw this.closedError();
    const ring = this.#ring;
    const at = ring.peek();
    if (at < 0) {
      if (register) {
        w[kGetSleepers] = w[kGetSleepers]! + 1;
        w[kGetPending] = 0;
        w[kConsumerSleeps] = (w[kConsumerSleeps]! + 1) | 0;
      }
      return kNothing;
    }
    const { kind, length } = ring;
    let item: unknown;
    if (kind === kNumber) item = ring.view.getFloat64(at, true);
    else if (kind === kString) item = ring.text.toString('utf8', at, at + length);
    else if (kind >= kUndefined)
      item = kind === kNull ? null : kind === kUndefined ? undefined : kind === kTrue;
    else item = new Encoded(copyOut(ring, at, length), kind);
    ring.drop(at);
    if (w[kCount]! > 0 && w[kGetSleepers]! > 0 && w[kGetPending] === 0) {
      w[kPutSeq] = w[kPutSeq]! + 1;
      this.#wakeOneConsumer();
    }
    if (w[kPutSleepers]! > 0 && ring.roomForBatch()) {
      w[kGetSeq] = w[kGetSeq]! + 1;
      if (w[kPutPending] === 0) {
        w[kPutPending] = 1;
        this.#wakeProducers = true;
      }
    }
    return item;
  }

  #wokeUp(sleepers: number, pending: number): void {
    const w = this.#words;
    if (w[sleepers]! > 0) w[sleepers] = w[sleepers]! - 1;
    w[pending] = 0;
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
   * The common case without the machinery of waiting: the lock is free within a short spin and
   * there is room. False when either is not so (nothing written, nothing registered).
   */
  #putNow(prepared: Prepared): boolean {
    if (!this.#spinForLock()) return false;
    try {
      this.#locked();
      return this.#putStep(prepared, false, false);
    } finally {
      this.#unlock();
    }
  }

  /** As `#putNow`, for a get: the item taken, or `kNothing`. */
  #getNow(): Taken {
    if (!this.#spinForLock()) return kNothing;
    try {
      this.#locked();
      return this.#getStep(false, false);
    } finally {
      this.#unlock();
    }
  }

  *#putting(prepared: Prepared, deadline: Deadline): Operation<void> {
    let sleeping = false;
    try {
      for (;;) {
        const register = !expired(deadline);
        yield kLockStep;
        let seq = 0;
        try {
          const woke = sleeping;
          sleeping = false;
          if (this.#putStep(prepared, woke, register)) return;
          sleeping = register;
          seq = this.#words[kGetSeq]!;
        } finally {
          this.#unlock();
        }
        if (!sleeping) throw new Full(`${this.#what} is full`);
        yield { index: kGetSeq, expected: seq, ms: Math.min(kFullRecheckMs, sliceOf(deadline)) };
      }
    } catch (error) {
      if (isSpilled(prepared.kind)) discardSpilled(prepared.bytes!);
      throw error;
    } finally {
      if (sleeping) this.#deregister(kPutSleepers, kPutPending);
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
      if (taken === kNothing && deadline !== null && spinUntilChanged(this.#words, kCount, 0)) {
        taken = this.#getNow();
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
        yield kLockStep;
        let seq = 0;
        let taken: Taken;
        try {
          const woke = sleeping;
          sleeping = false;
          taken = this.#getStep(woke, register);
          sleeping = taken === kNothing && register;
          seq = this.#words[kPutSeq]!;
        } finally {
          this.#unlock();
        }
        if (taken !== kNothing) return taken;
        if (!sleeping) throw new Empty(`${this.#what} is empty`);
        yield { index: kPutSeq, expected: seq, ms: sliceOf(deadline) };
      }
    } finally {
      if (sleeping) this.#deregister(kGetSleepers, kGetPending);
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
        if (wait === kLockStep) this.#lockSync();
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
        if (wait === kLockStep) {
          const locking = this.#lockAsync();
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
  #deregister(sleepers: number, pending: number): void {
    this.#lockSync();
    try {
      this.#wokeUp(sleepers, pending);
    } finally {
      this.#unlock();
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
    this.#lockSync();
    try {
      done = this.#ring.taskDone();
    } finally {
      this.#unlock();
      this.#leave();
    }
    if (done && Atomics.load(this.#words, kUnfinished) === 0)
      futexWake(this.#words, kUnfinished, Infinity);
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
    return Atomics.load(this.#words, kUnfinished);
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
      const n = Atomics.load(this.#words, kUnfinished);
      if (n === 0) return;
      if (this.#state !== 'open') throw this.closedError();
      yield { index: kUnfinished, expected: n, ms: kRecheckMs };
    }
  }
}
