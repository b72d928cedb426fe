/**
 * The queue's shared state and the ring of records, with the operations done under the queue's
 * lock. Nothing here waits or wakes; `engine.ts` does that.
 *
 * One heap block holds everything (a block over 64 KiB is a segment of its own, see heap.ts):
 *
 * ```
 *  byte 0                                                   128            640        640 + capacity
 *       ┌──────────────── header: 32 Int32 words ───────────┬──────────────┬─── first ring ───┐
 *       │ magic capacity maxsize │ head tail count used unf. │ 2 slots of   │ records,         │
 *       │ putSeq getSeq │ getSleepers getPending putSleepers│ 256 bytes:   │ 8-aligned        │
 *       │ putPending │ logState │ log: head … capacity gen.  │ a grown      │                  │
 *       │ baseCapacity generation slotLength×2 maxCapacity  │ ring's handle│                  │
 *       │ consumerWakes consumerSleeps (counters)           │              │                  │
 *       └───────────────────────────────────────────────────┴──────────────┴──────────────────┘
 *
 *  record:  ┌──────────┬──────────┬──────────────────────────────┐
 *           │ length   │ kind     │ payload, padded to 8 bytes   │   kind: 1 inline item,
 *           │ (Int32)  │ (Int32)  │                              │   2 spilled item, 3 pad;
 *           │          │          │                              │   +4: a Buffer's raw bytes;
 *           │          │          │                              │   8 number, 9 string,
 *           │          │          │                              │   10-13 constants
 *           └──────────┴──────────┴──────────────────────────────┘
 * ```
 *
 * - A record never wraps: when it does not fit before the end of the ring, a pad record fills
 *   the rest and the record starts at 0. `used` counts pads too. An empty ring restarts at 0, so
 *   a burst after an idle moment gets the whole ring contiguous.
 * - An item whose record would take more than half of the ring is *spilled*: its bytes go
 *   to a heap block of their own (its own segment), and the record holds that block's handle,
 *   which carries one reference for the consumer. So any item fits an empty ring and a put never
 *   waits for space that cannot come.
 * - **Crash safety (a redo log).** Every change of `head tail count used unfinished` is first
 *   written to the log words, then `logState` is set (an `Atomics.store`: the fence that orders
 *   the record bytes and the log before it), then the five words are copied, then `logState` is
 *   cleared. The lock (a `Lock` of `@multiproc/synchronize`, whose state word holds the owner's
 *   thread id) is taken over from a holder that died; the taker sees `lastOwnerDied` and calls
 *   {@link repair}, which replays a pending log. So a process killed at any instruction leaves
 *   either the old state (its record, written past `tail`, is simply not there) or the new one.
 * - **The ring grows** instead of making a put wait: when a record does not fit, the records
 *   move (oldest first) to a block at least twice as large, named by a handle in a slot of the
 *   header, and `generation` counts the moves (see {@link Ring.grow}). So a producer can put
 *   more than the first ring holds and exit. Holders notice a new generation under the lock
 *   and map the new block. Growth stops at `maxCapacity` (the `maxRingBytes` option): there a
 *   put waits for room as at `maxsize`.
 * - Records of numbers, strings and constants carry their value itself (a float64, UTF-8, or
 *   nothing), written and read under the lock without msgpack and without allocation.
 * - The sleeper words are hints, not state: see `engine.ts`.
 */

import { copyBytes } from '@multiproc/native';
import { decode, encodeTrusted } from '@multiproc/serialize';
import type { HeapBlock } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';

/** Header words, then the two handle slots of a grown ring's block; the first ring starts here. */
export const kHeaderBytes = 640;
const kSlotsAt = 128;
/** A handle is ~160 bytes (msgpack of the arena's name, offset, length and generation). */
const kSlotBytes = 256;
const kMagicValue = 0x4d505155; // 'MPQU'

// Header words (Int32 indices).
export const kMagic = 0;
export const kCapacity = 1;
export const kMaxsize = 2;
export const kHead = 3;
export const kTail = 4;
export const kCount = 5;
export const kUsed = 6;
export const kUnfinished = 7;
/** Futex word consumers sleep on; bumped by a put that finds sleepers. */
export const kPutSeq = 8;
/** Futex word producers sleep on; bumped by a get that finds sleepers. */
export const kGetSeq = 9;
export const kGetSleepers = 10;
export const kGetPending = 11;
export const kPutSleepers = 12;
export const kPutPending = 13;
const kLogState = 14;
const kLogHead = 15; // … kLogHead + 6: tail, count, used, unfinished, capacity, generation
/** The ring size the queue was made with (the first ring, in the header's block). */
const kBaseCapacity = 22;
/** How many times the ring grew; generation g > 0 lives in the block named by slot g & 1. */
const kGeneration = 23;
const kSlotLength = 24; // and 25: bytes of the handle in slot 0 and 1, 0 when empty
/** The largest ring the queue grows to (`maxRingBytes`); past it, a put waits for room. */
const kMaxCapacity = 26;
/**
 * Counters for tests and diagnostics, bumped under the lock: consumer wake-ups decided by puts
 * and gets, and consumers that registered to sleep. Batching means wakes <= sleeps.
 */
export const kConsumerWakes = 27;
export const kConsumerSleeps = 28;

// Record header (Int32 offsets from the record's first word).
const kRecordHeaderBytes = 8;
// Record kinds. Msgpack payloads, and a `Buffer`'s bytes as they are (no msgpack copy):
export const kInline = 1;
export const kSpilled = 2;
const kPad = 3;
export const kRawInline = 5;
export const kRawSpilled = 6;
// Primitives, written and read without msgpack (most items of a busy queue are small):
/** A number, as its 8 float64 bytes (which keep -0 and NaN). */
export const kNumber = 8;
/** A string, as UTF-8. */
export const kString = 9;
/** `undefined`, `null`, `false`, `true`: no payload. */
export const kUndefined = 10;
export const kNull = 11;
export const kFalse = 12;
export const kTrue = 13;

/** Whether a record holds a spilled block's handle (the item's bytes live in the block). */
export const isSpilled = (kind: number): boolean => kind === kSpilled || kind === kRawSpilled;

/**
 * The default size of the first ring in bytes: the ring grows when items need more, so this is
 * only what every queue takes of /dev/shm up front. On a loaded 2-vCPU VM the 1 MiB-item case
 * (bench `queue-throughput`) went at 1.2-1.5x CPython from a 256 KiB or a 4 MiB first ring
 * alike, within the noise; 1 MiB items spilled (a segment per item) went at ~100 MB/s.
 */
export const kDefaultCapacity = 256 << 10;
/**
 * The default bound on the ring's growth (`maxRingBytes`): what one queue takes of /dev/shm for
 * its ring at most, whatever producers put while no one reads. Without it, an unbounded queue
 * fed faster than it is drained grew until /dev/shm was full.
 */
export const kDefaultMaxCapacity = 64 << 20;
/**
 * Items up to this many payload bytes go through the ring (which grows to hold them), whatever
 * its first size: spilling costs a segment per item.
 */
const kInlineFloor = 2 << 20;

const align8 = (n: number): number => (n + 7) & ~7;

/** The words and bytes of one queue, with the operations that run under its lock. */
export class Ring {
  readonly words: Int32Array;
  /** The current ring's bytes: the header's block at first, a grown ring's block after. */
  bytes: Uint8Array;
  /** The same bytes, for numbers (float64) and strings (UTF-8) read and written in place. */
  view: DataView;
  text: Buffer;
  capacity: number;
  /** Payload bytes above which an item is spilled to its own block (fixed by the first ring). */
  readonly inlineLimit: number;

  readonly #buffer: SharedArrayBuffer;
  readonly #byteOffset: number;
  /** The ring as Int32 words, for record headers (every record starts 8-aligned). */
  #records: Int32Array;
  /** The generation this holder's views show, and the grown ring's block it holds for them. */
  #generation = 0;
  #grown: HeapBlock | undefined;
  /** Set by `peek`: the head record's payload length and kind (no object per get). */
  length = 0;
  kind = 0;
  // Set by `reserve`, used by `commitPut`.
  #reservedEnd = 0;
  #reservedUsed = 0;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.#buffer = buffer;
    this.#byteOffset = byteOffset;
    this.words = new Int32Array(buffer, byteOffset, kHeaderBytes / 4);
    const base = this.words[kBaseCapacity]!;
    // The first ring's views; `sync()` (under the lock) moves to a grown one.
    this.capacity = base;
    this.bytes = new Uint8Array(buffer, byteOffset + kHeaderBytes, base);
    this.view = new DataView(buffer, byteOffset + kHeaderBytes, base);
    this.text = Buffer.from(buffer, byteOffset + kHeaderBytes, base);
    this.#records = new Int32Array(buffer, byteOffset + kHeaderBytes, base >> 2);
    // Any item up to the limit fits an empty ring of the largest size.
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
    const w = new Int32Array(buffer, byteOffset, kHeaderBytes / 4);
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

  /**
   * Under the lock, after `repair()`: moves this holder's views to the ring another holder grew.
   * The slot's handle carries one reference, kept by the slot: this holder adopts it and takes
   * a new one for the slot at once.
   */
  sync(): void {
    const generation = this.words[kGeneration]!;
    if (generation === this.#generation) return;
    const block = decode(Buffer.from(this.#slot(generation & 1))) as HeapBlock;
    encodeTrusted(block);
    this.#show(block, generation);
  }

  /**
   * Under the lock, when a record of `length` payload bytes does not fit: moves the records to
   * a ring at least twice as large, in a block of its own, so that the ring's bytes never make
   * a put wait (only `maxsize` does). False (nothing changed) when the ring would pass its
   * largest size (`maxRingBytes`): the put then waits for room as with a bounded queue.
   *
   * Crash safety: the new block and its handle (in the slot the current ring does not use) are
   * written first and are invisible until the commit, which sets the new generation and
   * capacity through the redo log. A holder killed before the commit leaves the old ring as it
   * was (the new block is freed when the program ends); after it, the next taker of the lock
   * replays the log and `sync()` finds the new ring through the slot.
   */
  grow(length: number): boolean {
    const w = this.words;
    const used = w[kUsed]!;
    const need = used + kRecordHeaderBytes + align8(length);
    const max = w[kMaxCapacity]!;
    let capacity = this.capacity * 2;
    while (capacity < need) capacity *= 2;
    // The last step stops at the bound itself, so that the bound's whole size is used.
    if (capacity > max) capacity = max;
    if (capacity <= this.capacity || capacity < need) return false;
    const block = heapAllocate(capacity);
    const target = new Uint8Array(block.buffer, block.byteOffset, capacity);
    const moved = this.#moveRecords(target);
    const generation = this.#generation + 1;
    const slot = generation & 1;
    const handle = encodeTrusted(block);
    if (handle.byteLength > kSlotBytes) {
      (decode(handle) as HeapBlock).release();
      block.release();
      return false;
    }
    this.#slot(slot, handle.byteLength).set(handle);
    w[kSlotLength + slot] = handle.byteLength;
    this.#commit(0, moved, w[kCount]!, moved, w[kUnfinished]!, capacity, generation);
    if (generation > 1) {
      // The old ring's slot reference (a holder killed here leaves it until the program ends).
      (decode(Buffer.from(this.#slot(slot ^ 1))) as HeapBlock).release();
      w[kSlotLength + (slot ^ 1)] = 0;
    }
    this.#show(block, generation);
    return true;
  }

  /** Drops this holder's reference to a grown ring (idempotent). */
  release(): void {
    this.#grown?.release();
    this.#grown = undefined;
  }

  /** Copies the records, oldest first and without pads, to the start of `target`. */
  #moveRecords(target: Uint8Array): number {
    const w = this.words;
    if (w[kUsed]! === 0) return 0;
    const head = w[kHead]!;
    const tail = w[kTail]!;
    if (tail > head) {
      copyBytes(target, 0, this.bytes, head, tail - head);
      return tail - head;
    }
    // Wrapped: from the head to the pad (or the end), then from 0 to the tail.
    let end = head;
    while (end < this.capacity && this.#kindAt(end) !== kPad) {
      end += kRecordHeaderBytes + align8(this.#lengthAt(end));
    }
    copyBytes(target, 0, this.bytes, head, end - head);
    copyBytes(target, end - head, this.bytes, 0, tail);
    return end - head + tail;
  }

  #slot(slot: number, length = this.words[kSlotLength + slot]!): Uint8Array {
    return new Uint8Array(this.#buffer, this.#byteOffset + kSlotsAt + slot * kSlotBytes, length);
  }

  #show(block: HeapBlock, generation: number): void {
    const capacity = this.words[kCapacity]!;
    this.#grown?.release();
    this.#grown = block;
    this.#generation = generation;
    this.capacity = capacity;
    this.bytes = new Uint8Array(block.buffer, block.byteOffset, capacity);
    this.view = new DataView(block.buffer, block.byteOffset, capacity);
    this.text = Buffer.from(block.buffer, block.byteOffset, capacity);
    this.#records = new Int32Array(block.buffer, block.byteOffset, capacity >> 2);
  }

  get maxsize(): number {
    return this.words[kMaxsize]!;
  }

  /** The largest size the ring may grow to, in bytes. */
  get maxCapacity(): number {
    return this.words[kMaxCapacity]!;
  }

  count(): number {
    return Atomics.load(this.words, kCount);
  }

  /** Whether `maxsize` allows one more item (the ring may still lack room). */
  belowMaxsize(): boolean {
    const max = this.words[kMaxsize]!;
    return max === 0 || this.words[kCount]! < max;
  }

  /**
   * Under the lock: whether a quarter of the queue is free, by count and by the ring's bytes
   * (which bound a put only when the ring cannot grow further).
   */
  roomForBatch(): boolean {
    const w = this.words;
    const max = w[kMaxsize]!;
    if (max > 0 && w[kCount]! > max - Math.ceil(max / 4)) return false;
    return w[kUsed]! <= this.capacity - (this.capacity >> 2);
  }

  /**
   * Under the lock: makes room for a record of `length` payload bytes and writes its header
   * (and a pad before it), past `tail` where no reader looks. Returns the payload's offset, for
   * the caller to fill and then `commitPut()`; or -1 (nothing written) when the ring lacks room.
   */
  reserve(length: number, kind: number): number {
    const w = this.words;
    const cap = this.capacity;
    const need = kRecordHeaderBytes + align8(length);
    const head = w[kHead]!;
    const tail = w[kTail]!;
    const used = w[kUsed]!;
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
    this.#reservedUsed = used + pad + need;
    return at + kRecordHeaderBytes;
  }

  /** Under the lock, after `reserve` and filling the payload: makes the record visible. */
  commitPut(joinable: boolean): void {
    const w = this.words;
    this.#commit(
      w[kHead]!,
      this.#reservedEnd,
      w[kCount]! + 1,
      this.#reservedUsed,
      w[kUnfinished]! + (joinable ? 1 : 0),
      this.capacity,
      this.#generation,
    );
  }

  /**
   * Under the lock: the payload offset of the record at the head (skipping a pad), with its
   * length and kind in `this.length` and `this.kind`; -1 when the queue is empty.
   */
  peek(): number {
    const w = this.words;
    if (w[kCount]! === 0) return -1;
    let head = w[kHead]!;
    let kind = this.#kindAt(head);
    if (kind === kPad) {
      head = 0;
      kind = this.#kindAt(0);
    }
    this.kind = kind;
    this.length = this.#lengthAt(head);
    return head + kRecordHeaderBytes;
  }

  /** Under the lock: removes the record `peek` found at `offset`, and commits. */
  drop(offset: number): void {
    const w = this.words;
    const cap = this.capacity;
    const head = w[kHead]!;
    const start = offset - kRecordHeaderBytes;
    const end = offset + align8(this.length);
    const freed = (start < head ? cap - head : 0) + (end - start);
    const count = w[kCount]! - 1;
    const g = this.#generation;
    if (count === 0) this.#commit(0, 0, 0, 0, w[kUnfinished]!, cap, g);
    else {
      const next = end === cap ? 0 : end;
      this.#commit(next, w[kTail]!, count, w[kUsed]! - freed, w[kUnfinished]!, cap, g);
    }
  }

  /** Under the lock: one `taskDone()`; false if there was no unfinished task. */
  taskDone(): boolean {
    const w = this.words;
    const unfinished = w[kUnfinished]!;
    if (unfinished <= 0) return false;
    Atomics.store(w, kUnfinished, unfinished - 1);
    return true;
  }

  /** Under a lock taken over from a dead holder: finishes the holder's half-applied commit. */
  repair(): void {
    if (Atomics.load(this.words, kLogState) === 1) this.#apply();
  }

  #commit(
    head: number,
    tail: number,
    count: number,
    used: number,
    unfinished: number,
    capacity: number,
    generation: number,
  ): void {
    const w = this.words;
    w[kLogHead] = head;
    w[kLogHead + 1] = tail;
    w[kLogHead + 2] = count;
    w[kLogHead + 3] = used;
    w[kLogHead + 4] = unfinished;
    w[kLogHead + 5] = capacity;
    w[kLogHead + 6] = generation;
    Atomics.store(w, kLogState, 1);
    this.#apply();
  }

  #apply(): void {
    const w = this.words;
    w[kHead] = w[kLogHead]!;
    w[kTail] = w[kLogHead + 1]!;
    w[kUsed] = w[kLogHead + 3]!;
    w[kUnfinished] = w[kLogHead + 4]!;
    w[kCapacity] = w[kLogHead + 5]!;
    w[kGeneration] = w[kLogHead + 6]!;
    Atomics.store(w, kCount, w[kLogHead + 2]!);
    Atomics.store(w, kLogState, 0);
  }

  #header(at: number, length: number, kind: number): void {
    this.#records[at >> 2] = length;
    this.#records[(at >> 2) + 1] = kind;
  }

  #kindAt(at: number): number {
    return this.#records[(at >> 2) + 1]!;
  }

  #lengthAt(at: number): number {
    return this.#records[at >> 2]!;
  }
}
