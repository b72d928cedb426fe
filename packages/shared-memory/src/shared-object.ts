/**
 * The one shape of every object whose state lives in a block of the shared heap (locks, events,
 * values, arrays, queue headers, manager handles): the block, closing, disposal and the handle.
 *
 * An object is made either fresh (its constructor allocates a block) or from a handle that
 * another process or thread sent. The second way passes a {@link Received} to the same
 * constructor, so one constructor holds every invariant, and nothing travels through module
 * state: a constructor that throws halfway leaves nothing behind for the next one.
 */
import { closedError, registerShareable } from '@multiproc/serialize';
import { heapAllocate, type HeapBlock } from './heap.js';

/** Lifecycle of every shared object: usable until `close()`. */
export type Lifecycle = 'open' | 'closed';

/**
 * @internal A block that arrived with a handle, and what else the handle carried, for a
 * constructor to adopt instead of allocating. Only {@link received} and {@link borrowed} make one.
 */
export class Received<D = unknown> {
  readonly block: HeapBlock;
  readonly data: D;
  /** Whether closing the adopting object releases the block (false for a view of another's). */
  readonly owned: boolean;
  #brand = true;

  private constructor(block: HeapBlock, data: D, owned: boolean) {
    this.block = block;
    this.data = data;
    this.owned = owned;
    void this.#brand;
  }

  /** Whether `value` is a `Received` (and not, say, a user's argument shaped like one). */
  static is(value: unknown): value is Received {
    return typeof value === 'object' && value !== null && #brand in value;
  }

  /** @internal */
  static make<D>(block: HeapBlock, data: D, owned: boolean): Received<D> {
    return new Received(block, data, owned);
  }
}

/**
 * @internal A received block for a constructor to adopt, with the rest of its handle.
 *
 * @example
 * ```ts
 * fromHandle: ({ block }) => new Lock(received(block, undefined)),
 * ```
 */
export function received<D>(block: HeapBlock, data: D): Received<D> {
  return Received.make(block, data, true);
}

/**
 * @internal Another object's block, for a view over the same memory that does not release it
 * (`Value.getObj()`).
 *
 * @example
 * ```ts
 * new RawValue(borrowed(block, { length: 1 }));
 * ```
 */
export function borrowed<D>(block: HeapBlock, data: D): Received<D> {
  return Received.make(block, data, false);
}

/** @internal The error every method of a closed object throws: `Lock is closed`. */
export { closedError };

/**
 * @internal The base of every object that lives in a block of the shared heap. Subclasses keep
 * their own views over {@link block}, call {@link assertOpen} where a closed object must
 * refuse, and put the block (with what else they need) in their handle through
 * {@link SharedObject.handleOf}.
 *
 * @example
 * ```ts
 * class Flag extends SharedObject {
 *   readonly #words: Int32Array;
 *   constructor(source?: Received) {
 *     super('Flag', source ?? 16);
 *     this.#words = this.int32(4);
 *   }
 * }
 * ```
 */
export abstract class SharedObject implements Disposable {
  /** The block: shared with every copy of this object in other processes and threads. */
  protected readonly block: HeapBlock;
  /** Whether the block was allocated by this constructor (so its words are to be set up). */
  protected readonly fresh: boolean;
  /** The class's name, for messages: `Lock is closed`. */
  protected readonly what: string;
  readonly #owned: boolean;
  #state: Lifecycle = 'open';

  /**
   * @param what - the class's name, for errors: `Lock is closed`.
   * @param source - the bytes of a fresh block, or a received one to adopt.
   */
  protected constructor(what: string, source: number | Received) {
    this.what = what;
    if (typeof source === 'number') {
      this.block = heapAllocate(source);
      this.fresh = true;
      this.#owned = true;
    } else {
      this.block = source.block;
      this.fresh = false;
      this.#owned = source.owned;
    }
  }

  /** `Int32Array` over the block's first `count` words. */
  protected int32(count: number): Int32Array {
    return new Int32Array(this.block.buffer, this.block.byteOffset, count);
  }

  /** Throws `<what> is closed` once `close()` was called. */
  protected assertOpen(): void {
    if (this.#state !== 'open') throw closedError(this.what);
  }

  /** Runs when the object closes, before the block is released (a subclass's own holds). */
  protected onClose(): void {}

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Drops this object's hold on the shared memory (idempotent). Other processes holding the
   * same object keep it; the memory is reused when the last one lets go.
   *
   * @example
   * ```ts
   * lock.close();
   * ```
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.onClose();
    if (this.#owned) this.block.release();
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal The block, for a handle; throws if `object` is closed. */
  static handleOf(object: SharedObject): { block: HeapBlock } {
    object.assertOpen();
    return { block: object.block };
  }
}

/**
 * @internal Makes a shared class sendable. Its handle is the block plus what `data` returns (the
 * typecode of a value, the lock of a condition…); the receiver's copy is built by the class's
 * constructor from a {@link Received} block, with that data.
 *
 * @example
 * ```ts
 * shareObject('multiproc.Event', Event, import.meta.url);
 * shareObject('multiproc.Condition', Condition, import.meta.url, (c) => ({ lock: c.lock }));
 * ```
 */
export function shareObject<T extends SharedObject>(
  name: string,
  Class: abstract new (...args: never[]) => T,
  module: string,
  data?: (object: T) => object,
): void {
  registerShareable<T>({
    name,
    Class,
    module,
    toHandle: (object) => ({ ...SharedObject.handleOf(object), ...data?.(object) }),
    fromHandle: (handle) => {
      const { block, ...rest } = handle as { block: HeapBlock };
      return construct(Class, received(block, rest));
    },
  });
}

/**
 * @internal `new Class(source)`: the constructor's hidden form, which its public signature does
 * not show.
 *
 * @example
 * ```ts
 * fromHandle: ({ block, lock }) => construct(Condition, received(block, { lock })),
 * ```
 */
export function construct<T>(Class: abstract new (...args: never[]) => T, source: Received): T {
  return new (Class as unknown as new (source: Received) => T)(source);
}
