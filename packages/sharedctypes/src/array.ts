/**
 * `RawArray` and `SharedArray`: a fixed-length typed array in a block of the shared-memory heap.
 *
 * Indexing (`arr[i]`, `arr[i] = v`) works through a `Proxy` placed in the prototype chain, *behind*
 * the classes' own prototypes: a method or property the classes define (`get`, `set`, `length`,
 * `view` …) is found before the proxy is reached and costs what any method call costs; only a key
 * the classes do not define — an index — falls through to the proxy's traps. Measured cost: see
 * the package README (`get(i)`/`set(i, v)` are the fast way, `view[i]` the fastest).
 */
import { invalidArgument } from '@multiproc/serialize';
import {
  Received,
  SharedObject,
  borrowed,
  construct,
  shareObject,
} from '@multiproc/shared-memory/internal';
import type { Lock, RLock } from '@multiproc/synchronize';
import { Cells } from './cells.js';
import { ObjectLock, checkLockOption, type SynchronizedOptions } from './lock-option.js';
import {
  checkElement,
  codeInfo,
  type CodeInfo,
  type ElementOf,
  type Typecode,
  type ViewOf,
} from './typecodes.js';
import { blockBytes, typecodeOf, type ElementsHandle } from './value.js';

/** An index key: a canonical integer string (negative counts from the end, as in Python). */
function indexOf(key: string | symbol): number | undefined {
  if (typeof key !== 'string') return undefined;
  const c = key.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45)) return undefined;
  const i = Number(key);
  return Number.isInteger(i) && String(i) === key ? i : undefined;
}

const indexTraps: ProxyHandler<object> = {
  get(target, key, receiver: ArrayBase<Typecode>) {
    const i = indexOf(key);
    return i === undefined ? Reflect.get(target, key, receiver) : receiver.get(i);
  },
  set(target, key, value, receiver: ArrayBase<Typecode>) {
    const i = indexOf(key);
    if (i === undefined) return Reflect.set(target, key, value, receiver);
    receiver.set(i, value as never);
    return true;
  },
};

function checkSizeOrSequence(
  info: CodeInfo,
  sizeOrSequence: unknown,
): (number | bigint)[] | number {
  if (typeof sizeOrSequence === 'number') {
    if (!Number.isInteger(sizeOrSequence) || sizeOrSequence < 0) {
      throw invalidArgument(
        'sizeOrSequence',
        'a length (an integer ≥ 0) or an iterable',
        sizeOrSequence,
      );
    }
    return sizeOrSequence;
  }
  if (
    sizeOrSequence === null ||
    (typeof sizeOrSequence !== 'object' && typeof sizeOrSequence !== 'string') ||
    typeof (sizeOrSequence as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw invalidArgument(
      'sizeOrSequence',
      'a length (an integer ≥ 0) or an iterable',
      sizeOrSequence,
    );
  }
  const out: (number | bigint)[] = [];
  for (const item of sizeOrSequence as Iterable<unknown>) {
    out.push(checkElement(info, item, `sizeOrSequence[${out.length}]`));
  }
  return out;
}

/**
 * What `RawArray` and `SharedArray` share: indexing, `length`, `slice`, `toArray`, iteration.
 * Not constructed directly.
 *
 * @example
 * ```ts
 * function sum(arr: ArrayBase<'i'>): number { return arr.toArray().reduce((a, b) => a + b, 0); }
 * ```
 */
export abstract class ArrayBase<C extends Typecode>
  extends SharedObject
  implements Iterable<ElementOf<C>>
{
  /** `arr[i]`: element `i` (negative counts from the end); out of range throws a `RangeError`. */
  [index: number]: ElementOf<C>;
  /** The typecode. */
  readonly typecode: C;
  /** The number of elements. */
  readonly length: number;
  /** @internal */
  protected readonly cells: Cells;
  readonly #what: string;

  /** @internal */
  constructor(
    what: string,
    typecode: C | Received<ElementsHandle>,
    sizeOrSequence: number | Iterable<ElementOf<C>>,
    check?: () => void,
  ) {
    const source = Received.is(typecode) ? typecode : undefined;
    const code = typecodeOf(typecode);
    const info = codeInfo(code);
    let length = source?.data.length ?? 0;
    let values: (number | bigint)[] | undefined;
    if (source === undefined) {
      const checked = checkSizeOrSequence(info, sizeOrSequence);
      check?.();
      if (typeof checked === 'number') {
        length = checked;
      } else {
        length = checked.length;
        values = checked;
      }
    }
    super(what, source ?? blockBytes(info, length));
    this.#what = what;
    this.typecode = code;
    this.length = length;
    this.cells = new Cells(info, this.block, length);
    if (values !== undefined) {
      for (let i = 0; i < values.length; i++) this.cells.setStored(i, values[i]!);
    }
  }

  /** @internal Checks an index; returns it as a position (negative ones count from the end). */
  protected position(i: number): number {
    this.assertOpen();
    const n = this.length;
    if (typeof i !== 'number' || !Number.isInteger(i))
      throw invalidArgument('index', 'an integer', i);
    const at = i < 0 ? i + n : i;
    if (at < 0 || at >= n) {
      throw new RangeError(`index ${i} is out of range for a ${this.#what} of length ${n}`);
    }
    return at;
  }

  /**
   * Element `i` (negative counts from the end).
   *
   * @example
   * ```ts
   * arr.get(0); arr.get(-1);
   * ```
   */
  abstract get(i: number): ElementOf<C>;

  /**
   * Sets element `i`; a `TypeError`/`RangeError` if `value` does not fit the typecode.
   *
   * @example
   * ```ts
   * arr.set(0, 42);
   * ```
   */
  abstract set(i: number, value: ElementOf<C>): void;

  /**
   * Copies elements `start … end-1` into a plain array, as Python's `arr[start:end]`
   * (negative bounds count from the end; `arr.slice()` copies all).
   *
   * @example
   * ```ts
   * arr.slice(2, 5); // [x, y, z]
   * ```
   */
  abstract slice(start?: number, end?: number): ElementOf<C>[];

  /** @internal The plain copy of a range, read without locking. */
  protected copy(start: number | undefined, end: number | undefined): ElementOf<C>[] {
    this.assertOpen();
    const n = this.length;
    const clamp = (v: number | undefined, fallback: number, path: string): number => {
      if (v === undefined) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw invalidArgument(path, 'an integer', v);
      return v < 0 ? Math.max(0, v + n) : Math.min(v, n);
    };
    const from = clamp(start, 0, 'start');
    const to = clamp(end, n, 'end');
    const out: ElementOf<C>[] = [];
    for (let i = from; i < to; i++) out.push(this.cells.get(i) as ElementOf<C>);
    return out;
  }

  /**
   * A plain array of every element.
   *
   * @example
   * ```ts
   * new RawArray('i', [1, 2, 3]).toArray(); // [1, 2, 3]
   * ```
   */
  toArray(): ElementOf<C>[] {
    return this.slice();
  }

  /**
   * The typed array over the elements (`Int32Array` for `'i'`, `Uint8Array` for `'c'` …):
   * plain reads and writes, the fastest access; `Atomics` work on it across processes.
   *
   * @example
   * ```ts
   * Atomics.add(counts.view, 0, 1);
   * ```
   */
  get view(): ViewOf<C> {
    this.assertOpen();
    return this.cells.view as unknown as ViewOf<C>;
  }

  /** Iterates over a copy of the elements. */
  [Symbol.iterator](): Iterator<ElementOf<C>> {
    return this.toArray()[Symbol.iterator]();
  }

  /** @internal What travels besides the block. */
  static handleData(arr: ArrayBase<Typecode>): ElementsHandle {
    return { typecode: arr.typecode, length: arr.length };
  }
}

// The proxy stands between ArrayBase and SharedObject: an object over SharedObject's prototype,
// so that inherited members (and `instanceof SharedObject`) are found through it.
Object.setPrototypeOf(
  ArrayBase.prototype,
  new Proxy(Object.create(SharedObject.prototype) as object, indexTraps),
);

/**
 * A fixed-length typed array in shared memory, without a lock, as Python's
 * `sharedctypes.RawArray`: plain reads and writes.
 *
 * @example
 * ```ts
 * import { RawArray } from '@multiproc/sharedctypes';
 *
 * const arr = new RawArray('i', [0, 1, 2, 3]);
 * arr[0] = 10;
 * arr.get(1);    // 1
 * arr.slice(1);  // [1, 2, 3]
 * ```
 */
export class RawArray<C extends Typecode = Typecode> extends ArrayBase<C> {
  /**
   * @param typecode - see {@link Typecode}.
   * @param sizeOrSequence - a length (zero-filled) or the initial elements.
   */
  constructor(typecode: C, sizeOrSequence: number | Iterable<ElementOf<C>>);
  constructor(
    typecode: C | Received<ElementsHandle>,
    sizeOrSequence: number | Iterable<ElementOf<C>> = 0,
  ) {
    super('RawArray', typecode, sizeOrSequence);
  }

  /** Element `i`, a plain read (negative counts from the end). */
  get(i: number): ElementOf<C> {
    return this.cells.get(this.position(i)) as ElementOf<C>;
  }

  /** Sets element `i`, a plain write. */
  set(i: number, value: ElementOf<C>): void {
    this.cells.set(this.position(i), value, 'value');
  }

  /** A plain array of elements `start … end-1`. */
  slice(start?: number, end?: number): ElementOf<C>[] {
    return this.copy(start, end);
  }
}

/**
 * A fixed-length typed array in shared memory with a lock, as Python's `multiprocessing.Array`
 * (`mp.Array` on the facade's default export). Single-element reads and writes are atomic
 * (`Atomics`, or the lock for `'d'`); `slice()` and `toArray()` copy under the lock.
 *
 * @example
 * ```ts
 * import { SharedArray } from '@multiproc/sharedctypes';
 *
 * const arr = new SharedArray('i', [0, 1, 2, 3, 4]);
 * arr[1] = -1;
 * arr.toArray(); // [0, -1, 2, 3, 4]
 * await arr.getLock().withLock(() => { for (let i = 0; i < arr.length; i++) arr.set(i, -arr.get(i)); });
 * ```
 */
export class SharedArray<C extends Typecode = Typecode> extends ArrayBase<C> {
  readonly #lock: ObjectLock;

  /**
   * @param typecode - see {@link Typecode}.
   * @param sizeOrSequence - a length (zero-filled) or the initial elements.
   * @param options - `lock`: `true` (a new `RLock`, the default), `false`, or a lock to share.
   */
  constructor(
    typecode: C,
    sizeOrSequence: number | Iterable<ElementOf<C>>,
    options?: SynchronizedOptions,
  );
  constructor(
    typecode: C | Received<ElementsHandle>,
    sizeOrSequence: number | Iterable<ElementOf<C>> = 0,
    options?: SynchronizedOptions,
  ) {
    super('SharedArray', typecode, sizeOrSequence, () => checkLockOption(options));
    this.#lock = new ObjectLock(
      options,
      Received.is(typecode) ? (typecode.data.lock ?? null) : undefined,
    );
  }

  /** Element `i`: one atomic read (under the lock for `'d'`). */
  get(i: number): ElementOf<C> {
    const at = this.position(i);
    const cells = this.cells;
    if (cells.atomic) return cells.getAtomic(at) as ElementOf<C>;
    return this.#lock.run(() => cells.get(at)) as ElementOf<C>;
  }

  /** Sets element `i`: one atomic write (under the lock for `'d'`). */
  set(i: number, value: ElementOf<C>): void {
    const at = this.position(i);
    const cells = this.cells;
    if (cells.atomic) {
      cells.setAtomic(at, value, 'value');
      return;
    }
    const stored = checkElement(cells.info, value, 'value');
    this.#lock.run(() => cells.setStored(at, stored));
  }

  /** A plain array of elements `start … end-1`, copied while holding the lock. */
  slice(start?: number, end?: number): ElementOf<C>[] {
    this.assertOpen();
    return this.#lock.run(() => this.copy(start, end));
  }

  /**
   * The lock guarding this array (Python's `get_lock()`). Throws if made with `lock: false`.
   *
   * @example
   * ```ts
   * arr.getLock().withLockSync(() => arr.set(0, arr.get(0) + 1));
   * ```
   */
  getLock(): Lock | RLock {
    this.assertOpen();
    return this.#lock.get('SharedArray');
  }

  /**
   * The unsynchronized array over the same memory (Python's `get_obj()`), for code that holds
   * the lock. It lives as long as this `SharedArray`.
   *
   * @example
   * ```ts
   * const raw = arr.getObj();
   * ```
   */
  getObj(): RawArray<C> {
    this.assertOpen();
    const { typecode, length } = this;
    return construct(RawArray<C>, borrowed(this.block, { typecode, length }));
  }

  /** @internal An array that made its lock (or received it) closes it too. */
  protected override onClose(): void {
    this.#lock.close();
  }

  /** @internal What travels besides the block. */
  static override handleData(arr: ArrayBase<Typecode>): ElementsHandle {
    const lock = arr instanceof SharedArray ? (arr.#lock.lock ?? null) : null;
    return { ...ArrayBase.handleData(arr), lock };
  }
}

shareObject('multiproc.RawArray', RawArray, import.meta.url, (arr) => ArrayBase.handleData(arr));
shareObject('multiproc.SharedArray', SharedArray, import.meta.url, (arr) =>
  SharedArray.handleData(arr),
);
