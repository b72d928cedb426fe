/** Options of `DistributedPool` and of its calls, with their checks. */
import { invalidArgument } from '@multiproc/serialize';
import type { ApplyAsyncOptions, MapAsyncOptions } from '@multiproc/pool';
import { checkConnection, type RedisConnection } from './connection.js';

/**
 * Options of `new DistributedPool(…)`.
 *
 * @example
 * ```ts
 * const options: DistributedPoolOptions = { connection: 'redis://127.0.0.1:6379', queue: 'work', attempts: 2 };
 * ```
 */
export interface DistributedPoolOptions {
  /** Redis URL (`redis://…`, `rediss://…` for TLS) or ioredis options; credentials pass through. */
  connection: RedisConnection;
  /** The BullMQ queue that `multiproc-worker --queue NAME` takes chunks from. */
  queue: string;
  /**
   * Times a chunk may be started before its tasks fail with `WorkerLostError`: each start after
   * the first follows a worker process or machine that died (or shut down) under it.
   * @default 3
   */
  attempts?: number | undefined;
  /**
   * Chunks an `imap` keeps submitted and not yet consumed.
   * @default 8
   */
  maxInFlight?: number | undefined;
  /**
   * How long workers go on taking this pool's chunks after it stops refreshing its liveness key
   * (the caller died), in ms. It is refreshed every third of that.
   * @default 30000
   */
  heartbeatTtl?: number | undefined;
  /** Send non-exported functions by source; workers must opt in too. @default false */
  allowFunctionSource?: boolean | undefined;
  /** BullMQ's key prefix. @default 'bull' */
  prefix?: string | undefined;
}

/**
 * Progress a task reported with `reportProgress`.
 *
 * @example
 * ```ts
 * pool.imap(render, files, { onProgress: ({ index, value }) => console.log(files[index], value) });
 * ```
 */
export interface ProgressEvent {
  /** the task's position in the call's input */
  index: number;
  /** what the task passed to `reportProgress` */
  value: unknown;
}

/**
 * Options every submitting method takes.
 *
 * @example
 * ```ts
 * await pool.apply(resize, [file], { timeout: 60_000, signal: AbortSignal.timeout(120_000) });
 * ```
 */
export interface DistributedTaskOptions {
  /** Cancels the call: queued chunks are removed, and it rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
  /** ms a chunk (one task for `apply`) may run before it fails with `TimeoutError`. */
  timeout?: number | undefined;
  /** Receives the progress tasks report. */
  onProgress?: ((event: ProgressEvent) => void) | undefined;
}

/**
 * Options of `applyAsync`.
 *
 * @example
 * ```ts
 * pool.applyAsync(square, [3], { callback: (v) => console.log(v), errorCallback: console.error });
 * ```
 */
export interface DistributedApplyAsyncOptions<R>
  extends DistributedTaskOptions, Pick<ApplyAsyncOptions<R>, 'callback' | 'errorCallback'> {}

/**
 * Options of `map` and `starmap`.
 *
 * @example
 * ```ts
 * await pool.map(square, numbers, { chunksize: 500 });
 * ```
 */
export interface DistributedMapOptions extends DistributedTaskOptions {
  /**
   * Items per chunk (one BullMQ job). Redis moves some thousands of jobs per second, so small
   * tasks must travel in chunks.
   * @default ⌈items / 64⌉, at most 1000
   */
  chunksize?: number | undefined;
}

/**
 * Options of `mapAsync` and `starmapAsync`.
 *
 * @example
 * ```ts
 * pool.mapAsync(square, numbers, { chunksize: 500, callback: (all) => console.log(all.length) });
 * ```
 */
export interface DistributedMapAsyncOptions<R>
  extends DistributedMapOptions, Pick<MapAsyncOptions<R>, 'callback' | 'errorCallback'> {}

/**
 * Options of `imap` and `imapUnordered`.
 *
 * @example
 * ```ts
 * for await (const r of pool.imap(check, endless(), { chunksize: 10, maxInFlight: 4 })) use(r);
 * ```
 */
export interface DistributedIMapOptions extends DistributedTaskOptions {
  /** Items per chunk. @default 1 */
  chunksize?: number | undefined;
  /** Chunks submitted and not yet consumed. @default the pool's `maxInFlight` */
  maxInFlight?: number | undefined;
}

export function checkPositiveInteger(value: unknown, path: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw invalidArgument(path, 'a positive integer', value);
}

/**
 * What both ends check first: `options` is an object (`expected` says of what) naming a Redis
 * connection and a queue.
 */
export function checkQueueOptions(
  options: unknown,
  expected: string,
): asserts options is { connection: RedisConnection; queue: string } {
  if (typeof options !== 'object' || options === null)
    throw invalidArgument('options', expected, options);
  const { connection, queue } = options as { connection?: unknown; queue?: unknown };
  checkConnection(connection, 'options.connection');
  checkQueueName(queue, 'options.queue');
}

export function checkQueueName(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(value))
    throw invalidArgument(path, 'a queue name of letters, digits, _ . or -', value);
}

/** Checks the options every submitting method shares. */
export function checkTaskOptions(options: unknown, path: string): DistributedTaskOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null)
    throw invalidArgument(path, 'an object', options);
  const o = options as Record<string, unknown>;
  if (o['signal'] !== undefined && !(o['signal'] instanceof AbortSignal))
    throw invalidArgument(`${path}.signal`, 'an AbortSignal', o['signal']);
  if (o['timeout'] !== undefined && !(typeof o['timeout'] === 'number' && o['timeout'] > 0))
    throw invalidArgument(`${path}.timeout`, 'a positive number of ms', o['timeout']);
  for (const name of ['onProgress', 'callback', 'errorCallback']) {
    if (o[name] !== undefined && typeof o[name] !== 'function')
      throw invalidArgument(`${path}.${name}`, 'a function', o[name]);
  }
  if (o['chunksize'] !== undefined) checkPositiveInteger(o['chunksize'], `${path}.chunksize`);
  if (o['maxInFlight'] !== undefined) checkPositiveInteger(o['maxInFlight'], `${path}.maxInFlight`);
  return options;
}
