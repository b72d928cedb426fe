/**
 * The ring's views and its growth: the bytes this holder reads and writes records in (the first
 * ring, in the header's block, or the latest grown ring's block), the move of the records to a
 * ring twice as large when a put does not fit, and a holder's move of its views to a ring
 * another holder grew. The operations on records are in ring.ts.
 */
import { copyBytes } from '@multiproc/native';
import { decode, encodeTrusted } from '@multiproc/serialize';
import type { HeapBlock } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import {
  align8,
  kBaseCapacity,
  kCapacity,
  kGeneration,
  kGetBytes,
  kGrowLog,
  kGrowState,
  kHead,
  kHeaderBytes,
  kHeaderWords,
  kHeadPart,
  kMaxCapacity,
  kPad,
  kPutBytes,
  kRecordHeaderBytes,
  kSlotBytes,
  kSlotLength,
  kSlotsAt,
  kTail,
  kTailPart,
} from './layout.js';

/** One holder's views of the current ring, and the growth that replaces it. */
export class RingViews {
  readonly words: Int32Array;
  /** The current ring's bytes: the header's block at first, a grown ring's block after. */
  bytes: Uint8Array;
  /** The same bytes, for numbers (float64) and strings (UTF-8) read and written in place. */
  view: DataView;
  text: Buffer;
  capacity: number;

  readonly #buffer: SharedArrayBuffer;
  readonly #byteOffset: number;
  /** The ring as Int32 words, for record headers (every record starts 8-aligned). */
  protected records: Int32Array;
  /** The generation this holder's views show, and the grown ring's block it holds for them. */
  #generation = 0;
  #grown: HeapBlock | undefined;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.#buffer = buffer;
    this.#byteOffset = byteOffset;
    this.words = new Int32Array(buffer, byteOffset, kHeaderWords);
    const base = this.words[kBaseCapacity]!;
    // The first ring's views; `sync()` (under a lock) moves to a grown one.
    this.capacity = base;
    this.bytes = new Uint8Array(buffer, byteOffset + kHeaderBytes, base);
    this.view = new DataView(buffer, byteOffset + kHeaderBytes, base);
    this.text = Buffer.from(buffer, byteOffset + kHeaderBytes, base);
    this.records = new Int32Array(buffer, byteOffset + kHeaderBytes, base >> 2);
  }

  /**
   * Under either lock, after its repair: moves this holder's views to the ring another holder
   * grew (a generation changes only under both locks). The slot's handle carries one reference,
   * kept by the slot: this holder adopts it and takes a new one for the slot at once.
   */
  sync(): void {
    const generation = this.words[kGeneration]!;
    if (generation === this.#generation) return;
    const block = decode(Buffer.from(this.#slot(generation & 1))) as HeapBlock;
    encodeTrusted(block);
    this.#show(block, generation);
  }

  /**
   * Under both locks, when a record of `length` payload bytes does not fit: moves the records to
   * a ring at least twice as large, in a block of its own, so that the ring's bytes never make
   * a put wait (only `maxsize` does). False (nothing changed) when the ring would pass its
   * largest size (`maxRingBytes`): the put then waits for room as with a bounded queue.
   *
   * Crash safety: the new block and its handle (in the slot the current ring does not use) are
   * written first and are invisible until the commit, which goes through the grow log: its
   * words, then `growState` with a bit per side, then each side's words. A holder killed holding
   * both locks leaves two locks to take over, maybe by two processes at once: each taker replays
   * only its own side's part (`tail`, or `head getBytes`; `capacity generation` are the same for
   * both) and clears its bit, so neither overwrites what the other side does next. Killed before
   * the commit, it leaves the old ring as it was (the new block is freed when the program ends).
   */
  grow(length: number): boolean {
    const w = this.words;
    const used = (w[kPutBytes]! - w[kGetBytes]!) | 0;
    const need = used + kRecordHeaderBytes + align8(length);
    const max = w[kMaxCapacity]!;
    let capacity = this.capacity * 2;
    while (capacity < need) capacity *= 2;
    // The last step stops at the bound itself, so that the bound's whole size is used.
    if (capacity > max) capacity = max;
    if (capacity <= this.capacity || capacity < need) return false;
    const block = heapAllocate(capacity);
    const target = new Uint8Array(block.buffer, block.byteOffset, capacity);
    const moved = this.#moveRecords(target, used);
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
    // The pads stay behind: the bytes in use become the records' bytes.
    w[kGrowLog] = 0;
    w[kGrowLog + 1] = (w[kPutBytes]! - moved) | 0;
    w[kGrowLog + 2] = moved;
    w[kGrowLog + 3] = capacity;
    w[kGrowLog + 4] = generation;
    Atomics.store(w, kGrowState, kTailPart | kHeadPart);
    this.applyGrowth(kTailPart);
    this.applyGrowth(kHeadPart);
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

  /** Copies the `used` bytes of records, oldest first and without pads, to the start of `target`. */
  #moveRecords(target: Uint8Array, used: number): number {
    if (used === 0) return 0;
    const w = this.words;
    const head = w[kHead]!;
    const tail = w[kTail]!;
    if (tail > head) {
      copyBytes(target, 0, this.bytes, head, tail - head);
      return tail - head;
    }
    // Wrapped (or full): from the head to the pad (or the end), then from 0 to the tail.
    let end = head;
    while (end < this.capacity && this.kindAt(end) !== kPad) {
      end += kRecordHeaderBytes + align8(this.lengthAt(end));
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
    this.records = new Int32Array(block.buffer, block.byteOffset, capacity >> 2);
  }

  protected applyGrowth(part: number): void {
    const w = this.words;
    if (part === kTailPart) w[kTail] = w[kGrowLog + 2]!;
    else {
      w[kHead] = w[kGrowLog]!;
      Atomics.store(w, kGetBytes, w[kGrowLog + 1]!);
    }
    w[kCapacity] = w[kGrowLog + 3]!;
    w[kGeneration] = w[kGrowLog + 4]!;
    Atomics.and(w, kGrowState, ~part);
  }

  protected kindAt(at: number): number {
    return this.records[(at >> 2) + 1]!;
  }

  protected lengthAt(at: number): number {
    return this.records[at >> 2]!;
  }
}
