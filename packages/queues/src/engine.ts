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
 * producer wake-up per item. A producer therefore sleeps at most {@link kFullRecheckMs} at a
 * time, so that room left by consumers that stopped short of a quarter is still found soon.
 *
 * **Crashes.** Sleeper counts are hints: a sleeper killed in its sleep stays counted and costs a
 * few wake-ups that reach nobody, and a consumer killed between being woken and taking its item
 * would strand the chain, so every sleep is at most {@link kRecheckMs} long and rechecks. The
 * ring's state itself is repaired by the lock's next taker (ring.ts).
 *
 * Items are encoded before the lock is taken (so an unsendable item is refused first) and
 * decoded after it is released; under the lock only bytes are copied.
 */
import {
  copyBytes,
  futexWait,
  futexWaitSync,
  futexWake,
  keepWarm,
  pendingFutexWaits,
  spinMicros,
} from '@multiproc/native';
import {
  Empty,
  Full,
  MultiprocError,
  decode,
  decodeAsync,
  encode,
  encodeTrusted,
} from '@multiproc/serialize';
import type { HeapBlock } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory';
import type { Deadline } from './options.js';
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
import type { QueueSegment } from './segment.js';

/**
 * The longest single sleep of a waiting put or get (ms), after which it looks again: the delay
 * before a waiter notices work a killed process was meant to wake it for. An idle consumer
 * thus wakes 5 times a second, which costs no measurable CPU.
 */
export const kRecheckMs = 200;
/**
 * The longest single sleep of a producer waiting for room: consumers wake producers only when a
 * quarter of the queue is free, so one that stopped just below that is noticed within this.
 */
export const kFullRecheckMs = 20;
/** Async waits of one thread beyond this count poll with timers (the addon caps native waits). */
const kMaxNativeWaits = 512;
const kPollMs = 10;
/** Looks at a held lock before taking its slow path (each a load; ~1 µs in all). */
const kLockSpins = 200;
/** Below this many bytes a JavaScript copy beats a native call. */
const kNativeCopyBytes = 4096;

/** An encoded item ready to be written: its payload bytes, inline or a spilled block's handle. */
interface Prepared {
  bytes: Uint8Array;
  /** `kInline` or `kSpilled`, plus `kRaw` for a Buffer sent as its bytes. */
  kind: number;
}

/** What a get took out of the ring (a private copy). */
interface Taken {
  bytes: Buffer;
  kind: number;
}

type State = 'open' | 'closed';

function copyInto(target: Uint8Array, at: number, source: Uint8Array): void {
  if (source.byteLength < kNativeCopyBytes) target.set(source, at);
  else copyBytes(target, at, source, 0, source.byteLength);
}

function copyOut(ring: Ring, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  if (length < kNativeCopyBytes) out.set(ring.bytes.subarray(offset, offset + length));
  else copyBytes(out, 0, ring.bytes, offset, length);
  return out;
}

/** Drops the reference a spilled record's handle carries (a put that did not happen). */
function discardSpilled(handle: Uint8Array): void {
  (decode(handle) as HeapBlock).release();
}

/** Reads a spilled item's bytes out of its block and frees the block. */
function unspill(handle: Uint8Array): Buffer {
  const block = decode(handle) as HeapBlock;
  try {
    const out = Buffer.allocUnsafe(block.byteLength);
    copyBytes(
      out,
      0,
      new Uint8Array(block.buffer, block.byteOffset, block.byteLength),
      0,
      out.length,
    );
    return out;
  } finally {
    block.release();
  }
}

const expired = (deadline: Deadline): boolean =>
  deadline === null || (deadline !== undefined && performance.now() >= deadline);

const sliceOf = (deadline: Deadline): number =>
  deadline === undefined || deadline === null
    ? kRecheckMs
    : Math.min(kRecheckMs, Math.max(0, deadline - performance.now()));

/** Sync form: watch the word for up to `spinMicros` before sleeping (spares a wake-up). */
function waitSync(words: Int32Array, index: number, expected: number, ms: number): void {
  if (spinMicros > 0) {
    const until = performance.now() + Math.min(spinMicros / 1000, ms);
    do {
      if (Atomics.load(words, index) !== expected) return;
    } while (performance.now() < until);
  }
  futexWaitSync(words, index, expected, ms);
}

async function waitAsync(words: Int32Array, index: number, expected: number, ms: number) {
  if (pendingFutexWaits() >= kMaxNativeWaits) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(ms, kPollMs)));
    return;
  }
  keepWarm();
  await futexWait(words, index, expected, ms);
}

/** One holder's engine over a queue's shared state. */
export class QueueEngine {
  readonly #segment: QueueSegment;
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

  constructor(segment: QueueSegment, what: string, joinable: boolean) {
    this.#segment = segment;
    this.#ring = segment.ring;
    this.#words = segment.ring.words;
    this.#what = what;
    this.#joinable = joinable;
  }

  get segment(): QueueSegment {
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
    if (--this.#active === 0 && this.#state === 'closed') this.#segment.release();
  }

  /** Closes this holder; calls waiting in it end with "is closed". Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#active === 0) {
      this.#segment.release();
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
    const lock = this.#segment.lock;
    if (!this.#spinForLock()) lock.acquireSync();
    if (lock.lastOwnerDied) this.#ring.repair();
  }

  #lockAsync(): Promise<void> | undefined {
    const lock = this.#segment.lock;
    if (this.#spinForLock()) {
      if (lock.lastOwnerDied) this.#ring.repair();
      return undefined;
    }
    return lock.acquire().then(() => {
      if (lock.lastOwnerDied) this.#ring.repair();
    });
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
    if (
      ring.belowMaxsize() &&
      ring.tryPut(
        bytes.byteLength,
        prepared.kind,
        (at) => copyInto(ring.bytes, at, bytes),
        this.#joinable,
      )
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

  putSync(item: unknown, deadline: Deadline): void {
    if (this.#state !== 'open') throw this.closedError();
    const prepared = this.prepare(item);
    this.#enter();
    let sleeping = false;
    try {
      for (;;) {
        const register = !expired(deadline);
        let seq = 0;
        this.#lockSync();
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
        waitSync(this.#words, kGetSeq, seq, Math.min(kFullRecheckMs, sliceOf(deadline)));
      }
    } catch (error) {
      if ((prepared.kind & ~kRaw) === kSpilled) discardSpilled(prepared.bytes);
      throw error;
    } finally {
      if (sleeping) this.#deregister(kPutSleepers, kPutPending);
      this.#leave();
    }
  }

  async put(item: unknown, deadline: Deadline): Promise<void> {
    if (this.#state !== 'open') throw this.closedError();
    const prepared = this.prepare(item);
    this.#enter();
    let sleeping = false;
    try {
      for (let first = true; ; first = false) {
        const register = !expired(deadline);
        let seq = 0;
        const locking = this.#lockAsync();
        if (locking !== undefined) {
          // The encoder reuses its buffer: keep our own copy before anything else may encode.
          if (first && (prepared.kind & ~kRaw) === kInline)
            prepared.bytes = Buffer.from(prepared.bytes);
          await locking;
        }
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
        if (first && (prepared.kind & ~kRaw) === kInline)
          prepared.bytes = Buffer.from(prepared.bytes);
        await waitAsync(this.#words, kGetSeq, seq, Math.min(kFullRecheckMs, sliceOf(deadline)));
      }
    } catch (error) {
      if ((prepared.kind & ~kRaw) === kSpilled) discardSpilled(prepared.bytes);
      throw error;
    } finally {
      if (sleeping) this.#deregister(kPutSleepers, kPutPending);
      this.#leave();
    }
  }

  // -------------------------------------------------------------------------------------------
  // get

  getSync(deadline: Deadline): unknown {
    this.#enter();
    let sleeping = false;
    let taken: Taken | undefined;
    try {
      for (;;) {
        const register = !expired(deadline);
        let seq = 0;
        this.#lockSync();
        try {
          const woke = sleeping;
          sleeping = false;
          taken = this.#getStep(woke, register);
          sleeping = taken === undefined && register;
          seq = this.#words[kPutSeq]!;
        } finally {
          this.#unlock();
        }
        if (taken !== undefined) break;
        if (!sleeping) throw new Empty(`${this.#what} is empty`);
        waitSync(this.#words, kPutSeq, seq, sliceOf(deadline));
      }
    } finally {
      if (sleeping) this.#deregister(kGetSleepers, kGetPending);
      this.#leave();
    }
    const payload = QueueEngine.#payload(taken);
    return taken.kind & kRaw ? payload : decode(payload);
  }

  async get(deadline: Deadline): Promise<unknown> {
    this.#enter();
    let sleeping = false;
    let taken: Taken | undefined;
    try {
      for (;;) {
        const register = !expired(deadline);
        let seq = 0;
        const locking = this.#lockAsync();
        if (locking !== undefined) await locking;
        try {
          const woke = sleeping;
          sleeping = false;
          taken = this.#getStep(woke, register);
          sleeping = taken === undefined && register;
          seq = this.#words[kPutSeq]!;
        } finally {
          this.#unlock();
        }
        if (taken !== undefined) break;
        if (!sleeping) throw new Empty(`${this.#what} is empty`);
        await waitAsync(this.#words, kPutSeq, seq, sliceOf(deadline));
      }
    } finally {
      if (sleeping) this.#deregister(kGetSleepers, kGetPending);
      this.#leave();
    }
    const payload = QueueEngine.#payload(taken);
    return taken.kind & kRaw ? payload : decodeAsync(payload);
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
      for (;;) {
        const n = Atomics.load(this.#words, kUnfinished);
        if (n === 0) return;
        if (this.#state !== 'open') throw this.closedError();
        futexWaitSync(this.#words, kUnfinished, n, kRecheckMs);
      }
    } finally {
      this.#leave();
    }
  }

  async join(): Promise<void> {
    this.#enter();
    try {
      for (;;) {
        const n = Atomics.load(this.#words, kUnfinished);
        if (n === 0) return;
        if (this.#state !== 'open') throw this.closedError();
        await waitAsync(this.#words, kUnfinished, n, kRecheckMs);
      }
    } finally {
      this.#leave();
    }
  }
}
