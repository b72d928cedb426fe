/**
 * `ShareableList`: a fixed-length list of numbers, strings, booleans, `null` and bytes, stored in
 * one `SharedMemory` segment, as Python's `shared_memory.ShareableList`.
 *
 * Segment layout:
 *
 * ```
 *  0        4        8              16                         16 + 16·length
 *  ┌────────┬────────┬──────────────┬──────────────────────────┬──────────────────────────┐
 *  │ magic  │ length │ reserved     │ slot 0 … slot length-1    │ data: each item's bytes, │
 *  │ 'MPSL' │        │              │ (16 B each, below)        │ 8-aligned, fixed per item│
 *  └────────┴────────┴──────────────┴──────────────────────────┴──────────────────────────┘
 *  slot: ┌ tag u32 ┬ capacity u32 ┬ data offset u32 ┬ byte length u32 ┐
 *        tag: 0 null, 1 number (float64), 2 boolean, 3 string (UTF-8), 4 bytes
 * ```
 *
 * Each item keeps the capacity it was created with (at least 8 bytes, rounded up to 8): `set()`
 * accepts any supported value that fits, as Python's does for strings and bytes. There is no
 * locking; guard concurrent writers with a Lock, as in Python.
 */
import { invalidArgument, registerShareable } from '@multiproc/serialize';
import { SharedMemory } from './shared-memory.js';

const kMagic = 0x4d50534c; // 'MPSL'
const kHeaderBytes = 16;
const kSlotBytes = 16;

const enum Tag {
  Null = 0,
  Number = 1,
  Boolean = 2,
  String = 3,
  Bytes = 4,
}

/**
 * A value a `ShareableList` can hold.
 *
 * @example
 * ```ts
 * const items: ShareableValue[] = [1, 'a', true, null, new Uint8Array([1])];
 * ```
 */
export type ShareableValue = number | string | boolean | null | Uint8Array;

/**
 * Options of `new ShareableList()`.
 *
 * @example
 * ```ts
 * new ShareableList(null, { name: 'mp_3f9c0a12be4d0' }); // attach
 * ```
 */
export interface ShareableListOptions {
  /**
   * With a sequence: the name of the segment to create (a unique `mp_…` name if omitted).
   * Without one: the name of an existing list to attach to.
   */
  name?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encodeItem(
  value: unknown,
  path: string,
): { tag: Tag; bytes: Uint8Array | undefined; length: number } {
  if (value === null) return { tag: Tag.Null, bytes: undefined, length: 0 };
  switch (typeof value) {
    case 'number':
      return { tag: Tag.Number, bytes: undefined, length: 8 };
    case 'boolean':
      return { tag: Tag.Boolean, bytes: undefined, length: 1 };
    case 'string': {
      const bytes = encoder.encode(value);
      return { tag: Tag.String, bytes, length: bytes.length };
    }
    default:
      if (value instanceof Uint8Array)
        return { tag: Tag.Bytes, bytes: value, length: value.length };
      throw invalidArgument(path, 'a number, string, boolean, null or Uint8Array', value);
  }
}

/**
 * A fixed-length list in shared memory that any process can attach to by name.
 *
 * @example
 * ```ts
 * const list = new ShareableList(['howdy', 42, -273.154, 100.0, true, null]);
 * list.get(0);           // → 'howdy'
 * list.set(1, 7);
 * // in another process:
 * const same = new ShareableList(null, { name: list.shm.name });
 * same.toArray();        // → ['howdy', 7, -273.154, 100, true, null]
 * same.shm.close();
 * list.shm.close();
 * list.shm.unlink();
 * ```
 */
export class ShareableList {
  /** The segment holding the list. Close (and unlink, from one process) it when done. */
  readonly shm: SharedMemory;
  #view: DataView;
  #bytes: Uint8Array;
  #length: number;

  constructor(sequence?: Iterable<ShareableValue> | null, options: ShareableListOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw invalidArgument('options', 'an object', options);
    if (sequence === undefined || sequence === null) {
      if (options.name === undefined) {
        throw new TypeError(
          'ShareableList needs a sequence to create a list, or options.name to attach to one',
        );
      }
      this.shm = new SharedMemory({ name: options.name });
      this.#view = new DataView(this.shm.buf);
      if (this.shm.size < kHeaderBytes || this.#view.getUint32(0, true) !== kMagic) {
        this.shm.close();
        throw new TypeError(
          `shared memory segment ${JSON.stringify(options.name)} does not hold a ShareableList`,
        );
      }
      this.#length = this.#view.getUint32(4, true);
      this.#bytes = new Uint8Array(this.shm.buf);
      return;
    }
    if (typeof (sequence as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw invalidArgument('sequence', 'an iterable (or null to attach by name)', sequence);
    }
    // Validate everything before the segment exists.
    const values = [...sequence];
    const items = values.map((value, i) => encodeItem(value, `sequence[${i}]`));
    const capacities = items.map((item) => Math.max(8, Math.ceil(item.length / 8) * 8));
    const dataStart = kHeaderBytes + kSlotBytes * items.length;
    const size = dataStart + capacities.reduce((a, b) => a + b, 0);
    this.shm = new SharedMemory({
      create: true,
      size,
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    this.#view = new DataView(this.shm.buf);
    this.#bytes = new Uint8Array(this.shm.buf);
    this.#length = items.length;
    let offset = dataStart;
    items.forEach((_, i) => {
      const slot = kHeaderBytes + i * kSlotBytes;
      this.#view.setUint32(slot + 4, capacities[i]!, true);
      this.#view.setUint32(slot + 8, offset, true);
      offset += capacities[i]!;
    });
    values.forEach((value, i) => this.#write(i, value));
    this.#view.setUint32(4, items.length, true);
    this.#view.setUint32(0, kMagic, true);
  }

  /** The number of items (fixed at creation). */
  get length(): number {
    return this.#length;
  }

  #slot(index: unknown): number {
    if (typeof index !== 'number' || !Number.isInteger(index))
      throw invalidArgument('index', 'an integer', index);
    const i = index < 0 ? index + this.#length : index;
    if (i < 0 || i >= this.#length) {
      throw new RangeError(
        `index ${index} is out of range for a ShareableList of length ${this.#length}`,
      );
    }
    return kHeaderBytes + i * kSlotBytes;
  }

  /** The item at `index` (negative counts from the end). Bytes come back as a fresh `Uint8Array`. */
  get(index: number): ShareableValue {
    const slot = this.#slot(index);
    const v = this.#view;
    const offset = v.getUint32(slot + 8, true);
    switch (v.getUint32(slot, true) as Tag) {
      case Tag.Null:
        return null;
      case Tag.Number:
        return v.getFloat64(offset, true);
      case Tag.Boolean:
        return v.getUint8(offset) !== 0;
      case Tag.String:
        return decoder.decode(this.#bytes.slice(offset, offset + v.getUint32(slot + 12, true)));
      case Tag.Bytes:
        return this.#bytes.slice(offset, offset + v.getUint32(slot + 12, true));
    }
  }

  /**
   * Replaces the item at `index`. Any supported value that fits the item's capacity is accepted;
   * a longer string or byte array throws a `RangeError` naming both sizes.
   */
  set(index: number, value: ShareableValue): void {
    const slot = this.#slot(index);
    const item = encodeItem(value, 'value');
    const capacity = this.#view.getUint32(slot + 4, true);
    if (item.length > capacity) {
      throw new RangeError(
        `item ${index} of this ShareableList holds at most ${capacity} bytes; the new value needs ${item.length}`,
      );
    }
    this.#write((slot - kHeaderBytes) / kSlotBytes, value);
  }

  #write(i: number, value: ShareableValue): void {
    const slot = kHeaderBytes + i * kSlotBytes;
    const v = this.#view;
    const offset = v.getUint32(slot + 8, true);
    const item = encodeItem(value, `sequence[${i}]`);
    if (item.tag === Tag.Number) v.setFloat64(offset, value as number, true);
    else if (item.tag === Tag.Boolean) v.setUint8(offset, value ? 1 : 0);
    else if (item.bytes) this.#bytes.set(item.bytes, offset);
    v.setUint32(slot + 12, item.length, true);
    v.setUint32(slot, item.tag, true);
  }

  /** A plain array copy of the items. */
  toArray(): ShareableValue[] {
    return Array.from({ length: this.#length }, (_, i) => this.get(i));
  }

  /** Iterates over the items. */
  *[Symbol.iterator](): IterableIterator<ShareableValue> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }
}

registerShareable<ShareableList>({
  name: 'multiproc.ShareableList',
  Class: ShareableList,
  module: import.meta.url,
  toHandle: (list) => list.shm.name,
  fromHandle: (name) => new ShareableList(null, { name: name as string }),
});
