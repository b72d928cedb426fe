/**
 * The queue's shared state and the ring of records, with the operations done under the queue's
 * two locks: producers take turns on the *tail lock*, consumers on the *head lock*, and the two
 * sides meet only through counts each side publishes with `Atomics` (items and bytes put, items
 * and bytes got). So a producer and a consumer never wait for each other's lock, and a consumer
 * that finds items never sleeps on a lock producers hold. Nothing here waits or wakes
 * (steps.ts decides whom to wake, locks.ts wakes them). The block's layout is drawn in layout.ts.
 *
 * - **Counts, not shared indexes.** `puts`, `putBytes` and `tasks` only grow, written by
 *   producers; `gets`, `getBytes` and `tasksDone` likewise by consumers. Items in the queue are
 *   `puts - gets`, bytes in use `putBytes - getBytes` (Int32 words that wrap: the differences
 *   stay exact, since a ring is at most 1 GiB). A producer finds where consumers are from its own
 *   `tail` and the bytes in use: a count it reads may be behind, which only hides room freed a
 *   moment ago, never shows room that is not free.
 * - A record never wraps: when it does not fit before the end of the ring, a pad record fills
 *   the rest and the record starts at 0. `putBytes` and `getBytes` count pads too.
 * - An item whose record would take more than half of the ring is *spilled*: its bytes go
 *   to a heap block of their own (its own segment), and the record holds that block's handle,
 *   which carries one reference for the consumer. So any item fits an empty ring and a put never
 *   waits for space that cannot come.
 * - **Crash safety (a redo log per lock).** A put's changes (`tail puts putBytes tasks`) are
 *   first written to the tail's log words, then its `logState` is set (an `Atomics.store`: the
 *   fence that orders the record bytes and the log before it), then the words are copied, then
 *   `logState` is cleared; a get does the same with `head gets getBytes` and the head's log.
 *   A lock (a `Lock` of `@multiproc/synchronize`, whose state word holds the owner's thread id)
 *   is taken over from a holder that died; the taker sees `lastOwnerDied` and replays that
 *   lock's log ({@link Ring.repairTail}, {@link Ring.repairHead}). So a process killed at any
 *   instruction leaves either the old state of its side (its record, written past `tail`, is
 *   simply not there) or the new one. The other side never sees a half state: it reads only
 *   `puts` (or `getBytes`), stored after the record (or after the copy out of it).
 * - **The ring grows** instead of making a put wait: when a record does not fit, the producer
 *   takes the head lock too (always tail first, then head) and the records move (oldest first)
 *   to a block at least twice as large, named by a handle in a slot of the header, and
 *   `generation` counts the moves (see {@link Ring.grow}). Holders notice a new generation
 *   under either lock and map the new block. Growth stops at `maxCapacity` (the `maxRingBytes`
 *   option): there a put waits for room as at `maxsize`.
 * - Records of numbers, strings and constants carry their value itself (a float64, UTF-8, or
 *   nothing), written and read under a lock without msgpack and without allocation.
 * - The sleeper words are hints, not state: see `steps.ts`.
 */

import {
  align8,
  kBaseCapacity,
  kCapacity,
  kGetBytes,
  kGets,
  kGrowState,
  kHead,
  kHeaderWords,
  kHeadLog,
  kHeadLogState,
  kHeadPart,
  kInlineFloor,
  kMagic,
  kMagicValue,
  kMaxCapacity,
  kMaxsize,
  kPad,
  kPutBytes,
  kPuts,
  kRecordHeaderBytes,
  kTail,
  kTailLog,
  kTailLogState,
  kTailPart,
  kTasks,
  kTasksDone,
} from './layout.js';
import { RingViews } from './growth.js';

/** The words and bytes of one queue, with the operations that run under its locks. */
export class Ring extends RingViews {
  /** Payload bytes above which an item is spilled to its own block (fixed by the first ring). */
  readonly inlineLimit: number;
  /** Set by `peek`: the head record's payload length and kind (no object per get). */
  length = 0;
  kind = 0;
  // Set by `reserve`, used by `commitPut`.
  #reservedEnd = 0;
  #reservedBytes = 0;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    super(buffer, byteOffset);
    // Any item up to the limit fits an empty ring of the largest size.
    const base = this.words[kBaseCapacity]!;
    const inline = Math.min(Math.max(base >> 1, kInlineFloor), this.words[kMaxCapacity]! >> 1);
    this.inlineLimit = inline - kRecordHeaderBytes;
  }

  /** Formats a fresh (zero-filled) block. */
  static format(
    buffer: SharedArrayBuffer,
    byteOffset: number,
    capacity: number,
    maxsize: number,
    maxCapacity: number,
  ) {
    const w = new Int32Array(buffer, byteOffset, kHeaderWords);
    w[kCapacity] = capacity;
    w[kBaseCapacity] = capacity;
    w[kMaxsize] = maxsize;
    w[kMaxCapacity] = maxCapacity;
    Atomics.store(w, kMagic, kMagicValue);
  }

  /** Whether a block holds a queue (a handle that arrived is checked with this). */
  static isFormatted(buffer: SharedArrayBuffer, byteOffset: number): boolean {
    return Atomics.load(new Int32Array(buffer, byteOffset, 1), 0) === kMagicValue;
  }

  get maxsize(): number {
    return this.words[kMaxsize]!;
  }

  /** The largest size the ring may grow to, in bytes. */
  get maxCapacity(): number {
    return this.words[kMaxCapacity]!;
  }

  /** Items in the queue, from anywhere (gets read first: the difference is never negative). */
  count(): number {
    const gets = Atomics.load(this.words, kGets);
    return (Atomics.load(this.words, kPuts) - gets) | 0;
  }

  /** `JoinableQueue` tasks put and not yet done, from anywhere. */
  unfinished(): number {
    const done = Atomics.load(this.words, kTasksDone);
    return (Atomics.load(this.words, kTasks) - done) | 0;
  }

  /** Under the tail lock: whether `maxsize` allows one more item (the ring may still lack room). */
  belowMaxsize(): boolean {
    const max = this.words[kMaxsize]!;
    return max === 0 || this.count() < max;
  }

  /**
   * Under the head lock: whether a quarter of the queue is free, by count and by the ring's
   * bytes (which bound a put only when the ring cannot grow further).
   */
  roomForBatch(): boolean {
    const w = this.words;
    const max = w[kMaxsize]!;
    if (max > 0 && this.count() > max - Math.ceil(max / 4)) return false;
    const used = (Atomics.load(w, kPutBytes) - w[kGetBytes]!) | 0;
    return used <= this.capacity - (this.capacity >> 2);
  }

  /**
   * Under the tail lock: makes room for a record of `length` payload bytes and writes its
   * header (and a pad before it), past `tail` where no reader looks. Returns the payload's
   * offset, for the caller to fill and then `commitPut()`; or -1 (nothing written) when the
   * ring lacks room.
   */
  reserve(length: number, kind: number): number {
    const w = this.words;
    const cap = this.capacity;
    const need = kRecordHeaderBytes + align8(length);
    const tail = w[kTail]!;
    const putBytes = w[kPutBytes]!;
    const used = (putBytes - Atomics.load(w, kGetBytes)) | 0;
    // Consumers are `used` bytes behind the tail (or further on by now: never nearer).
    const head = tail >= used ? tail - used : tail - used + cap;
    let at = tail;
    let pad = 0;
    if (tail > head || used === 0) {
      if (need > cap - tail) {
        if (need > head) return -1;
        pad = cap - tail;
        at = 0;
      }
    } else if (need > head - tail) {
      return -1;
    }
    if (pad > 0) this.#header(tail, pad - kRecordHeaderBytes, kPad);
    this.#header(at, length, kind);
    const end = at + need;
    this.#reservedEnd = end === cap ? 0 : end;
    this.#reservedBytes = (putBytes + pad + need) | 0;
    return at + kRecordHeaderBytes;
  }

  /** Under the tail lock, after `reserve` and filling the payload: makes the record visible. */
  commitPut(joinable: boolean): void {
    const w = this.words;
    w[kTailLog] = this.#reservedEnd;
    w[kTailLog + 1] = (w[kPuts]! + 1) | 0;
    w[kTailLog + 2] = this.#reservedBytes;
    w[kTailLog + 3] = joinable ? (w[kTasks]! + 1) | 0 : w[kTasks]!;
    Atomics.store(w, kTailLogState, 1);
    this.#applyTail();
  }

  /**
   * Under the head lock: the payload offset of the record at the head (skipping a pad), with
   * its length and kind in `this.length` and `this.kind`; -1 when the queue is empty.
   */
  peek(): number {
    const w = this.words;
    if (Atomics.load(w, kPuts) === w[kGets]!) return -1;
    let head = w[kHead]!;
    let kind = this.kindAt(head);
    if (kind === kPad) {
      head = 0;
      kind = this.kindAt(0);
    }
    this.kind = kind;
    this.length = this.lengthAt(head);
    return head + kRecordHeaderBytes;
  }

  /** Under the head lock: removes the record `peek` found at `offset`, and commits. */
  drop(offset: number): void {
    const w = this.words;
    const cap = this.capacity;
    const head = w[kHead]!;
    const start = offset - kRecordHeaderBytes;
    const end = offset + align8(this.length);
    const freed = (start < head ? cap - head : 0) + (end - start);
    w[kHeadLog] = end === cap ? 0 : end;
    w[kHeadLog + 1] = (w[kGets]! + 1) | 0;
    w[kHeadLog + 2] = (w[kGetBytes]! + freed) | 0;
    Atomics.store(w, kHeadLogState, 1);
    this.#applyHead();
  }

  /** Under the head lock: one `taskDone()`; false if there was no unfinished task. */
  taskDone(): boolean {
    const w = this.words;
    const done = w[kTasksDone]!;
    if (((Atomics.load(w, kTasks) - done) | 0) <= 0) return false;
    Atomics.store(w, kTasksDone, (done + 1) | 0);
    return true;
  }

  /** Under the tail lock taken over from a dead holder: finishes its half-applied commit. */
  repairTail(): void {
    const w = this.words;
    if (Atomics.load(w, kTailLogState) === 1) this.#applyTail();
    if ((Atomics.load(w, kGrowState) & kTailPart) !== 0) this.applyGrowth(kTailPart);
  }

  /** Under the head lock taken over from a dead holder: finishes its half-applied commit. */
  repairHead(): void {
    const w = this.words;
    if (Atomics.load(w, kHeadLogState) === 1) this.#applyHead();
    if ((Atomics.load(w, kGrowState) & kHeadPart) !== 0) this.applyGrowth(kHeadPart);
  }

  // `puts` and `getBytes` are what the other side reads: each is stored last of its side's
  // words that it reads, with `Atomics` (the fence after the record's bytes, or after the copy
  // out of them).
  #applyTail(): void {
    const w = this.words;
    w[kTail] = w[kTailLog]!;
    w[kPutBytes] = w[kTailLog + 2]!;
    w[kTasks] = w[kTailLog + 3]!;
    Atomics.store(w, kPuts, w[kTailLog + 1]!);
    Atomics.store(w, kTailLogState, 0);
  }

  #applyHead(): void {
    const w = this.words;
    w[kHead] = w[kHeadLog]!;
    w[kGets] = w[kHeadLog + 1]!;
    Atomics.store(w, kGetBytes, w[kHeadLog + 2]!);
    Atomics.store(w, kHeadLogState, 0);
  }

  #header(at: number, length: number, kind: number): void {
    this.records[at >> 2] = length;
    this.records[(at >> 2) + 1] = kind;
  }
}
