/**
 * `Pool` and `ThreadPool`: the public shells over the engine (`engine.ts`), with Python's
 * `multiprocessing.pool` API in camelCase, options objects and promises (API.md "Pools").
 */
import { inspect } from 'node:util';
import {
  assertSendable,
  invalidArgument,
  registerUnsendable,
  type TaskRef,
  type TransferableHandle,
} from '@multiproc/serialize';
import { getContext, type ProcessContext } from '@multiproc/process';
import { AsyncResult, settleAsyncResult } from './async-result.js';
import { allNumbers, defaultChunksize } from './chunking.js';
import { Engine, type EngineState } from './engine.js';
import { startIMap, type IMapIterator } from './imap.js';
import { ApplyJob, MapJob, abortError, type Settle } from './jobs.js';
import { Task } from './task.js';
import {
  checkFunctionOption,
  checkOptionsObject,
  checkPositiveInteger,
  checkTaskOptions,
  isIterable,
  resolvePoolOptions,
  type ApplyAsyncOptions,
  type IMapOptions,
  type MapAsyncOptions,
  type MapOptions,
  type PoolOptions,
  type TaskOptions,
} from './options.js';

/**
 * A function a worker can call: exported (sent by reference), self-contained (sent by source), or
 * a `taskRef()`.
 *
 * @example
 * ```ts
 * const task: PoolTask<[number], number> = taskRef(new URL('./work.js', import.meta.url), 'square');
 * ```
 */
export type PoolTask<A extends unknown[] = never[], R = unknown> = ((...args: A) => R) | TaskRef;

/** The result type of a task function (`unknown` for a `taskRef()`). */
type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : unknown;
/** The argument types of a task function. */
type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : unknown[];
/** The item type of a map function. */
type ItemOf<F> = F extends (item: infer T) => unknown ? T : unknown;

// A pool that is garbage-collected without being closed terminates its workers (Python's
// `Pool.__del__`); a backstop only: `await using`, `close()`/`join()` or `terminate()` are the way.
const finalizer = new FinalizationRegistry<Engine>((engine) => engine.terminate());

/** Materializes an iterable (awaiting an async one). */
async function collect(iterable: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  if (Array.isArray(iterable)) return iterable as unknown[];
  const out: unknown[] = [];
  for await (const item of iterable as AsyncIterable<unknown>) out.push(item);
  return out;
}

function isAsyncOnly(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function';
}

/** starmap items must be iterables of arguments: each becomes an array. */
function argumentLists(items: unknown[]): unknown[][] {
  const out = new Array<unknown[]>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (Array.isArray(item)) out[i] = item;
    else if (isIterable(item) && !isAsyncOnly(item)) out[i] = [...item];
    else throw invalidArgument(`items[${i}]`, 'an iterable of arguments', item);
  }
  return out;
}

/**
 * A pool of worker processes (or threads, for `ThreadPool`) that run tasks: Python's
 * `multiprocessing.Pool`.
 *
 * Workers start when there is work for them, up to `processes`, and stay until the pool is
 * closed. A worker that dies under a task fails that task with `WorkerLostError` and is replaced;
 * the pool goes on. Leaving an `await using` block terminates the pool, as Python's `with` does.
 *
 * @example
 * ```ts
 * import { Pool, isMainProcess } from 'multiproc';
 *
 * export function square(x: number) { return x * x }
 *
 * if (isMainProcess()) {
 *   await using pool = new Pool(4);
 *   console.log(await pool.map(square, [1, 2, 3]));         // [1, 4, 9]
 *   console.log(await pool.applyAsync(square, [10]).get(1000)); // 100
 *   for await (const y of pool.imapUnordered(square, [4, 5])) console.log(y);
 * }
 * ```
 */
export class Pool {
  readonly #engine: Engine;

  /**
   * @param options - `{ processes, initializer, initargs, maxtasksperchild, maxMemoryPerChild,
   *   context }`, or the number of processes.
   * @throws TypeError naming the option that is wrong, before any worker starts.
   */
  constructor(options?: PoolOptions | number | null) {
    this.#engine = new Engine(
      resolvePoolOptions(
        options,
        this.constructor.name,
        this.defaultContext(),
        this.workerNamePrefix,
      ),
    );
    finalizer.register(this, this.#engine, this);
  }

  /** The start method this pool's workers use, for `ThreadPool` and context-bound pools. */
  protected defaultContext(): ProcessContext {
    return getContext();
  }

  /** Worker names are `<prefix>-N`. */
  protected get workerNamePrefix(): string {
    return 'PoolWorker';
  }

  /** The number of workers the pool runs at most. */
  get processes(): number {
    return this.#engine.processes;
  }

  /**
   * `'running'`; `'closing'` after `close()`, `'closed'` once its workers have exited;
   * `'terminated'`; or `'broken'` (its initializer failed, or workers keep dying at start).
   */
  get state(): EngineState {
    return this.#engine.state;
  }

  // -------------------------------------------------------------------------------------------
  // apply

  /**
   * Calls `fn(...args)` in a worker and resolves with its result.
   *
   * @example
   * ```ts
   * const n = await pool.apply(add, [1, 2]); // 3
   * ```
   */
  apply<F extends PoolTask<never[]>>(
    fn: F,
    args?: ArgsOf<F>,
    options?: TaskOptions,
  ): Promise<ResultOf<F>> {
    return new Promise((resolve, reject) => {
      this.#submitApply('apply', fn, args, options, (outcome) => {
        if (outcome.ok) resolve(outcome.value as ResultOf<F>);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever the task threw
        else reject(outcome.error);
      });
    });
  }

  /**
   * Calls `fn(...args)` in a worker and returns at once with an `AsyncResult`.
   *
   * @throws TypeError for a function or argument that cannot be sent, before anything is sent.
   * @example
   * ```ts
   * const r = pool.applyAsync(square, [20], { callback: (v) => console.log(v) });
   * console.log(await r.get(1000)); // 400
   * ```
   */
  applyAsync<F extends PoolTask<never[]>>(
    fn: F,
    args?: ArgsOf<F>,
    options?: ApplyAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>> {
    checkOptionsObject(options, 'options');
    checkFunctionOption(options?.callback, 'options.callback');
    checkFunctionOption(options?.errorCallback, 'options.errorCallback');
    const result = new AsyncResult<ResultOf<F>>({
      callback: options?.callback,
      errorCallback: options?.errorCallback,
    });
    let thrown: { error: unknown } | undefined;
    this.#submitApply(
      'applyAsync',
      fn,
      args,
      options,
      (outcome) => {
        settleAsyncResult(result, outcome as { ok: true; value: ResultOf<F> });
      },
      (error) => (thrown = { error }),
    );
    if (thrown) throw thrown.error;
    return result;
  }

  #submitApply(
    method: string,
    fn: unknown,
    args: unknown,
    options: TaskOptions | undefined,
    settle: Settle<unknown>,
    onBadInput?: (error: unknown) => void,
  ): void {
    const engine = this.#engine;
    let task: Task;
    try {
      engine.assertRunning();
      checkTaskOptions(options, 'options');
      const fnId = engine.framer.functionId(fn, 'fn');
      if (args !== undefined && !Array.isArray(args))
        throw invalidArgument('args', 'an array', args);
      const signal = options?.signal;
      if (signal?.aborted) {
        settle({ ok: false, error: abortError(method, signal) });
        return;
      }
      const handles: TransferableHandle[] = [];
      const bytes = engine.framer.encodeArgs(args ?? [], handles);
      const job = new ApplyJob(engine, method, settle, options?.timeout, signal);
      task = new Task(job, fnId, 0, 1, { kind: 'args', bytes }, true);
      task.handles = handles;
    } catch (error) {
      if (onBadInput) onBadInput(error);
      else settle({ ok: false, error });
      return;
    }
    engine.submit([task]);
  }

  // -------------------------------------------------------------------------------------------
  // map, starmap

  /**
   * Calls `fn(item)` for every item, in parallel, and resolves with the results in order. Takes
   * any iterable or async iterable (read whole first, as Python does). Items go to workers in
   * chunks; a chunk of plain numbers travels as raw float64s. The first item that throws rejects
   * the call (its queued chunks are dropped).
   *
   * @example
   * ```ts
   * await pool.map(square, [1, 2, 3]);                 // [1, 4, 9]
   * await pool.map(square, bigArray, { chunksize: 1000 });
   * ```
   */
  async map<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: MapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.#mapAsync<ResultOf<F>>('map', fn, iterable, options, false).get();
  }

  /**
   * `map` returning an `AsyncResult` at once.
   *
   * @example
   * ```ts
   * const r = pool.mapAsync(square, [1, 2, 3], { callback: (rs) => console.log(rs) });
   * await r.wait();
   * ```
   */
  mapAsync<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: MapAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>[]> {
    return this.#mapAsync('mapAsync', fn, iterable, options, false);
  }

  /**
   * Like `map`, with each item an iterable of arguments: `fn(...item)`.
   *
   * @example
   * ```ts
   * await pool.starmap(add, [[1, 2], [3, 4]]); // [3, 7]
   * ```
   */
  async starmap<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<Iterable<unknown>> | AsyncIterable<Iterable<unknown>>,
    options?: MapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.#mapAsync<ResultOf<F>>('starmap', fn, iterable, options, true).get();
  }

  /**
   * `starmap` returning an `AsyncResult` at once.
   *
   * @example
   * ```ts
   * const r = pool.starmapAsync(add, [[1, 2], [3, 4]]);
   * console.log(await r.get()); // [3, 7]
   * ```
   */
  starmapAsync<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<Iterable<unknown>> | AsyncIterable<Iterable<unknown>>,
    options?: MapAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>[]> {
    return this.#mapAsync('starmapAsync', fn, iterable, options, true);
  }

  #mapAsync<R>(
    method: string,
    fn: unknown,
    iterable: unknown,
    options: MapAsyncOptions<R> | undefined,
    star: boolean,
  ): AsyncResult<R[]> {
    const engine = this.#engine;
    engine.assertRunning();
    checkTaskOptions(options, 'options');
    checkFunctionOption(options?.callback, 'options.callback');
    checkFunctionOption(options?.errorCallback, 'options.errorCallback');
    if (options?.chunksize !== undefined)
      checkPositiveInteger(options.chunksize, 'options.chunksize');
    const fnId = engine.framer.functionId(fn, 'fn');
    if (!isIterable(iterable))
      throw invalidArgument('iterable', 'an iterable or an async iterable', iterable);
    const result = new AsyncResult<R[]>({
      callback: options?.callback,
      errorCallback: options?.errorCallback,
    });
    const settle: Settle<R[]> = (outcome) => settleAsyncResult(result, outcome);
    const start = (items: unknown[]): void => {
      const signal = options?.signal;
      if (signal?.aborted) {
        settle({ ok: false, error: abortError(method, signal) });
        return;
      }
      const list = star ? argumentLists(items) : items;
      // Refuse what cannot be sent before anything is sent, naming it (`items[3].handler`).
      if (star || !allNumbers(list)) assertSendable(list, 'items');
      const job = new MapJob<R>(engine, method, list, star, settle, options?.timeout, signal);
      const chunksize = options?.chunksize ?? defaultChunksize(list.length, engine.processes);
      const tasks = job.tasks(fnId, chunksize);
      if (tasks.length > 0) engine.submit(tasks);
    };
    if (isAsyncOnly(iterable)) {
      // Read the whole async iterable first; failures (its own, or an unsendable item) settle the result.
      collect(iterable).then(
        (items) => {
          try {
            engine.assertRunning();
            start(items);
          } catch (error) {
            settle({ ok: false, error });
          }
        },
        (error: unknown) => settle({ ok: false, error }),
      );
    } else {
      start(Array.isArray(iterable) ? iterable : [...iterable]);
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // imap

  /**
   * A lazy `map`: results in order, one at a time, as they are taken. Reads the iterable only
   * as fast as results are taken (`maxInFlight` chunks ahead), so it works on endless
   * generators. An item that throws rejects `next()` at its position; iteration goes on.
   *
   * @example
   * ```ts
   * for await (const y of pool.imap(square, naturals(), { chunksize: 100 })) {
   *   if (y > 10_000) break;
   * }
   * ```
   */
  imap<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: IMapOptions,
  ): IMapIterator<ResultOf<F>> {
    return this.#imap('imap', fn, iterable, options, true);
  }

  /**
   * Like `imap`, with results in the order they finish.
   *
   * @example
   * ```ts
   * for await (const y of pool.imapUnordered(square, [1, 2, 3])) console.log(y);
   * ```
   */
  imapUnordered<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: IMapOptions,
  ): IMapIterator<ResultOf<F>> {
    return this.#imap('imapUnordered', fn, iterable, options, false);
  }

  #imap<R>(
    method: string,
    fn: unknown,
    iterable: unknown,
    options: IMapOptions | undefined,
    ordered: boolean,
  ): IMapIterator<R> {
    const engine = this.#engine;
    engine.assertRunning();
    checkTaskOptions(options, 'options');
    const chunksize = options?.chunksize ?? 1;
    checkPositiveInteger(chunksize, 'options.chunksize');
    const maxInFlight = options?.maxInFlight ?? 2 * engine.processes;
    checkPositiveInteger(maxInFlight, 'options.maxInFlight');
    const fnId = engine.framer.functionId(fn, 'fn');
    if (!isIterable(iterable))
      throw invalidArgument('iterable', 'an iterable or an async iterable', iterable);
    const source = isAsyncOnly(iterable)
      ? { sync: false as const, iterator: iterable[Symbol.asyncIterator]() }
      : { sync: true as const, iterator: iterable[Symbol.iterator]() };
    const signal = options?.signal;
    const iterator = startIMap<R>(engine, method, fnId, source, {
      ordered,
      star: false,
      chunksize,
      maxInFlight,
      timeout: options?.timeout,
      signal,
    });
    return iterator;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * No more tasks; the workers exit once the submitted work is done. Submitting afterwards
   * throws. Idempotent.
   *
   * @example
   * ```ts
   * pool.close();
   * await pool.join();
   * ```
   */
  close(): void {
    this.#engine.close();
  }

  /**
   * Stops every worker now (SIGTERM, then SIGKILL after 1 s) and rejects every unfinished task
   * with a `ProcessError` (`ERR_MP_POOL_TERMINATED`). Leaves no process behind once `join()`
   * resolves. Idempotent.
   *
   * @example
   * ```ts
   * pool.terminate();
   * await pool.join();
   * ```
   */
  terminate(): void {
    finalizer.unregister(this);
    this.#engine.terminate();
  }

  /**
   * Resolves once every worker has exited. Call `close()` or `terminate()` first.
   *
   * @example
   * ```ts
   * pool.close();
   * await pool.join();
   * ```
   */
  join(): Promise<void> {
    return this.#engine.join();
  }

  /** `await using pool = new Pool()`: terminates the pool and waits for its workers, like Python's `with`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.join();
  }

  /** `using pool = new Pool()`: terminates the pool (without waiting for the workers to exit). */
  [Symbol.dispose](): void {
    this.terminate();
  }

  [inspect.custom](): string {
    const workers = this.#engine.workerInfo();
    return `<${this.constructor.name} processes=${this.processes} state=${this.state} workers=${workers.length}>`;
  }

  /**
   * The live workers, for diagnostics (not part of Python's API): name, pid (this process's for
   * thread workers), state (`starting`, `ready`, `retiring`, `exiting`, `killed`) and how many
   * tasks each holds.
   *
   * @example
   * ```ts
   * console.table(pool.workers());
   * ```
   */
  workers(): {
    /** The worker's name (`PoolWorker-N`). */
    name: string;
    /** Its process id (the pool's own for a `ThreadPool`); `undefined` until it has started. */
    pid: number | undefined;
    /** Where it is in its life: `'starting'`, `'ready'`, `'retiring'`, `'exiting'` … */
    state: string;
    /** How many of its tasks have been sent and not yet answered. */
    inflight: number;
  }[] {
    return this.#engine.workerInfo();
  }
}

/**
 * A pool of worker threads with the same API as `Pool`, like Python's
 * `multiprocessing.pool.ThreadPool`. Tasks run in `worker_threads` of this process; arguments and
 * results still travel by copy.
 *
 * @example
 * ```ts
 * await using pool = new ThreadPool(4);
 * await pool.map((x: number) => x * x, [1, 2, 3]); // self-contained functions travel by source
 * ```
 */
export class ThreadPool extends Pool {
  constructor(options?: Omit<PoolOptions, 'context'> | number | null) {
    if (
      typeof options === 'object' &&
      options !== null &&
      'context' in options &&
      options.context !== undefined
    )
      throw new TypeError(
        'options.context cannot be given to a ThreadPool: its workers are always threads',
      );
    super(options);
  }

  protected override defaultContext(): ProcessContext {
    return getContext('thread');
  }

  protected override get workerNamePrefix(): string {
    return 'ThreadPoolWorker';
  }
}

registerUnsendable(
  Pool,
  'is a Pool',
  'a pool belongs to the process that created it; send the data its tasks need instead',
);
