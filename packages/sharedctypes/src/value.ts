/**
 * `RawValue` and `Value`: one typed element in a block of the shared-memory heap.
 */
import {
  Received,
  SharedObject,
  borrowed,
  construct,
  shareObject,
} from '@multiproc/shared-memory/internal';
import { toError } from '@multiproc/serialize';
import type { AcquireOptions, Lock, RLock } from '@multiproc/synchronize';
import { Cells } from './cells.js';
import { ObjectLock, checkLockOption, type SynchronizedOptions } from './lock-option.js';
import {
  checkElement,
  codeInfo,
  type CodeInfo,
  type ElementOf,
  type Typecode,
} from './typecodes.js';

/** What travels for a value besides its block: also the arrays' (array.ts). */
export interface ElementsHandle {
  typecode: Typecode;
  /** The element count (arrays). */
  length?: number;
  /** The lock of a `Value`/`SharedArray`; `null` for none. */
  lock?: Lock | RLock | null;
}

/** The bytes of a fresh block for `length` elements. */
export function blockBytes(info: CodeInfo, length: number): number {
  return Math.max(8, info.bytes * length);
}

/** The typecode a constructor got, or the one that came with a received block. */
export function typecodeOf<C extends Typecode>(typecode: C | Received<ElementsHandle>): C {
  return (Received.is(typecode) ? typecode.data.typecode : typecode) as C;
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
export class RawValue<C extends Typecode = Typecode> extends SharedObject {
  /** The typecode. */
  readonly typecode: C;
  readonly #cells: Cells;
  readonly #info: CodeInfo;
  readonly #view: Cells['view'];

  /**
   * @param typecode - see {@link Typecode}.
   * @param initial - the initial value (a `bigint` for 64-bit codes, a one-character string for
   *   `'c'`); zero if omitted.
   */
  constructor(typecode: C, initial?: ElementOf<C>);
  constructor(typecode: C | Received<ElementsHandle>, initial?: ElementOf<C>) {
    const code = typecodeOf(typecode);
    const info = codeInfo(code);
    const stored = initial === undefined ? undefined : checkElement(info, initial, 'initial');
    super('RawValue', Received.is(typecode) ? typecode : blockBytes(info, 1));
    this.typecode = code;
    this.#info = info;
    this.#cells = new Cells(info, this.block, 1);
    this.#view = this.#cells.view;
    if (this.fresh && stored !== undefined) this.#cells.setStored(0, stored);
  }

  /** The value (a plain read). */
  get value(): ElementOf<C> {
    this.assertOpen();
    const stored = this.#view[0]!;
    return (
      this.#info.kind === 'char' ? String.fromCharCode(stored as number) : stored
    ) as ElementOf<C>;
  }

  /** Sets the value (a plain write); a `TypeError`/`RangeError` if it does not fit the typecode. */
  set value(value: ElementOf<C>) {
    this.assertOpen();
    this.#view[0] = checkElement(this.#info, value, 'value');
  }

  /** The typed array over the value's memory (length 1). */
  get view(): Cells['view'] {
    return this.#view;
  }

  /** `RawValue('i', 3)`. */
  override toString(): string {
    return `RawValue('${this.typecode}', ${String(this.value)})`;
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
export class Value<C extends Typecode = Typecode> extends SharedObject {
  /** The typecode. */
  readonly typecode: C;
  readonly #cells: Cells;
  readonly #lock: ObjectLock;

  /**
   * @param typecode - see {@link Typecode}.
   * @param initial - the initial value; zero if omitted.
   * @param options - `lock`: `true` (a new `RLock`, the default), `false`, or a lock to share.
   */
  constructor(typecode: C, initial?: ElementOf<C>, options?: SynchronizedOptions);
  constructor(
    typecode: C | Received<ElementsHandle>,
    initial?: ElementOf<C>,
    options?: SynchronizedOptions,
  ) {
    const source = Received.is(typecode) ? typecode : undefined;
    const code = typecodeOf(typecode);
    const info = codeInfo(code);
    const stored = initial === undefined ? undefined : checkElement(info, initial, 'initial');
    if (source === undefined) checkLockOption(options);
    super('Value', source ?? blockBytes(info, 1));
    this.typecode = code;
    this.#cells = new Cells(info, this.block, 1);
    if (this.fresh && stored !== undefined) this.#cells.setStored(0, stored);
    this.#lock = new ObjectLock(
      options,
      source === undefined ? undefined : (source.data.lock ?? null),
    );
  }

  /** The value: one atomic read (under the lock for `'d'`). */
  get value(): ElementOf<C> {
    this.assertOpen();
    const cells = this.#cells;
    if (cells.atomic) return cells.getAtomic(0) as ElementOf<C>;
    return this.#lock.run(() => cells.get(0) as ElementOf<C>);
  }

  /** Sets the value: one atomic write (under the lock for `'d'`). */
  set value(value: ElementOf<C>) {
    this.assertOpen();
    const cells = this.#cells;
    if (cells.atomic) {
      cells.setAtomic(0, value, 'value');
      return;
    }
    const stored = checkElement(cells.info, value, 'value');
    this.#lock.run(() => cells.setStored(0, stored));
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
    this.assertOpen();
    return this.#lock.get('Value');
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
    this.assertOpen();
    return construct(RawValue<C>, borrowed(this.block, { typecode: this.typecode }));
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
    if (this.#lock.lock === undefined || this.closed) {
      try {
        this.getLock();
      } catch (error) {
        return Promise.reject(toError(error));
      }
    }
    return this.#lock.lock!.acquire(options);
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
    this.assertOpen();
    return this.#cells.view;
  }

  /** @internal A value that made its lock (or received it) closes it too. */
  protected override onClose(): void {
    this.#lock.close();
  }

  /** `Value('d', 3.14)`. */
  override toString(): string {
    return `Value('${this.typecode}', ${String(this.value)})`;
  }

  /** @internal What travels besides the block. */
  static handleData(value: Value): ElementsHandle {
    return { typecode: value.typecode, lock: value.#lock.lock ?? null };
  }
}

shareObject('multiproc.RawValue', RawValue, import.meta.url, (value) => ({
  typecode: value.typecode,
}));
shareObject('multiproc.Value', Value, import.meta.url, (value) => Value.handleData(value));
