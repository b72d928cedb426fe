/**
 * `AsyncQueue`: the FIFO a manager's `Queue()` and `JoinableQueue()` serve, living in the server
 * process (as CPython's manager serves a `queue.Queue`). A getter or putter that gives up (its
 * timeout, or its client gone) leaves the line without taking an item or a slot.
 */
import { Empty, Full, ProcessError, invalidArgument } from '@multiproc/serialize';
import { WaitQueue, checkTimeout } from './waiters.js';

/**
 * Options of `get`/`put`.
 *
 * @example
 * ```ts
 * await queue.get({ block: false }); // Empty at once when empty
 * ```
 */
export interface QueueWaitOptions {
  /** @default true */
  block?: boolean | undefined;
  /** Milliseconds to wait; `undefined` waits forever. */
  timeout?: number | null | undefined;
}

function waitFor(options: QueueWaitOptions | undefined, path: string): number | null {
  if (options === undefined) return null;
  if (typeof options !== 'object' || options === null)
    throw invalidArgument(path, 'an options object', options);
  if (options.block === false) return 0;
  return checkTimeout(options.timeout, `${path}.timeout`);
}

/**
 * An async FIFO with Python's `queue.Queue` API, for serving from a manager (the remote queue
 * example registers one).
 *
 * @example
 * ```ts
 * const queue = new AsyncQueue();
 * QueueManager.register('getQueue', { callable: () => queue });
 * ```
 */
export class AsyncQueue<T = unknown> {
  readonly #maxsize: number;
  #items: T[] = [];
  #head = 0;
  readonly #getters = new WaitQueue<T>();
  readonly #putters = new WaitQueue<void>();
  #unfinished = 0;
  readonly #joiners = new WaitQueue<void>();

  constructor(maxsize: number | { maxsize?: number } = 0) {
    const size = typeof maxsize === 'object' && maxsize !== null ? (maxsize.maxsize ?? 0) : maxsize;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw invalidArgument('maxsize', 'a non-negative integer', size);
    }
    this.#maxsize = size;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this.#items.length - this.#head;
  }
  /** Whether the queue is empty. */
  empty(): boolean {
    return this.qsize() === 0;
  }
  /** Whether the queue holds `maxsize` items (never, when `maxsize` is 0). */
  full(): boolean {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  /**
   * Puts `item`, waiting for a free slot; rejects with `Full` after `{ timeout }` or at once with
   * `{ block: false }`.
   */
  async put(item: T, options?: QueueWaitOptions): Promise<void> {
    const timeout = waitFor(options, 'put options');
    const deadline = timeout === null ? null : Date.now() + timeout;
    // A woken putter may find its slot taken by a put that did not wait: it waits again.
    while (!this.#deliver(item)) {
      const left = deadline === null ? null : deadline - Date.now();
      if (left !== null && left <= 0) throw new Full('Queue is full');
      await this.#putters.wait(left, () => new Full('Queue is full'));
    }
  }
  /** Puts `item` without waiting; throws `Full` when the queue is full. */
  putNowait(item: T): void {
    if (!this.#deliver(item)) throw new Full('Queue is full');
  }

  /**
   * Removes and resolves with an item, waiting for one; rejects with `Empty` after `{ timeout }` or
   * at once with `{ block: false }`.
   */
  async get(options?: QueueWaitOptions): Promise<T> {
    const timeout = waitFor(options, 'get options');
    if (this.qsize() > 0) return this.#take();
    if (timeout === 0) throw new Empty('Queue is empty');
    return this.#getters.wait(timeout, () => new Empty('Queue is empty'));
  }
  /** Removes and returns an item without waiting; throws `Empty` when there is none. */
  getNowait(): T {
    if (this.qsize() === 0) throw new Empty('Queue is empty');
    return this.#take();
  }

  /** Marks one item got earlier as processed; throws when called more times than items were put. */
  taskDone(): void {
    if (this.#unfinished <= 0)
      throw new ProcessError('taskDone() called too many times', 'ERR_MP_VALUE');
    if (--this.#unfinished === 0)
      for (let w = this.#joiners.take(); w; w = this.#joiners.take()) w.resolve();
  }
  /** Resolves once every item put has been marked done with `taskDone()`. */
  async join(): Promise<void> {
    if (this.#unfinished > 0) await this.#joiners.wait(null);
  }

  /** Hands `item` to a waiting getter or stores it; false when full. */
  #deliver(item: T): boolean {
    const getter = this.#getters.peek() ? this.#getters.take() : undefined;
    if (getter) {
      this.#unfinished++;
      getter.resolve(item);
      return true;
    }
    if (this.full()) return false;
    this.#unfinished++;
    this.#items.push(item);
    return true;
  }

  #take(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    const putter = this.#putters.peek() ? this.#putters.take() : undefined;
    putter?.resolve();
    return item;
  }
}
