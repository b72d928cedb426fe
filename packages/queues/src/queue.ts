/**
 * `Queue` and `JoinableQueue`: thin shells over {@link QueueEngine} (engine.ts).
 */
import { MultiprocError, registerShareable } from '@multiproc/serialize';
import { QueueEngine } from './engine.js';
import { kStats, type QueueStats } from './stats.js';
import { parseQueueOptions, type QueueOptions, type WaitOptions } from './options.js';
import { QueueMemory, memoryOf } from './memory.js';

/**
 * The private token a queue rebuilt from a handle is constructed with (never exported, so a
 * user cannot forge one): the segment it adopts.
 */
export class Adoption {
  constructor(readonly segment: QueueMemory) {}
}

const kNoWait: WaitOptions = { block: false };

/**
 * A FIFO queue shared by processes and threads, as Python's `multiprocessing.Queue`. Items are
 * any value multiproc can send (plain data, `Buffer`s, `Map`s, errors, shareable objects such as
 * a `Lock` or another `Queue` …). Pass the queue itself to a `Process` or pool task (as an
 * argument, also inside objects and arrays) and the child uses the same queue.
 *
 * - Every item reaches exactly one consumer, in the order its producer put it.
 * - `put` encodes the item at once, in the caller, and writes it to shared memory before it
 *   returns: nothing is buffered in the producing process, so a producer may exit, or be joined,
 *   before the queue is drained (no feeder thread, unlike CPython).
 * - A process killed in the middle of `put` or `get` (even holding one of the queue's locks)
 *   does not wedge or corrupt the queue: the next user repairs it. The item being put by a killed producer
 *   is not delivered; **the one item being handed to a killed consumer may be lost**.
 *
 * @example
 * ```ts
 * import { Process, Queue, isMainProcess } from 'multiproc';
 *
 * export async function f(q: Queue<unknown[]>) {
 *   await q.put([42, null, 'hello']);
 * }
 *
 * if (isMainProcess()) {
 *   const q = new Queue<unknown[]>();
 *   const p = new Process({ target: f, args: [q] });
 *   p.start();
 *   console.log(await q.get()); // [ 42, null, 'hello' ]
 *   await p.join();
 * }
 * ```
 */
export class Queue<T = unknown> implements Disposable, AsyncDisposable, AsyncIterable<T> {
  readonly #engine: QueueEngine;
  readonly #maxsize: number;

  /**
   * @param options `{ maxsize }`, or the maxsize alone (`new Queue(10)`); `0` (the default) for
   *   no limit on the count.
   */
  constructor(options?: QueueOptions | number);
  /** @internal */
  constructor(options: QueueOptions | number | Adoption | undefined);
  constructor(options?: QueueOptions | number | Adoption) {
    const joinable = this instanceof JoinableQueue;
    let segment: QueueMemory;
    if (options instanceof Adoption) {
      segment = options.segment;
    } else {
      const { maxsize, capacity, maxCapacity } = parseQueueOptions(options);
      segment = new QueueMemory(capacity, maxsize, maxCapacity);
    }
    this.#maxsize = segment.ring.maxsize;
    this.#engine = new QueueEngine(segment, joinable ? 'JoinableQueue' : 'Queue', joinable);
  }

  /** @internal The engine, for `JoinableQueue` and the handle encoding. */
  protected static engineOf(queue: Queue<unknown>): QueueEngine {
    return queue.#engine;
  }

  /** The most items the queue holds, `0` for no limit. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * Puts an item, waiting for room while the queue holds `maxsize` items (or its ring is full).
   * The item is encoded before anything else happens: an item that cannot be sent rejects with
   * a `TypeError` naming the path (`item.handler is a function and cannot be sent`), and nothing
   * is written. Rejects with `Full` when `block: false` or `timeout` ms pass without room.
   *
   * @example
   * ```ts
   * await q.put({ id: 1 });
   * await q.put(big, { timeout: 500 }); // Full after 500 ms
   * ```
   */
  put(obj: T, options?: WaitOptions): Promise<void> {
    return this.#engine.put(obj, options);
  }

  /**
   * `put`, blocking the calling thread while it waits (for CPU-bound children).
   *
   * @example
   * ```ts
   * q.putSync(item);
   * ```
   */
  putSync(obj: T, options?: WaitOptions): void {
    this.#engine.putSync(obj, options);
  }

  /**
   * `put` without waiting: throws `Full` when there is no room.
   *
   * @example
   * ```ts
   * try { q.putNowait(item); } catch (e) { if (e instanceof Full) dropIt(); }
   * ```
   */
  putNowait(obj: T): void {
    this.#engine.putSync(obj, kNoWait);
  }

  /**
   * Takes the next item, waiting until one arrives. Rejects with `Empty` when `block: false` or
   * `timeout` ms pass without one, and with `Queue is closed` after `close()`.
   *
   * @example
   * ```ts
   * const item = await q.get();
   * const maybe = await q.get({ timeout: 100 }).catch(() => undefined);
   * ```
   */
  get(options?: WaitOptions): Promise<T> {
    return this.#engine.get(options) as Promise<T>;
  }

  /**
   * `get`, blocking the calling thread while it waits (for CPU-bound children).
   *
   * @example
   * ```ts
   * const item = q.getSync({ timeout: 1000 });
   * ```
   */
  getSync(options?: WaitOptions): T {
    return this.#engine.getSync(options) as T;
  }

  /**
   * `get` without waiting: throws `Empty` when there is no item.
   *
   * @example
   * ```ts
   * const item = q.getNowait();
   * ```
   */
  getNowait(): T {
    return this.#engine.getSync(kNoWait) as T;
  }

  /**
   * How many items the queue holds now (exact at the moment it is read; others may change it
   * right after).
   *
   * @example
   * ```ts
   * q.qsize(); // → 3
   * ```
   */
  qsize(): number {
    return this.#engine.count();
  }

  /**
   * Whether the queue holds no item now.
   *
   * @example
   * ```ts
   * if (!q.empty()) console.log(q.getNowait());
   * ```
   */
  empty(): boolean {
    return this.#engine.count() === 0;
  }

  /**
   * Whether the queue holds `maxsize` items now (always false without a maxsize).
   *
   * @example
   * ```ts
   * new Queue(1).full(); // → false
   * ```
   */
  full(): boolean {
    return this.#engine.full();
  }

  /**
   * @internal The test hook (`Symbol.for('multiproc.queues.stats')`): counters kept in the
   * queue's shared memory, the same for every holder.
   */
  [kStats](): QueueStats {
    return this.#engine.stats();
  }

  /** Whether `close()` was called on this handle. */
  get closed(): boolean {
    return this.#engine.closed;
  }

  /**
   * Closes this process's handle on the queue: from now on its `put` and `get` throw `Queue is
   * closed`, and calls waiting in it end with that error. Items already put stay in the queue
   * for the other processes (nothing is buffered here, so nothing needs flushing). The shared
   * memory is freed once every handle (in every process) is closed or collected. Idempotent.
   *
   * @example
   * ```ts
   * q.close();
   * ```
   */
  close(): void {
    this.#engine.close();
  }

  /**
   * Python waits here for the feeder thread to flush buffered items; multiproc has no feeder
   * thread and buffers nothing, so this returns at once. As in Python, it must follow `close()`.
   *
   * @example
   * ```ts
   * q.close();
   * q.joinThread();
   * ```
   */
  joinThread(): void {
    if (!this.#engine.closed) {
      throw new MultiprocError(
        `${this.#what()} is not closed: call close() before joinThread()`,
        'ERR_MP_NOT_CLOSED',
      );
    }
  }

  /**
   * Python lets a process exit without flushing its buffered items; multiproc buffers nothing,
   * so there is nothing to cancel and this does nothing. Kept for ported code.
   *
   * @example
   * ```ts
   * q.cancelJoinThread();
   * ```
   */
  cancelJoinThread(): void {}

  #what(): string {
    return this instanceof JoinableQueue ? 'JoinableQueue' : 'Queue';
  }

  /**
   * Yields items as they arrive, forever, until this handle is closed. Leaving the loop
   * (`break`) leaves the queue open.
   *
   * @example
   * ```ts
   * for await (const item of q) {
   *   if (item === null) break;
   *   handle(item);
   * }
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (!this.#engine.closed) {
      let item: T;
      try {
        item = (await this.#engine.get(undefined)) as T;
      } catch (error) {
        if (this.#engine.closed) return;
        throw error;
      }
      yield item;
    }
  }

  /** Same as `close()`, for `using q = new Queue()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Same as `close()`, for `await using q = new Queue()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * A `Queue` that counts unfinished tasks, as Python's `multiprocessing.JoinableQueue`: each
 * `put` adds one, each `taskDone()` (called by a consumer when it has finished with an item)
 * removes one, and `join()` waits until the count is back to zero.
 *
 * A consumer killed before its `taskDone()` leaves its task unfinished for good: `join()` then
 * waits forever, so join with a timeout where consumers may die.
 *
 * @example
 * ```ts
 * const q = new JoinableQueue<number>();
 * // consumer (another process): for (;;) { work(await q.get()); q.taskDone(); }
 * for (const n of [1, 2, 3]) await q.put(n);
 * await q.join(); // every item was processed
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /**
   * Marks one task done. Throws (`ERR_MP_TASK_DONE_TOO_OFTEN`) when called more times than
   * items were put; the count stays at zero and nothing in the queue is touched.
   *
   * @example
   * ```ts
   * const job = await q.get();
   * try { work(job); } finally { q.taskDone(); }
   * ```
   */
  taskDone(): void {
    if (!Queue.engineOf(this).taskDone()) {
      throw new MultiprocError('taskDone() called too many times', 'ERR_MP_TASK_DONE_TOO_OFTEN');
    }
  }

  /**
   * Resolves when every item put has been marked done with `taskDone()` (at once if none is
   * pending). Rejects with `JoinableQueue is closed` if this handle is closed meanwhile.
   *
   * @example
   * ```ts
   * await q.join();
   * ```
   */
  join(): Promise<void> {
    return Queue.engineOf(this).join();
  }

  /**
   * `join`, blocking the calling thread.
   *
   * @example
   * ```ts
   * q.joinSync();
   * ```
   */
  joinSync(): void {
    Queue.engineOf(this).joinSync();
  }
}

interface QueueHandle {
  kind: 'queue' | 'joinable';
  segment: unknown;
}

registerShareable<Queue<unknown>>({
  name: 'multiproc.Queue',
  Class: Queue,
  module: import.meta.url,
  toHandle(queue): QueueHandle {
    const engine = (Queue as unknown as { engineOf(q: Queue<unknown>): QueueEngine }).engineOf(
      queue,
    );
    if (engine.closed) throw engine.closedError();
    return {
      kind: queue instanceof JoinableQueue ? 'joinable' : 'queue',
      segment: engine.segment,
    };
  },
  fromHandle(data): Queue<unknown> {
    const { kind, segment } = data as QueueHandle;
    const what = kind === 'joinable' ? 'JoinableQueue' : 'Queue';
    const adoption = new Adoption(memoryOf(segment, what));
    return kind === 'joinable' ? new JoinableQueue(adoption) : new Queue(adoption);
  },
});
