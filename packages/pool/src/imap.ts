/**
 * `imap` and `imapUnordered`: lazy maps whose results are taken one at a time.
 *
 * The iterable is read only as fast as the consumer takes results: at most `maxInFlight` chunks
 * are submitted and not yet fully consumed, so an endless generator runs in constant memory.
 * Each item settles on its own: an item that throws makes `next()` reject at its position, and
 * iteration goes on with the next item, as in Python. Errors that end the iteration (the
 * iterable throws, an item cannot be sent, the signal aborts, the pool is terminated) come after
 * every result before them, once; then the iterator is done.
 */
import { checkTimeout, setLongTimeout, type LongTimer } from '@multiproc/native';
import {
  ProcessError,
  TimeoutError,
  UnsendableError,
  type TransferableHandle,
} from '@multiproc/serialize';
import { encodeChunk } from './chunking.js';
import { Deque } from './deque.js';
import { driverOf, makeIterator, type IMapDriver } from './imap-driver.js';
import { readChunks, type ChunkRead, type Source } from './imap-source.js';
import type { Engine } from './engine.js';
import { Task, type Job, type TaskOutcome } from './task.js';
import { abortError, watchSignal } from './jobs.js';
import type { TaskBody } from './protocol.js';

/** Results of one chunk, consumed item by item. */
interface Segment {
  values: ArrayLike<unknown>;
  /** Item errors by index in the chunk. */
  errors: Map<number, unknown> | null;
  /** The whole chunk failed (its worker died, it timed out): one error in its place. */
  failure: { error: unknown } | null;
  count: number;
  pos: number;
}

interface Waiter {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: unknown): void;
  timer: LongTimer | undefined;
  active: boolean;
}

/** The engine-facing half of an `imap` call. */
class IMapJob implements Job, IMapDriver {
  readonly method: string;
  readonly timeout: number | null | undefined;
  readonly #engine: Engine;
  readonly #fnId: number;
  readonly #source: Source;
  readonly #ordered: boolean;
  readonly #star: boolean;
  readonly #chunksize: number;
  readonly #maxInFlight: number;
  #nextChunk = 0;
  #nextItem = 0;
  /** Chunks submitted and not fully consumed. */
  #inFlight = 0;
  #pulling = false;
  /** Nothing more will be read from the source. */
  #exhausted = false;
  /** An error that ends the iteration after everything before it. */
  #terminal: { error: unknown } | null = null;
  /** Ended early (abort, pool stopped, `return()`): nothing more is read or submitted. */
  #stopped = false;
  /** Iteration is over (done delivered, or `return()` called). */
  #closed = false;
  readonly #chunkOf = new WeakMap<Task, number>();
  readonly #completed = new Map<number, Segment>();
  #nextDeliver = 0;
  #delivering = false;
  readonly #ready = new Deque<Segment>();
  readonly #waiters = new Deque<Waiter>();
  readonly #unwatch: () => void;

  constructor(
    engine: Engine,
    method: string,
    fnId: number,
    source: Source,
    options: {
      ordered: boolean;
      star: boolean;
      chunksize: number;
      maxInFlight: number;
      timeout: number | null | undefined;
      signal: AbortSignal | undefined;
    },
  ) {
    this.#engine = engine;
    this.method = method;
    this.#fnId = fnId;
    this.#source = source;
    this.#ordered = options.ordered;
    this.#star = options.star;
    this.#chunksize = options.chunksize;
    this.#maxInFlight = options.maxInFlight;
    this.timeout = options.timeout;
    const { signal } = options;
    engine.openJob(this);
    this.#unwatch = watchSignal(signal, () =>
      this.#end({ error: abortError(method, signal as AbortSignal) }, true),
    );
    this.#pull();
  }

  // -------------------------------------------------------------------------------------------
  // Reading the source and submitting chunks

  #pull(): void {
    if (this.#pulling) return;
    this.#pulling = true;
    const sync = this.#source.sync;
    const pulled = (): void => {
      this.#pulling = false;
      this.#deliver();
    };
    const reading = readChunks(
      this.#source,
      this.#chunksize,
      () => this.#wantsMore(),
      (read) => this.#submitChunk(read),
    );
    // A sync source has been read as far as wanted by now, in this tick.
    if (sync) pulled();
    reading.then(sync ? undefined : pulled, (error: unknown) => {
      this.#end({ error }, false);
      if (!sync) pulled();
    });
  }

  #wantsMore(): boolean {
    return !this.#exhausted && !this.#closed && this.#inFlight < this.#maxInFlight;
  }

  #submitChunk({ chunk, done, failed }: ChunkRead): void {
    if (this.#stopped) return;
    const state = this.#engine.state;
    if (state === 'terminated' || state === 'broken') {
      try {
        this.#engine.assertRunning();
      } catch (error) {
        this.#end({ error }, false);
      }
      return;
    }
    if (done || failed) this.#exhausted = true;
    if (failed) this.#terminal = failed;
    if (chunk.length > 0) {
      const start = this.#nextItem;
      const handles: TransferableHandle[] = [];
      let body: TaskBody;
      try {
        body = encodeChunk(
          chunk,
          0,
          chunk.length,
          this.#star,
          this.#engine.framer.contextFor(handles),
          start,
        );
      } catch (error) {
        // An item that cannot be sent ends the iteration there; the items before it still run.
        this.#exhausted = true;
        this.#terminal = { error };
        const good = error instanceof UnsendableError ? chunk.slice(0, error.index - start) : [];
        if (good.length > 0) this.#submitChunk({ chunk: good, done: true, failed: this.#terminal });
        else this.#engine.closeJob(this);
        return;
      }
      this.#nextItem += chunk.length;
      const task = new Task(this, this.#fnId, start, chunk.length, body, false);
      task.handles = handles;
      this.#chunkOf.set(task, this.#nextChunk++);
      this.#inFlight++;
      this.#engine.submit([task]);
    }
    if (this.#exhausted) this.#engine.closeJob(this);
  }

  // -------------------------------------------------------------------------------------------
  // Results

  complete(task: Task, outcome: TaskOutcome): void {
    const errors =
      outcome.errors.length > 0
        ? new Map(outcome.errors.map(([i, e]) => [i, e] as [number, unknown]))
        : null;
    this.#place(task, { values: outcome.values, errors, failure: null, count: task.count, pos: 0 });
  }

  fail(task: Task, error: unknown): void {
    const state = this.#engine.state;
    if (state === 'terminated' || state === 'broken') {
      this.#end({ error }, false);
      return;
    }
    this.#place(task, { values: [], errors: null, failure: { error }, count: 1, pos: 0 });
  }

  #place(task: Task, segment: Segment): void {
    if (this.#stopped || this.#closed) return;
    const index = this.#chunkOf.get(task) as number;
    if (this.#ordered) {
      this.#completed.set(index, segment);
      for (
        let s = this.#completed.get(this.#nextDeliver);
        s;
        s = this.#completed.get(this.#nextDeliver)
      ) {
        this.#completed.delete(this.#nextDeliver++);
        this.#ready.push(s);
      }
    } else {
      this.#ready.push(segment);
    }
    this.#deliver();
  }

  /** Hands ready results to waiting `next()` calls, in order. */
  #deliver(): void {
    // Taking a result may pull more of the source, which delivers again: one loop at a time.
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (;;) {
        const waiter = this.#waiters.peek();
        if (!waiter) return;
        if (!waiter.active) {
          this.#waiters.shift();
          continue;
        }
        const outcome = this.#take();
        if (!outcome) return;
        this.#waiters.shift();
        waiter.active = false;
        waiter.timer?.clear();
        if ('value' in outcome) waiter.resolve({ done: false, value: outcome.value });
        else if ('error' in outcome) waiter.reject(outcome.error);
        else waiter.resolve({ done: true, value: undefined });
      }
    } finally {
      this.#delivering = false;
    }
  }

  /** The next outcome for the consumer, if one is ready. */
  #take(): { value: unknown } | { error: unknown } | { done: true } | undefined {
    const segment = this.#ready.peek();
    if (segment) {
      let outcome: { value: unknown } | { error: unknown };
      if (segment.failure) {
        outcome = { error: segment.failure.error };
        segment.pos = segment.count;
      } else {
        const i = segment.pos++;
        outcome =
          segment.errors?.has(i) === true
            ? { error: segment.errors.get(i) }
            : { value: segment.values[i] };
      }
      if (segment.pos >= segment.count) {
        this.#ready.shift();
        this.#inFlight--;
        this.#pull();
      }
      return outcome;
    }
    if (this.#closed) return { done: true };
    if (this.#stopped || (this.#exhausted && this.#inFlight === 0 && !this.#pulling)) {
      const terminal = this.#terminal;
      this.#close();
      return terminal ? { error: terminal.error } : { done: true };
    }
    return undefined;
  }

  /** Ends the iteration early: abort, pool stopped, or the consumer's `return()`. */
  #end(terminal: { error: unknown } | null, kill: boolean): void {
    if (this.#stopped || this.#closed) return;
    const cancelError =
      terminal?.error ?? new ProcessError('the iteration was ended', 'ERR_MP_ITERATION_ENDED');
    this.#stopped = true;
    this.#exhausted = true;
    this.#terminal = terminal;
    this.#ready.drain();
    this.#completed.clear();
    this.#inFlight = 0;
    this.#engine.cancel(this, cancelError, kill);
    this.#closeSource();
    this.#deliver();
    if (!terminal) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch();
    this.#engine.closeJob(this);
  }

  #closeSource(): void {
    try {
      const result = this.#source.iterator.return?.();
      if (result && typeof (result as Promise<unknown>).then === 'function')
        (result as Promise<unknown>).then(undefined, () => undefined);
    } catch {
      // The source's own cleanup failed; nothing to report it to.
    }
  }

  // -------------------------------------------------------------------------------------------
  // The consumer's side

  next(timeout: number | null | undefined): Promise<IteratorResult<unknown>> {
    let ms: number;
    try {
      ms = checkTimeout(timeout, 'timeout');
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the TypeError thrown above
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined, active: true };
      this.#waiters.push(waiter);
      this.#deliver();
      if (!waiter.active || ms === Infinity) return;
      const expire = (): void => {
        if (!waiter.active) return;
        waiter.active = false;
        // The result stays pending: the next call to next() gets it.
        reject(new TimeoutError(`no result of pool.${this.method}() within ${timeout} ms`));
      };
      if (ms === 0) expire();
      else waiter.timer = setLongTimeout(expire, ms);
    });
  }

  return(): void {
    this.#end(null, false);
    for (const waiter of this.#waiters.drain()) {
      if (!waiter.active) continue;
      waiter.active = false;
      waiter.timer?.clear();
      waiter.resolve({ done: true, value: undefined });
    }
  }
}

/**
 * The iterator `imap` and `imapUnordered` return: an async iterator of results whose `next()`
 * takes an optional timeout, like Python's `IMapIterator.next(timeout)`.
 *
 * @example
 * ```ts
 * for await (const square of pool.imap(square, naturals())) {
 *   if (square > 1000) break; // stops reading naturals() and drops the queued chunks
 * }
 * const it = pool.imap(slow, [1, 2, 3]);
 * try { await it.next(10) } catch (e) { // TimeoutError: the value stays for the next call
 * }
 * ```
 */
export class IMapIterator<R> implements AsyncIterableIterator<R> {
  /** Pools create these: `pool.imap()`, `pool.imapUnordered()`. */
  private constructor() {}

  /**
   * The next result. Rejects with the item's error if it threw (iteration can go on), with a
   * `TimeoutError` if `timeout` ms pass first (the result stays pending for the next call), or
   * with the error that ended the iteration.
   *
   * @param timeout - milliseconds; `undefined` or `null` waits as long as it takes, `0` or less
   *   answers at once.
   */
  next(timeout?: number | null): Promise<IteratorResult<R>> {
    return driverOf(this).next(timeout) as Promise<IteratorResult<R>>;
  }

  /**
   * Stops the iteration (what `break` in `for await` calls): the source is closed, queued chunks
   * are dropped, and pending `next()` calls resolve as done.
   */
  return(): Promise<IteratorResult<R>> {
    driverOf(this).return();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  get [Symbol.toStringTag](): string {
    return 'IMapIterator';
  }
}

/** @internal Starts an imap call and returns its iterator. */
export function startIMap<R>(
  engine: Engine,
  method: string,
  fnId: number,
  source: Source,
  options: ConstructorParameters<typeof IMapJob>[4],
): IMapIterator<R> {
  return makeIterator(
    IMapIterator.prototype as IMapIterator<R>,
    new IMapJob(engine, method, fnId, source, options),
  );
}
