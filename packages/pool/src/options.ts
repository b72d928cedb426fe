/**
 * Options of pools and of their methods, with the checks that run before anything is sent.
 * Messages name the option, what it must be, and what was received.
 */
import { checkTimeout } from '@multiproc/native';
import {
  ProcessError,
  assertSendable,
  describeFunction,
  invalidArgument,
  type FunctionSpec,
  type TaskRef,
} from '@multiproc/serialize';
import { cpuCount, currentProcess, type ProcessContext } from '@multiproc/process';

/**
 * Options of `new Pool(…)`.
 *
 * @example
 * ```ts
 * const pool = new Pool({ processes: 4, initializer: connect, initargs: [url], maxtasksperchild: 100 });
 * ```
 */
export interface PoolOptions {
  /**
   * How many workers run tasks at once. Workers start when there is work for them (an idle pool
   * holds none until its first task) and stay until the pool closes, unless recycled.
   * @default cpuCount()
   */
  processes?: number | undefined;
  /**
   * Called as `initializer(...initargs)` in every worker when it starts, before its first task.
   * Awaited if it returns a promise. If it throws, the pool stops (its pending tasks reject and
   * further submissions throw) instead of restarting workers forever, as Python's does.
   * @example `new Pool({ initializer: openDatabase, initargs: ['db.sqlite'] })`
   */
  initializer?: ((...args: never[]) => unknown) | TaskRef | undefined;
  /**
   * Arguments of `initializer`. Anything multiproc can send, shareable objects included.
   * @default []
   */
  initargs?: unknown[] | undefined;
  /**
   * A worker exits after this many tasks (a `map` chunk counts as one task) and a fresh one
   * replaces it, to free what a task leaked.
   * @default undefined (workers live as long as the pool)
   */
  maxtasksperchild?: number | null | undefined;
  /**
   * A worker whose memory use passes this many bytes after a task is replaced by a fresh one.
   * Measured as the worker's RSS for process pools, and as its V8 heap for thread pools (threads
   * share one RSS). Checked when a task ends: after every task that ran ≥ 1 ms, and after short
   * tasks at most once every 20 ms (reading RSS costs ~4 µs, a fifth of a small `apply`).
   * @default undefined (no limit)
   * @example `new Pool({ maxMemoryPerChild: 512 * 1024 ** 2 })`
   */
  maxMemoryPerChild?: number | null | undefined;
  /**
   * The start method of the workers, as a context object (`getContext('spawn')`). A
   * `ThreadPool` always uses threads.
   * @default the context of the default start method (`getStartMethod()`)
   */
  context?: ProcessContext | undefined;
}

/**
 * Options of every submitting method.
 *
 * @example
 * ```ts
 * await pool.apply(resize, [image], { timeout: 5_000, signal: AbortSignal.timeout(60_000) });
 * ```
 */
export interface TaskOptions {
  /**
   * Cancels the call's queued and running work; the call rejects with an `AbortError`. A worker
   * running a task of the call is killed (and replaced).
   */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds one task may run (a chunk of `chunksize` items, for map-like calls). A task
   * over it is killed with its worker (which is replaced) and fails with a `TimeoutError`.
   * `null` or `undefined`: no limit (the timeout rule of `docs/timeouts.md`).
   * @default undefined (no limit)
   */
  timeout?: number | null | undefined;
}

/**
 * Options of `applyAsync`.
 *
 * @example
 * ```ts
 * pool.applyAsync(square, [3], { callback: (v) => console.log(v), errorCallback: console.error });
 * ```
 */
export interface ApplyAsyncOptions<R> extends TaskOptions {
  /** Called with the result when the task succeeds. */
  callback?: ((result: R) => void) | undefined;
  /** Called with the error when the task fails. */
  errorCallback?: ((error: unknown) => void) | undefined;
}

/**
 * Options of `map` and `starmap`.
 *
 * @example
 * ```ts
 * await pool.map(square, numbers, { chunksize: 10_000 });
 * ```
 */
export interface MapOptions extends TaskOptions {
  /**
   * Items per task. Larger chunks cost fewer round trips.
   * @default Python's rule: ⌈items / (4 × processes)⌉
   */
  chunksize?: number | undefined;
}

/**
 * Options of `mapAsync` and `starmapAsync`.
 *
 * @example
 * ```ts
 * pool.mapAsync(square, numbers, { callback: (squares) => console.log(squares.length) });
 * ```
 */
export interface MapAsyncOptions<R> extends MapOptions {
  /** Called with the results when every item succeeded. */
  callback?: ((results: R[]) => void) | undefined;
  /** Called with the first error when an item failed. */
  errorCallback?: ((error: unknown) => void) | undefined;
}

/**
 * Options of `imap` and `imapUnordered`.
 *
 * @example
 * ```ts
 * for await (const row of pool.imap(parse, readLines(file), { chunksize: 100, maxInFlight: 8 })) save(row);
 * ```
 */
export interface IMapOptions extends TaskOptions {
  /**
   * Items per task.
   * @default 1
   */
  chunksize?: number | undefined;
  /**
   * How many chunks may be submitted ahead of what the consumer has taken. The iterable is read
   * only as fast as that allows, so an endless generator works in constant memory.
   * @default 2 × processes
   */
  maxInFlight?: number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks

export function checkPositiveInteger(value: unknown, path: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw invalidArgument(path, 'a positive integer', value);
}

export function checkOptionsObject(value: unknown, path: string): asserts value is object {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value)))
    throw invalidArgument(path, 'an object', value);
}

export function checkFunctionOption(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'function')
    throw invalidArgument(path, 'a function', value);
}

export function checkSignal(
  value: unknown,
  path: string,
): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal))
    throw invalidArgument(path, 'an AbortSignal', value);
}

/** Checks the options shared by every submitting method. */
export function checkTaskOptions(options: TaskOptions | undefined, path: string): void {
  checkOptionsObject(options, path);
  if (!options) return;
  checkSignal(options.signal, `${path}.signal`);
  checkTimeout(options.timeout, `${path}.timeout`);
}

/** Whether a value can be iterated with `for … of` or `for await … of`. */
export function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    value !== null &&
    value !== undefined &&
    (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
  );
}

// ---------------------------------------------------------------------------------------------
// Pool options, resolved

const optionNames = new Set([
  'processes',
  'initializer',
  'initargs',
  'maxtasksperchild',
  'maxMemoryPerChild',
  'context',
]);

function isContext(value: unknown): value is ProcessContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProcessContext).Process === 'function' &&
    ((value as ProcessContext).startMethod === 'spawn' ||
      (value as ProcessContext).startMethod === 'thread')
  );
}

/** What the engine runs on: the pool's options checked, with their defaults filled in. */
export interface ResolvedPoolOptions {
  processes: number;
  context: ProcessContext;
  initializer: FunctionSpec | null;
  initargs: unknown[];
  maxtasksperchild: number | null;
  maxMemoryPerChild: number | null;
  /** Worker names are `<prefix>-<n>`. */
  namePrefix: string;
}

/**
 * Checks `new Pool(options)`'s options (all of them, before any worker exists) and fills in the
 * defaults.
 *
 * @param className - for messages (`Pool`, `ThreadPool`)
 * @param defaultContext - the context when none is given
 */
export function resolvePoolOptions(
  options: PoolOptions | number | null | undefined,
  className: string,
  defaultContext: ProcessContext,
  namePrefix: string,
): ResolvedPoolOptions {
  if (typeof options === 'number') options = { processes: options };
  // `Pool(None)` in Python: the defaults.
  if (options === null) options = undefined;
  if (options !== undefined && (typeof options !== 'object' || Array.isArray(options)))
    throw invalidArgument('options', 'an object or a number of processes', options);
  const o: PoolOptions = options ?? {};
  for (const key of Object.keys(o)) {
    if (!optionNames.has(key))
      throw new TypeError(
        `options.${key} is not an option of ${className}; the options are ${[...optionNames].join(', ')}`,
      );
  }
  const processes = o.processes ?? cpuCount();
  checkPositiveInteger(processes, 'options.processes');
  let initializer: FunctionSpec | null = null;
  if (o.initializer !== undefined && o.initializer !== null)
    initializer = describeFunction(o.initializer, 'options.initializer');
  const initargs = o.initargs ?? [];
  if (!Array.isArray(initargs)) throw invalidArgument('options.initargs', 'an array', initargs);
  assertSendable(initargs, 'options.initargs');
  const maxtasksperchild = o.maxtasksperchild ?? null;
  if (maxtasksperchild !== null) checkPositiveInteger(maxtasksperchild, 'options.maxtasksperchild');
  const maxMemoryPerChild = o.maxMemoryPerChild ?? null;
  if (
    maxMemoryPerChild !== null &&
    (typeof maxMemoryPerChild !== 'number' || !(maxMemoryPerChild > 0))
  )
    throw invalidArgument('options.maxMemoryPerChild', 'a number of bytes > 0', maxMemoryPerChild);
  if (o.context !== undefined && !isContext(o.context))
    throw invalidArgument(
      'options.context',
      "a context from getContext('spawn' | 'thread')",
      o.context,
    );
  const context = o.context ?? defaultContext;
  if (context.startMethod === 'spawn' && currentProcess().daemon) {
    throw new ProcessError(
      'a process Pool cannot be created in a daemon process (pool workers are daemons); use a ThreadPool there',
    );
  }
  return {
    processes,
    context,
    initializer,
    initargs,
    maxtasksperchild,
    maxMemoryPerChild,
    namePrefix,
  };
}
