/**
 * `SimpleQueue`: the same engine as `Queue`, with Python's small `SimpleQueue` API.
 */
import { registerShareable } from '@multiproc/serialize';
import { QueueEngine } from './engine.js';
import { kDefaultCapacity, kDefaultMaxCapacity } from './layout.js';
import { QueueMemory, memoryOf } from './memory.js';

class SimpleAdoption {
  constructor(readonly segment: QueueMemory) {}
}

/**
 * An unbounded FIFO queue shared by processes and threads, as Python's
 * `multiprocessing.SimpleQueue`: `put`, `get`, `empty` and `close` (plus `putSync`/`getSync`),
 * without sizes, timeouts or task counting. Items are delivered exactly once, in the order each
 * producer put them; a process killed mid-`put` or mid-`get` does not wedge it (the one item being
 * handed to a killed consumer may be lost).
 *
 * @example
 * ```ts
 * const q = new SimpleQueue<string>();
 * await q.put('hello');
 * console.log(await q.get()); // 'hello'
 * q.close();
 * ```
 */
export class SimpleQueue<T = unknown> implements Disposable, AsyncDisposable {
  readonly #engine: QueueEngine;

  constructor();
  /** @internal */
  constructor(adoption: SimpleAdoption);
  constructor(adoption?: SimpleAdoption) {
    const segment =
      adoption instanceof SimpleAdoption
        ? adoption.segment
        : new QueueMemory(kDefaultCapacity, 0, kDefaultMaxCapacity);
    this.#engine = new QueueEngine(segment, 'SimpleQueue', false);
  }

  /**
   * Puts an item (encoded at once; an unsendable item is refused with the path to the bad value
   * before anything is written). Waits only while the shared ring has no room.
   *
   * @example
   * ```ts
   * await q.put({ id: 1 });
   * ```
   */
  put(obj: T): Promise<void> {
    return this.#engine.put(obj, undefined);
  }

  /**
   * `put`, blocking the calling thread while it waits.
   *
   * @example
   * ```ts
   * q.putSync(42);
   * ```
   */
  putSync(obj: T): void {
    this.#engine.putSync(obj, undefined);
  }

  /**
   * Takes the next item, waiting until one arrives.
   *
   * @example
   * ```ts
   * const item = await q.get();
   * ```
   */
  get(): Promise<T> {
    return this.#engine.get(undefined) as Promise<T>;
  }

  /**
   * `get`, blocking the calling thread while it waits.
   *
   * @example
   * ```ts
   * const item = q.getSync();
   * ```
   */
  getSync(): T {
    return this.#engine.getSync(undefined) as T;
  }

  /**
   * Whether the queue holds no item now.
   *
   * @example
   * ```ts
   * q.empty(); // → true
   * ```
   */
  empty(): boolean {
    return this.#engine.count() === 0;
  }

  /**
   * Closes this handle: its `put` and `get` throw `SimpleQueue is closed` from now on (waiting
   * calls end with that error); items stay for other processes. Idempotent.
   *
   * @example
   * ```ts
   * q.close();
   * ```
   */
  close(): void {
    this.#engine.close();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** @internal */
  static engineOf(queue: SimpleQueue<unknown>): QueueEngine {
    return queue.#engine;
  }
}

registerShareable<SimpleQueue<unknown>>({
  name: 'multiproc.SimpleQueue',
  Class: SimpleQueue,
  module: import.meta.url,
  toHandle(queue): unknown {
    const engine = SimpleQueue.engineOf(queue);
    if (engine.closed) throw engine.closedError();
    return engine.segment;
  },
  fromHandle(data): SimpleQueue<unknown> {
    return new SimpleQueue(new SimpleAdoption(memoryOf(data, 'SimpleQueue')));
  },
});
