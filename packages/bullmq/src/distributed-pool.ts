/**
 * `DistributedPool`: the methods of `@multiproc/pool`'s `Pool`, with the work done by
 * `multiproc-worker` processes on any machine that reaches the same Redis.
 *
 * A class of its own rather than a `backend` option of `Pool`: the two share their results'
 * shapes (`AsyncResult`, `IMapIterator`) but nothing of their engines (a local pool owns its
 * processes, pipes and timers; this one owns Redis connections and a queue), `Pool` stays free
 * of BullMQ and Redis for everyone who installs it alone, and each engine can change without
 * the other.
 */
import { invalidArgument } from '@multiproc/serialize';
import type { AsyncResult, IMapIterator, PoolTask } from '@multiproc/pool';
import { BatchCall } from './calls.js';
import { Engine, type DistributedPoolState } from './engine.js';
import type { Source } from '@multiproc/pool/internal';
import { startIMap } from './imap.js';
import {
  checkPositiveInteger,
  checkQueueOptions,
  checkTaskOptions,
  type DistributedApplyAsyncOptions,
  type DistributedIMapOptions,
  type DistributedMapAsyncOptions,
  type DistributedMapOptions,
  type DistributedPoolOptions,
  type DistributedTaskOptions,
} from './options.js';

/** The result type of a task function (`unknown` for a `taskRef()`). @inline */
type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : unknown;
/** The argument types of a task function. @inline */
type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : unknown[];
/** The item type of a map function. @inline */
type ItemOf<F> = F extends (item: infer T, ...rest: never[]) => unknown ? T : unknown;

/** Chunks `map` makes when not told: enough for every worker to take a few, at most 1000 items each. */
function defaultChunksize(length: number): number {
  return Math.min(1000, Math.max(1, Math.ceil(length / 64)));
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'string') &&
    (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
  );
}

async function collect(iterable: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  if (Symbol.asyncIterator in Object(iterable)) {
    const out: unknown[] = [];
    for await (const item of iterable as AsyncIterable<unknown>) out.push(item);
    return out;
  }
  return Array.from(iterable as Iterable<unknown>);
}

/**
 * A pool whose workers are `multiproc-worker` processes on any number of machines, reached
 * through a BullMQ queue on Redis. Tasks are exported functions (or `taskRef`s) that the workers
 * import; arguments, results and errors travel in multiproc's codec, so `Map`, `Date`, `BigInt`,
 * `Buffer` and error classes arrive as they left.
 *
 * @example
 * ```ts
 * import { DistributedPool } from '@multiproc/bullmq';
 * import { square } from './tasks.js'; // workers import the same module
 *
 * await using pool = new DistributedPool({ connection: 'redis://10.0.0.5:6379', queue: 'squares' });
 * console.log(await pool.map(square, [1, 2, 3])); // [1, 4, 9]
 * ```
 */
export class DistributedPool {
  readonly #engine: Engine;

  /**
   * Connects to Redis and starts reading this pool's result list. Nothing is queued until a
   * method is called.
   *
   * @throws TypeError for invalid options, before any connection opens.
   * @example
   * ```ts
   * const pool = new DistributedPool({
   *   connection: { host: 'redis.internal', port: 6380, password: process.env.REDIS_PASSWORD, tls: {} },
   *   queue: 'thumbnails',
   *   attempts: 2,
   * });
   * ```
   */
  constructor(options: DistributedPoolOptions) {
    checkQueueOptions(options, 'an object with connection and queue');
    const attempts = options.attempts ?? 3;
    checkPositiveInteger(attempts, 'options.attempts');
    const maxInFlight = options.maxInFlight ?? 8;
    checkPositiveInteger(maxInFlight, 'options.maxInFlight');
    const heartbeatTtl = options.heartbeatTtl ?? 30_000;
    checkPositiveInteger(heartbeatTtl, 'options.heartbeatTtl');
    if (
      options.allowFunctionSource !== undefined &&
      typeof options.allowFunctionSource !== 'boolean'
    )
      throw invalidArgument(
        'options.allowFunctionSource',
        'a boolean',
        options.allowFunctionSource,
      );
    if (
      options.prefix !== undefined &&
      (typeof options.prefix !== 'string' || options.prefix === '')
    )
      throw invalidArgument('options.prefix', 'a non-empty string', options.prefix);
    this.#engine = new Engine({
      connection: options.connection,
      queue: options.queue,
      attempts,
      maxInFlight,
      heartbeatTtl,
      allowFunctionSource: options.allowFunctionSource ?? false,
      prefix: options.prefix ?? 'bull',
    });
  }

  /**
   * `'running'`, `'closing'` (after `close()`, work still running), `'closed'` or `'terminated'`.
   *
   * @example
   * ```ts
   * pool.close();
   * console.log(pool.state); // 'closing', then 'closed' once everything has settled
   * ```
   */
  get state(): DistributedPoolState {
    return this.#engine.state;
  }

  /**
   * This pool's id: its chunks are `<id>-<n>` in the queue, its results arrive on its own list.
   *
   * @example
   * ```ts
   * console.log(`bull:squares:${pool.id}-0`); // the first chunk's job key
   * ```
   */
  get id(): string {
    return this.#engine.poolId;
  }

  /**
   * Runs `fn(...args)` on some worker and resolves with its result.
   *
   * @example
   * ```ts
   * const total = await pool.apply(sum, [1, 2, 3], { timeout: 5000 });
   * ```
   */
  async apply<F extends PoolTask<never[]>>(
    fn: F,
    args?: ArgsOf<F>,
    options?: DistributedTaskOptions,
  ): Promise<ResultOf<F>> {
    return this.applyAsync(fn, args, options).get();
  }

  /**
   * Like `apply`, returning an `AsyncResult` at once; `callback` or `errorCallback` runs when it
   * settles.
   *
   * @example
   * ```ts
   * const result = pool.applyAsync(square, [7], { callback: (v) => console.log(v) });
   * await result.wait();
   * ```
   */
  applyAsync<F extends PoolTask<never[]>>(
    fn: F,
    args?: ArgsOf<F>,
    options?: DistributedApplyAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>> {
    const o = checkTaskOptions(options, 'options') as DistributedApplyAsyncOptions<ResultOf<F>>;
    this.#engine.assertRunning();
    if (args !== undefined && !Array.isArray(args))
      throw invalidArgument('args', 'an array of arguments', args);
    const spec = this.#engine.describe(fn, 'fn');
    const call = new BatchCall<ResultOf<F>>(
      this.#engine,
      'applyAsync',
      { signal: o.signal, timeout: o.timeout, onProgress: o.onProgress, single: true },
      { callback: o.callback, errorCallback: o.errorCallback },
    );
    call.start(spec, [args ?? []], true, 1);
    return call.result;
  }

  /**
   * Runs `fn(item)` for every item, in chunks, and resolves with the results in order; rejects
   * with the first error that arrives. `iterable` may be async.
   *
   * @example
   * ```ts
   * const squares = await pool.map(square, range(100_000), { chunksize: 1000 });
   * ```
   */
  async map<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: DistributedMapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.#batch<ResultOf<F>>('map', fn, iterable, false, options).get();
  }

  /**
   * Like `map`, returning an `AsyncResult` at once.
   *
   * @example
   * ```ts
   * const result = pool.mapAsync(square, [1, 2, 3], { callback: (all) => console.log(all) });
   * ```
   */
  mapAsync<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: DistributedMapAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>[]> {
    return this.#batch<ResultOf<F>>('mapAsync', fn, iterable, false, options);
  }

  /**
   * Like `map`, with each item an argument list: `fn(...item)`.
   *
   * @example
   * ```ts
   * await pool.starmap(pow, [[2, 3], [3, 2]]); // [8, 9]
   * ```
   */
  async starmap<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ArgsOf<F>> | AsyncIterable<ArgsOf<F>>,
    options?: DistributedMapOptions,
  ): Promise<ResultOf<F>[]> {
    return this.#batch<ResultOf<F>>('starmap', fn, iterable, true, options).get();
  }

  /**
   * Like `starmap`, returning an `AsyncResult` at once.
   *
   * @example
   * ```ts
   * const result = pool.starmapAsync(pow, [[2, 10]]);
   * console.log(await result.get()); // [1024]
   * ```
   */
  starmapAsync<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ArgsOf<F>> | AsyncIterable<ArgsOf<F>>,
    options?: DistributedMapAsyncOptions<ResultOf<F>>,
  ): AsyncResult<ResultOf<F>[]> {
    return this.#batch<ResultOf<F>>('starmapAsync', fn, iterable, true, options);
  }

  #batch<R>(
    method: string,
    fn: unknown,
    iterable: unknown,
    star: boolean,
    options: DistributedMapAsyncOptions<R> | undefined,
  ): AsyncResult<R[]> {
    const o = checkTaskOptions(options, 'options') as DistributedMapAsyncOptions<R>;
    this.#engine.assertRunning();
    if (!isIterable(iterable))
      throw invalidArgument('iterable', 'an iterable or async iterable', iterable);
    const spec = this.#engine.describe(fn, 'fn');
    const call = new BatchCall<R[]>(
      this.#engine,
      method,
      { signal: o.signal, timeout: o.timeout, onProgress: o.onProgress, single: false },
      { callback: o.callback, errorCallback: o.errorCallback },
    );
    const start = (items: unknown[]): void =>
      call.start(spec, items, star, o.chunksize ?? defaultChunksize(items.length));
    if (Array.isArray(iterable)) start(iterable);
    else collect(iterable).then(start, (error: unknown) => call.end(error));
    return call.result;
  }

  /**
   * Runs `fn` over `iterable` lazily and yields the results in order, reading at most
   * `maxInFlight` chunks ahead of the consumer, so endless sources work. `onProgress` sees what
   * the tasks report.
   *
   * @example
   * ```ts
   * for await (const thumb of pool.imap(render, files, { chunksize: 4, onProgress: console.log })) save(thumb);
   * ```
   */
  imap<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: DistributedIMapOptions,
  ): IMapIterator<ResultOf<F>> {
    return this.#imap<ResultOf<F>>('imap', fn, iterable, true, options);
  }

  /**
   * Like `imap`, yielding results as they arrive.
   *
   * @example
   * ```ts
   * for await (const r of pool.imapUnordered(check, urls)) console.log(r);
   * ```
   */
  imapUnordered<F extends PoolTask<never[]>>(
    fn: F,
    iterable: Iterable<ItemOf<F>> | AsyncIterable<ItemOf<F>>,
    options?: DistributedIMapOptions,
  ): IMapIterator<ResultOf<F>> {
    return this.#imap<ResultOf<F>>('imapUnordered', fn, iterable, false, options);
  }

  #imap<R>(
    method: string,
    fn: unknown,
    iterable: unknown,
    ordered: boolean,
    options: DistributedIMapOptions | undefined,
  ): IMapIterator<R> {
    const o = checkTaskOptions(options, 'options') as DistributedIMapOptions;
    this.#engine.assertRunning();
    if (!isIterable(iterable))
      throw invalidArgument('iterable', 'an iterable or async iterable', iterable);
    const spec = this.#engine.describe(fn, 'fn');
    const source: Source =
      Symbol.asyncIterator in Object(iterable)
        ? { sync: false, iterator: (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]() }
        : { sync: true, iterator: (iterable as Iterable<unknown>)[Symbol.iterator]() };
    return startIMap<R>(this.#engine, method, spec, source, {
      ordered,
      star: false,
      chunksize: o.chunksize ?? 1,
      maxInFlight: o.maxInFlight ?? this.#engine.maxInFlight,
      timeout: o.timeout,
      signal: o.signal,
      onProgress: o.onProgress,
    });
  }

  /**
   * Accepts no more work; what was submitted goes on. Then `join()` waits for it.
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
   * Stops at once: pending calls reject (`ERR_MP_POOL_TERMINATED`), queued chunks are removed,
   * and workers skip any of this pool's chunks they have not started.
   *
   * @example
   * ```ts
   * pool.terminate();
   * await pool.join();
   * ```
   */
  terminate(): void {
    this.#engine.terminate();
  }

  /**
   * Resolves once the pool has stopped and closed its connections, after `close()` or
   * `terminate()`.
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

  /**
   * `await using pool = …` terminates the pool when the block ends, as Python's `with` does.
   *
   * @example
   * ```ts
   * { await using pool = new DistributedPool({ connection, queue }); await pool.map(f, xs); }
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.join();
  }

  get [Symbol.toStringTag](): string {
    return 'DistributedPool';
  }
}
