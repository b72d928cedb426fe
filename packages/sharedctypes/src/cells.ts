/**
 * Typed elements in a heap block: plain reads and writes (for the raw types, and under a held
 * lock) and whole-element atomic ones (for the synchronized types, so a single read or write
 * needs no lock). `'f'` is read atomically through an `Int32Array` over the same bytes;
 * `'d'` has no atomic form (`Atomics` has no 64-bit float access), so synchronized types take
 * their lock for it, as Python does for every access.
 */
import type { HeapBlock } from '@multiproc/shared-memory';
import { checkElement, fromStored, type AnyView, type CodeInfo } from './typecodes.js';

/** The views `Atomics` works on: every one but the floats'. */
type AtomicView = Exclude<AnyView, Float32Array | Float64Array>;

type Stored = number | bigint;

const scratch = new ArrayBuffer(4);
const scratchInt = new Int32Array(scratch);
const scratchFloat = new Float32Array(scratch);

/** `length` elements of one typecode at the start of a heap block. */
export class Cells {
  readonly info: CodeInfo;
  readonly length: number;
  /** The typed array over the elements (a `Uint8Array` for `'c'`). */
  readonly view: {
    [index: number]: Stored;
    /** The number of elements. */
    length: number;
  };
  readonly #atomic: AtomicView | undefined;
  readonly #float32Bits: Int32Array | undefined;

  constructor(info: CodeInfo, block: HeapBlock, length: number) {
    this.info = info;
    this.length = length;
    this.view = new info.View(block.buffer, block.byteOffset, length);
    this.#float32Bits =
      info.code === 'f' ? new Int32Array(block.buffer, block.byteOffset, length) : undefined;
    this.#atomic =
      info.kind === 'int' || info.kind === 'bigint' || info.kind === 'char'
        ? (this.view as AtomicView)
        : undefined;
  }

  /** Element `i` (already range-checked), plain read. */
  get(i: number): Stored | string {
    return fromStored(this.info, this.view[i]!);
  }

  /** Writes `value` (unchecked, as stored) at `i`, plain write. */
  setStored(i: number, stored: Stored): void {
    this.view[i] = stored;
  }

  /** Checks and writes, plain. */
  set(i: number, value: unknown, path: string): void {
    this.view[i] = checkElement(this.info, value, path);
  }

  /** Whether single elements can be read and written atomically. */
  get atomic(): boolean {
    return this.info.atomic;
  }

  /** Element `i`, read whole with `Atomics` (not for `'d'`). */
  getAtomic(i: number): Stored | string {
    const atomic = this.#atomic;
    if (atomic !== undefined) return fromStored(this.info, Atomics.load(atomic as Int32Array, i));
    scratchInt[0] = Atomics.load(this.#float32Bits!, i);
    return scratchFloat[0]!;
  }

  /** Checks `value` and writes it whole with `Atomics` (not for `'d'`). */
  setAtomic(i: number, value: unknown, path: string): void {
    const stored = checkElement(this.info, value, path);
    const atomic = this.#atomic;
    if (atomic !== undefined) {
      Atomics.store(atomic as Int32Array, i, stored as number);
      return;
    }
    scratchFloat[0] = stored as number;
    Atomics.store(this.#float32Bits!, i, scratchInt[0]!);
  }
}
