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
} from '@multiproc/serialize';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import { deadlineOf, type Deadline, type WaitOptions } from './options.js';
import {
  kCount,
  kGetPending,
  kGetSeq,
  kGetSleepers,
  kInline,
  kPutPending,
  kPutSeq,
  kPutSleepers,
  kRaw,
  kSpilled,
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
  waitAsync,
  waitSync,
  type Operation,
} from './waiting.js';

/** An encoded item ready to be written: its payload bytes, inline or a spilled block's handle. */
interface Prepared {
  bytes: Uint8Array;
  /** Whether `bytes` is a copy of our own (not the encoder's buffer or the caller's Buffer). */
  owned?: boolean;
  /** `kInline` or `kSpilled`, plus `kRaw` for a Buffer sent as its bytes. */
  kind: number;
}

/** What a get took out of the ring (a private copy). */
interface Taken {
  bytes: Buffer;
  kind: number;
}

type State = 'open' | 'closed';

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
    const { bytes } = prepared;
    const fill = (at: number): void => copyInto(ring.bytes, at, bytes);
    if (
      ring.belowMaxsize() &&
      (ring.tryPut(bytes.byteLength, prepared.kind, fill, this.#joinable) ||
        (ring.grow(bytes.byteLength) &&
          ring.tryPut(bytes.byteLength, prepared.kind, fill, this.#joinable)))
    ) {
      if (w[kGetSleepers]! > 0) {
        w[kPutSeq] = w[kPutSeq]! + 1;
        if (w[kGetPending] === 0) {
          w[kGetPending] = 1;
          this.#wakeConsumer = true;
        }
      }
      return true;
    }
    if (register) {
      w[kPutSleepers] = w[kPutSleepers]! + 1;
      w[kPutPending] = 0;
    }
    return false;
  }

  /** A get attempt: the bytes taken, or undefined after registering as a sleeper. */
  #getStep(sleeping: boolean, register: boolean): Taken | undefined {
    const w = this.#words;
    if (sleeping) this.#wokeUp(kGetSleepers, kGetPending);
    if (this.#state !== 'open') throw this.closedError();
    const ring = this.#ring;
    const record = ring.peek();
    if (record === undefined) {
      if (register) {
        w[kGetSleepers] = w[kGetSleepers]! + 1;
        w[kGetPending] = 0;
      }
      return undefined;
    }
    const bytes = copyOut(ring, record.offset, record.length);
    ring.drop(record);
    if (w[kCount]! > 0 && w[kGetSleepers]! > 0 && w[kGetPending] === 0) {
      w[kPutSeq] = w[kPutSeq]! + 1;
      w[kGetPending] = 1;
      this.#wakeConsumer = true;
    }
    if (w[kPutSleepers]! > 0 && ring.roomForBatch()) {
      w[kGetSeq] = w[kGetSeq]! + 1;
      if (w[kPutPending] === 0) {
        w[kPutPending] = 1;
        this.#wakeProducers = true;
      }
    }
    return { bytes, kind: record.kind };
  }

  #wokeUp(sleepers: number, pending: number): void {
    const w = this.#words;
    if (w[sleepers]! > 0) w[sleepers] = w[sleepers]! - 1;
    w[pending] = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Encoding

  /** Encodes (refusing unsendable items, naming the path) and spills a large item. */
  prepare(item: unknown): Prepared {
    // A Buffer travels as its bytes: msgpack would add a copy (and ~5 µs for 1 KiB) for nothing.
    const raw = Buffer.isBuffer(item) ? kRaw : 0;
    const bytes = raw ? (item as Buffer) : encode(item, { path: 'item' });
    if (bytes.byteLength <= this.#ring.inlineLimit) return { bytes, kind: kInline | raw };
    const block = heapAllocate(Math.max(1, bytes.byteLength));
    try {
      copyBytes(
        new Uint8Array(block.buffer, block.byteOffset, bytes.byteLength),
        0,
        bytes,
        0,
        bytes.byteLength,
      );
      // The handle takes a reference for the record; ours goes at once.
      return { bytes: Buffer.from(encodeTrusted(block)), kind: kSpilled | raw };
    } finally {
      block.release();
    }
  }

  static #payload(taken: Taken): Buffer {
    return (taken.kind & ~kRaw) === kSpilled ? unspill(taken.bytes) : taken.bytes;
  }

  // -------------------------------------------------------------------------------------------
  // put

  putSync(item: unknown, options: WaitOptions | undefined): void {
    const deadline = deadlineOf(options);
    if (this.#state !== 'open') throw this.closedError();
    const prepared = this.prepare(item);
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
        // The encoder reuses its buffer, and the caller may reuse a Buffer it put: before
        // anything else can run, an inline item gets bytes of its own.
        if ((prepared.kind & ~kRaw) === kInline && !prepared.owned) {
          prepared.bytes = Buffer.from(prepared.bytes);
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

  /** As `#putNow`, for a get: the item taken, or undefined. */
  #getNow(): Taken | undefined {
    if (!this.#spinForLock()) return undefined;
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
      if ((prepared.kind & ~kRaw) === kSpilled) discardSpilled(prepared.bytes);
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
      taken = this.#getNow() ?? this.#runSync(this.#getting(deadline));
    } finally {
      this.#leave();
    }
    const payload = QueueEngine.#payload(taken);
    return taken.kind & kRaw ? payload : decode(payload);
  }

  async get(options: WaitOptions | undefined): Promise<unknown> {
    const deadline = deadlineOf(options);
    this.#enter();
    let taken: Taken;
    try {
      taken = this.#getNow() ?? (await this.#runAsync(this.#getting(deadline)));
    } finally {
      this.#leave();
    }
    const payload = QueueEngine.#payload(taken);
    return taken.kind & kRaw ? payload : decodeAsync(payload);
  }

  *#getting(deadline: Deadline): Operation<Taken> {
    let sleeping = false;
    try {
      for (;;) {
        const register = !expired(deadline);
        yield kLockStep;
        let seq = 0;
        let taken: Taken | undefined;
        try {
          const woke = sleeping;
          sleeping = false;
          taken = this.#getStep(woke, register);
          sleeping = taken === undefined && register;
          seq = this.#words[kPutSeq]!;
        } finally {
          this.#unlock();
        }
        if (taken !== undefined) return taken;
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
