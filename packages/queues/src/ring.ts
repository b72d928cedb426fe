/**
 * The queue's shared state and the ring of records, with the operations done under the queue's
 * lock. Nothing here waits or wakes; `engine.ts` does that.
 *
 * One heap block holds everything (a block over 64 KiB is a segment of its own, see heap.ts):
 *
 * ```
 *  byte 0                                                          128                 128 + capacity
 *       ┌──────────────── header: 32 Int32 words ──────────────────┬───── ring ─────────┐
 *       │ magic capacity maxsize │ head tail count used unfinished  │ records, 8-aligned │
 *       │ putSeq getSeq │ getSleepers getPending putSleepers       │                    │
 *       │ putPending │ logState │ log: head tail count used unfin. │                    │
 *       └──────────────────────────────────────────────────────────┴────────────────────┘
 *
 *  record:  ┌──────────┬──────────┬──────────────────────────────┐
 *           │ length   │ kind     │ payload, padded to 8 bytes   │   kind: 1 inline item,
 *           │ (Int32)  │ (Int32)  │                              │   2 spilled item, 3 pad;
 *           │          │          │                              │   +4: a Buffer's raw bytes
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
 * - The sleeper words are hints, not state: see `engine.ts`.
 */

/** Header size in bytes; the ring starts here. */
export const kHeaderBytes = 128;
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
const kLogHead = 15; // … kLogHead + 4: tail, count, used, unfinished

// Record header (Int32 offsets from the record's first word).
const kRecordHeaderBytes = 8;
export const kInline = 1;
export const kSpilled = 2;
const kPad = 3;
/** Added to `kInline`/`kSpilled`: the payload is a `Buffer`'s bytes as they are, not msgpack. */
export const kRaw = 4;

/**
 * The default ring size in bytes. Measured between two processes on a loaded 2-vCPU VM: 1 MiB
 * items went at ~100 MB/s spilled (a segment created, attached and unlinked per item) and at
 * 0.5-1 GB/s through a 4 MiB ring, whose half holds them.
 */
export const kDefaultCapacity = 4 << 20;

const align8 = (n: number): number => (n + 7) & ~7;

/** What a get found at the head: the payload's place in the ring and its kind. */
export interface RecordView {
  readonly offset: number;
  readonly length: number;
  readonly kind: number;
}

/** The words and bytes of one queue, with the operations that run under its lock. */
export class Ring {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  readonly capacity: number;
  /** Payload bytes above which an item is spilled to its own block. */
  readonly inlineLimit: number;

  /** The ring as Int32 words, for record headers (every record starts 8-aligned). */
  readonly #records: Int32Array;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.words = new Int32Array(buffer, byteOffset, kHeaderBytes / 4);
    this.capacity = this.words[kCapacity]!;
    this.bytes = new Uint8Array(buffer, byteOffset + kHeaderBytes, this.capacity);
    this.#records = new Int32Array(buffer, byteOffset + kHeaderBytes, this.capacity >> 2);
    this.inlineLimit = (this.capacity >> 1) - kRecordHeaderBytes;
  }

  /** Formats a fresh (zero-filled) block. */
  static format(buffer: SharedArrayBuffer, byteOffset: number, capacity: number, maxsize: number) {
    const w = new Int32Array(buffer, byteOffset, kHeaderBytes / 4);
    w[kCapacity] = capacity;
    w[kMaxsize] = maxsize;
    Atomics.store(w, kMagic, kMagicValue);
  }

  /** Whether a block holds a queue (a handle that arrived is checked with this). */
  static isFormatted(buffer: SharedArrayBuffer, byteOffset: number): boolean {
    return Atomics.load(new Int32Array(buffer, byteOffset, 1), 0) === kMagicValue;
  }

  get maxsize(): number {
    return this.words[kMaxsize]!;
  }

  count(): number {
    return Atomics.load(this.words, kCount);
  }

  /** Whether `maxsize` allows one more item (the ring may still lack room). */
  belowMaxsize(): boolean {
    const max = this.words[kMaxsize]!;
    return max === 0 || this.words[kCount]! < max;
  }

  /** Under the lock: whether a quarter of the queue (by count and by bytes) is free. */
  roomForBatch(): boolean {
    const w = this.words;
    const max = w[kMaxsize]!;
    if (max > 0 && w[kCount]! > max - Math.ceil(max / 4)) return false;
    return w[kUsed]! <= this.capacity - (this.capacity >> 2);
  }

  /**
   * Under the lock: writes a record of `length` payload bytes, filled by `fill(offset)`, and
   * commits it. Returns false (and writes nothing visible) when the ring lacks room.
   */
  tryPut(length: number, kind: number, fill: (offset: number) => void, joinable: boolean): boolean {
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
        if (need > head) return false;
        pad = cap - tail;
        at = 0;
      }
    } else if (need > head - tail) {
      return false;
    }
    if (pad > 0) this.#header(tail, pad - kRecordHeaderBytes, kPad);
    this.#header(at, length, kind);
    fill(at + kRecordHeaderBytes);
    const end = at + need;
    this.#commit(
      head,
      end === cap ? 0 : end,
      w[kCount]! + 1,
      used + pad + need,
      w[kUnfinished]! + (joinable ? 1 : 0),
    );
    return true;
  }

  /** Under the lock: the record at the head (skipping a pad), or undefined when empty. */
  peek(): RecordView | undefined {
    const w = this.words;
    if (w[kCount]! === 0) return undefined;
    let head = w[kHead]!;
    let kind = this.#kindAt(head);
    if (kind === kPad) {
      head = 0;
      kind = this.#kindAt(0);
    }
    const length = this.#lengthAt(head);
    return { offset: head + kRecordHeaderBytes, length, kind };
  }

  /** Under the lock: removes the record `peek` returned, and commits. */
  drop(record: RecordView): void {
    const w = this.words;
    const cap = this.capacity;
    const head = w[kHead]!;
    const start = record.offset - kRecordHeaderBytes;
    const end = record.offset + align8(record.length);
    const freed = (start < head ? cap - head : 0) + (end - start);
    const count = w[kCount]! - 1;
    if (count === 0) this.#commit(0, 0, 0, 0, w[kUnfinished]!);
    else this.#commit(end === cap ? 0 : end, w[kTail]!, count, w[kUsed]! - freed, w[kUnfinished]!);
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

  #commit(head: number, tail: number, count: number, used: number, unfinished: number): void {
    const w = this.words;
    w[kLogHead] = head;
    w[kLogHead + 1] = tail;
    w[kLogHead + 2] = count;
    w[kLogHead + 3] = used;
    w[kLogHead + 4] = unfinished;
    Atomics.store(w, kLogState, 1);
    this.#apply();
  }

  #apply(): void {
    const w = this.words;
    w[kHead] = w[kLogHead]!;
    w[kTail] = w[kLogHead + 1]!;
    w[kUsed] = w[kLogHead + 3]!;
    w[kUnfinished] = w[kLogHead + 4]!;
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
