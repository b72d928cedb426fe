/**
 * `RawValue` and `Value`: one typed element in a block of the shared-memory heap.
 */
import { closedError, registerShareable } from '@multiproc/serialize';
import { heapAllocate, type HeapBlock } from '@multiproc/shared-memory';
import type { AcquireOptions, Lock, RLock } from '@multiproc/synchronize';
import { Cells } from './cells.js';
import { checkLockOption, lockFromOptions, type SynchronizedOptions } from './lock-option.js';
import {
  checkElement,
  codeInfo,
  type CodeInfo,
  type ElementOf,
  type Typecode,
} from './typecodes.js';

type Lifecycle = 'open' | 'closed';

/** Set while an object is rebuilt from a handle: its block (and lock) instead of new ones. */
let adopting: { block: HeapBlock; lock: Lock | RLock | undefined; borrowed: boolean } | undefined;

function take(
  info: CodeInfo,
  length: number,
): { block: HeapBlock; fresh: boolean; borrowed: boolean } {
  const adopted = adopting;
  adopting = undefined;
  if (adopted !== undefined)
    return { block: adopted.block, fresh: false, borrowed: adopted.borrowed };
  return { block: heapAllocate(Math.max(8, info.bytes * length)), fresh: true, borrowed: false };
}

/**
 * One typed value in shared memory, without a lock, as Python's `sharedctypes.RawValue`: reads
 * and writes are plain memory accesses (the fastest), so guard read-modify-write updates with a
 * lock of your own. Pass it to a `Process` and the child sees the same memory.
 *
 * @example
 * ```ts
 * import { RawValue } from '@multiproc/sharedctypes';
 * import { Lock } from '@multiproc/synchronize';
 *
 * const counter = new RawValue('i', 0);
 * const lock = new Lock();
 * lock.withLockSync(() => { counter.value += 1; });
 * ```
 */
export class RawValue<C extends Typecode = Typecode> implements Disposable {
  /** The typecode. */
  readonly typecode: C;
  readonly #cells: Cells;
  readonly #block: HeapBlock;
  readonly #info: CodeInfo;
  readonly #view: Cells['view'];
  readonly #borrowed: boolean;
  #state: Lifecycle = 'open';

  /**
   * @param typecode - see {@link Typecode}.
   * @param initial - the initial value (a `bigint` for 64-bit codes, a one-character string for
   *   `'c'`); zero if omitted.
   */
  constructor(typecode: C, initial?: ElementOf<C>) {
    const info = codeInfo(typecode);
    const stored = initial === undefined ? undefined : checkElement(info, initial, 'initial');
    const { block, fresh, borrowed } = take(info, 1);
    this.typecode = typecode;
    this.#info = info;
    this.#block = block;
    this.#borrowed = borrowed;
    this.#cells = new Cells(info, block, 1);
    this.#view = this.#cells.view;
    if (fresh && stored !== undefined) this.#cells.setStored(0, stored);
  }

  /** The value (a plain read). */
  get value(): ElementOf<C> {
    if (this.#state !== 'open') throw closedError('RawValue');
    const stored = this.#view[0]!;
    return (
      this.#info.kind === 'char' ? String.fromCharCode(stored as number) : stored
    ) as ElementOf<C>;
  }

  /** Sets the value (a plain write); a `TypeError`/`RangeError` if it does not fit the typecode. */
  set value(value: ElementOf<C>) {
    if (this.#state !== 'open') throw closedError('RawValue');
    this.#view[0] = checkElement(this.#info, value, 'value');
  }

  /** The typed array over the value's memory (length 1). */
  get view(): Cells['view'] {
    return this.#view;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Drops this object's hold on the shared memory (idempotent).
   *
   * @example
   * ```ts
   * counter.close();
   * ```
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (!this.#borrowed) this.#block.release();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `RawValue('i', 3)`. */
  toString(): string {
    return `RawValue('${this.typecode}', ${String(this.value)})`;
  }

  /** @internal */
  static toHandle(value: RawValue): { block: HeapBlock; typecode: Typecode } {
    if (value.#state !== 'open') throw closedError('RawValue');
    return { block: value.#block, typecode: value.typecode };
  }
}

/**
 * One typed value in shared memory with a lock, as Python's `multiprocessing.Value`. A single
 * read or write of `.value` is atomic (`Atomics` where the typecode allows, the lock for `'d'`);
 * a read-modify-write such as `v.value += 1` is not, as in Python: hold the lock around it.
 *
 * @example
 * ```ts
 * import { Value } from '@multiproc/sharedctypes';
 *
 * const num = new Value('d', 0.0);
 * num.value = 3.1415927;
 * const counter = new Value('i', 0);
 * await counter.getLock().withLock(() => { counter.value += 1; });
 * ```
 */
export class Value<C extends Typecode = Typecode> implements Disposable {
  /** The typecode. */
  readonly typecode: C;
  readonly #cells: Cells;
  readonly #block: HeapBlock;
  readonly #lock: Lock | RLock | undefined;
  readonly #ownsLock: boolean;
  #state: Lifecycle = 'open';

  /**
   * @param typecode - see {@link Typecode}.
   * @param initial - the initial value; zero if omitted.
   * @param options - `lock`: `true` (a new `RLock`, the default), `false`, or a lock to share.
   */
  constructor(typecode: C, initial?: ElementOf<C>, options?: SynchronizedOptions) {
    const info = codeInfo(typecode);
    const stored = initial === undefined ? undefined : checkElement(info, initial, 'initial');
    const adopted = adopting;
    if (adopted === undefined) checkLockOption(options);
    const { block, fresh } = take(info, 1);
    this.typecode = typecode;
    this.#block = block;
    this.#cells = new Cells(info, block, 1);
    if (fresh && stored !== undefined) this.#cells.setStored(0, stored);
    if (adopted !== undefined) {
      this.#lock = adopted.lock;
      this.#ownsLock = adopted.lock !== undefined;
    } else {
      const { lock, owned } = lockFromOptions(options);
      this.#lock = lock;
      this.#ownsLock = owned;
    }
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw closedError('Value');
  }

  /** The value: one atomic read (under the lock for `'d'`). */
  get value(): ElementOf<C> {
    this.#assertOpen();
    const cells = this.#cells;
    if (cells.atomic) return cells.getAtomic(0) as ElementOf<C>;
    const lock = this.#lock;
    if (lock === undefined) return cells.get(0) as ElementOf<C>;
    lock.acquireSync();
    try {
      return cells.get(0) as ElementOf<C>;
    } finally {
      lock.release();
    }
  }

  /** Sets the value: one atomic write (under the lock for `'d'`). */
  set value(value: ElementOf<C>) {
    this.#assertOpen();
    const cells = this.#cells;
    if (cells.atomic) {
      cells.setAtomic(0, value, 'value');
      return;
    }
    const lock = this.#lock;
    if (lock === undefined) {
      cells.set(0, value, 'value');
      return;
    }
    const stored = checkElement(cells.info, value, 'value');
    lock.acquireSync();
    try {
      cells.setStored(0, stored);
    } finally {
      lock.release();
    }
  }

  /**
   * The lock guarding this value (Python's `get_lock()`). Throws if it was made with
   * `lock: false`.
   *
   * @example
   * ```ts
   * counter.getLock().withLockSync(() => { counter.value += 1; });
   * ```
   */
  getLock(): Lock | RLock {
    this.#assertOpen();
    if (this.#lock === undefined) {
      throw new TypeError('this Value was made with { lock: false } and has no lock');
    }
    return this.#lock;
  }

  /**
   * The unsynchronized value over the same memory (Python's `get_obj()`): plain reads and
   * writes, for code that already holds the lock. It lives as long as this `Value`.
   *
   * @example
   * ```ts
   * const raw = counter.getObj();
   * counter.getLock().withLockSync(() => { raw.value += 1; });
   * ```
   */
  getObj(): RawValue<C> {
    this.#assertOpen();
    adopting = { block: this.#block, lock: undefined, borrowed: true };
    try {
      return new RawValue(this.typecode);
    } finally {
      adopting = undefined;
    }
  }

  /**
   * Acquires the lock (as Python's `Synchronized.acquire`).
   *
   * @example
   * ```ts
   * await counter.acquire();
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    if (this.#lock === undefined || this.#state !== 'open') {
      try {
        this.getLock();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return this.#lock!.acquire(options);
  }

  /**
   * Acquires the lock, blocking.
   *
   * @example
   * ```ts
   * counter.acquireSync();
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    return this.getLock().acquireSync(options);
  }

  /**
   * Releases the lock.
   *
   * @example
   * ```ts
   * counter.release();
   * ```
   */
  release(): void {
    this.getLock().release();
  }

  /** The typed array over the value's memory (length 1): plain access. */
  get view(): Cells['view'] {
    this.#assertOpen();
    return this.#cells.view;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Drops this object's hold on the shared memory, and on its lock if it made it (idempotent).
   *
   * @example
   * ```ts
   * counter.close();
   * ```
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#block.release();
    if (this.#ownsLock) this.#lock?.close();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `Value('d', 3.14)`. */
  toString(): string {
    return `Value('${this.typecode}', ${String(this.value)})`;
  }

  /** @internal */
  static toHandle(value: Value): {
    block: HeapBlock;
    typecode: Typecode;
    lock: Lock | RLock | null;
  } {
    value.#assertOpen();
    return { block: value.#block, typecode: value.typecode, lock: value.#lock ?? null };
  }
}

/** @internal Rebuilds an object around a received block. */
export function adopt<T>(
  block: HeapBlock,
  lock: Lock | RLock | null | undefined,
  make: () => T,
): T {
  adopting = { block, lock: lock ?? undefined, borrowed: false };
  try {
    return make();
  } finally {
    adopting = undefined;
  }
}

/** @internal For array.ts: the block being adopted, or a fresh one. */
export function takeBlock(
  info: CodeInfo,
  length: number,
): {
  block: HeapBlock;
  fresh: boolean;
  borrowed: boolean;
  lock: Lock | RLock | undefined;
  adopted: boolean;
} {
  const adopted = adopting;
  const taken = take(info, length);
  return { ...taken, lock: adopted?.lock, adopted: adopted !== undefined };
}

/** @internal For array.ts's getObj(). */
export function borrow<T>(block: HeapBlock, make: () => T): T {
  adopting = { block, lock: undefined, borrowed: true };
  try {
    return make();
  } finally {
    adopting = undefined;
  }
}

registerShareable<RawValue>({
  name: 'multiproc.RawValue',
  Class: RawValue,
  module: import.meta.url,
  toHandle: (value) => RawValue.toHandle(value),
  fromHandle: (data) => {
    const { block, typecode } = data as { block: HeapBlock; typecode: Typecode };
    return adopt(block, undefined, () => new RawValue(typecode));
  },
});

registerShareable<Value>({
  name: 'multiproc.Value',
  Class: Value,
  module: import.meta.url,
  toHandle: (value) => Value.toHandle(value),
  fromHandle: (data) => {
    const { block, typecode, lock } = data as {
      block: HeapBlock;
      typecode: Typecode;
      lock: Lock | RLock | null;
    };
    return adopt(block, lock, () => new Value(typecode));
  },
});
