/**
 * The typed proxies of a `SyncManager`'s types. Every method is a round trip to the server, so
 * every one is async, and each takes an optional last `{ timeout }` (see `CallOptions`).
 */
import { BaseProxy, registerProxyClass, type CallOptions } from './proxy.js';

/**
 * Keys a dict proxy accepts: any sendable primitive (`1`, `'1'` and `0.5` are three keys).
 *
 * @example
 * ```ts
 * const keys: DictKey[] = [1, '1', 0.5, 10n, true, null];
 * ```
 */
export type DictKey = string | number | bigint | boolean | null | undefined;

/**
 * A `Map`-like proxy of a dict in the manager.
 *
 * @example
 * ```ts
 * const d = await manager.dict<string, number>({ a: 1 });
 * await d.set('b', 2);
 * await d.get('b'); // 2
 * await d.copy();   // Map { 'a' => 1, 'b' => 2 }
 * ```
 */
export class DictProxy<K = DictKey, V = unknown> extends BaseProxy {
  get(key: K, options?: CallOptions): Promise<V | undefined> {
    return this.callMethod('get', [key], options) as Promise<V | undefined>;
  }
  set(key: K, value: V, options?: CallOptions): Promise<void> {
    return this.callMethod('set', [key, value], options) as Promise<void>;
  }
  has(key: K, options?: CallOptions): Promise<boolean> {
    return this.callMethod('has', [key], options) as Promise<boolean>;
  }
  delete(key: K, options?: CallOptions): Promise<boolean> {
    return this.callMethod('delete', [key], options) as Promise<boolean>;
  }
  keys(options?: CallOptions): Promise<K[]> {
    return this.callMethod('keys', [], options) as Promise<K[]>;
  }
  values(options?: CallOptions): Promise<V[]> {
    return this.callMethod('values', [], options) as Promise<V[]>;
  }
  entries(options?: CallOptions): Promise<[K, V][]> {
    return this.callMethod('entries', [], options) as Promise<[K, V][]>;
  }
  size(options?: CallOptions): Promise<number> {
    return this.callMethod('size', [], options) as Promise<number>;
  }
  clear(options?: CallOptions): Promise<void> {
    return this.callMethod('clear', [], options) as Promise<void>;
  }
  /** Adds the entries of a `Map`, an iterable of pairs or a plain object. */
  update(
    other: Map<K, V> | Iterable<[K, V]> | Record<string, V>,
    options?: CallOptions,
  ): Promise<void> {
    return this.callMethod(
      'update',
      [other instanceof Map ? other : Symbol.iterator in other ? [...other] : other],
      options,
    ) as Promise<void>;
  }
  /** Removes `key` and resolves with its value; without a `fallback`, a missing key rejects. */
  pop(key: K, ...fallback: [] | [V] | [V, CallOptions]): Promise<V> {
    const [value, options] = fallback;
    return this.callMethod(
      'pop',
      fallback.length === 0 ? [key] : [key, value],
      options,
    ) as Promise<V>;
  }
  setdefault(key: K, fallback: V, options?: CallOptions): Promise<V> {
    return this.callMethod('setdefault', [key, fallback], options) as Promise<V>;
  }
  override copy(options?: CallOptions): Promise<Map<K, V>> {
    return super.copy(options) as Promise<Map<K, V>>;
  }
}

/**
 * A proxy of a list in the manager, with Python's list methods (negative indexes count from
 * the end).
 *
 * @example
 * ```ts
 * const l = await manager.list([3, 1, 2]);
 * await l.sort();
 * await l.copy(); // [1, 2, 3]
 * ```
 */
export class ListProxy<T = unknown> extends BaseProxy {
  get(index: number, options?: CallOptions): Promise<T> {
    return this.callMethod('get', [index], options) as Promise<T>;
  }
  set(index: number, value: T, options?: CallOptions): Promise<void> {
    return this.callMethod('set', [index, value], options) as Promise<void>;
  }
  append(value: T, options?: CallOptions): Promise<void> {
    return this.callMethod('append', [value], options) as Promise<void>;
  }
  extend(values: Iterable<T>, options?: CallOptions): Promise<void> {
    return this.callMethod('extend', [[...values]], options) as Promise<void>;
  }
  insert(index: number, value: T, options?: CallOptions): Promise<void> {
    return this.callMethod('insert', [index, value], options) as Promise<void>;
  }
  pop(index = -1, options?: CallOptions): Promise<T> {
    return this.callMethod('pop', [index], options) as Promise<T>;
  }
  remove(value: T, options?: CallOptions): Promise<void> {
    return this.callMethod('remove', [value], options) as Promise<void>;
  }
  index(value: T, start?: number, end?: number, options?: CallOptions): Promise<number> {
    const args: unknown[] = [value];
    if (start !== undefined) args.push(start);
    if (end !== undefined) args.push(end);
    return this.callMethod('index', args, options) as Promise<number>;
  }
  count(value: T, options?: CallOptions): Promise<number> {
    return this.callMethod('count', [value], options) as Promise<number>;
  }
  reverse(options?: CallOptions): Promise<void> {
    return this.callMethod('reverse', [], options) as Promise<void>;
  }
  /** Sorts numbers, bigints or strings in place (`{ reverse: true }` for descending order). */
  sort(sortOptions: { reverse?: boolean } = {}, options?: CallOptions): Promise<void> {
    return this.callMethod('sort', [sortOptions], options) as Promise<void>;
  }
  length(options?: CallOptions): Promise<number> {
    return this.callMethod('length', [], options) as Promise<number>;
  }
  slice(start?: number, end?: number, options?: CallOptions): Promise<T[]> {
    return this.callMethod('slice', [start, end], options) as Promise<T[]>;
  }
  override copy(options?: CallOptions): Promise<T[]> {
    return super.copy(options) as Promise<T[]>;
  }
}

/**
 * A proxy of a set in the manager.
 *
 * @example
 * ```ts
 * const s = await manager.set([1, 2]);
 * await s.add(3);
 * ```
 */
export class SetProxy<T = unknown> extends BaseProxy {
  add(value: T, options?: CallOptions): Promise<void> {
    return this.callMethod('add', [value], options) as Promise<void>;
  }
  delete(value: T, options?: CallOptions): Promise<boolean> {
    return this.callMethod('delete', [value], options) as Promise<boolean>;
  }
  has(value: T, options?: CallOptions): Promise<boolean> {
    return this.callMethod('has', [value], options) as Promise<boolean>;
  }
  size(options?: CallOptions): Promise<number> {
    return this.callMethod('size', [], options) as Promise<number>;
  }
  clear(options?: CallOptions): Promise<void> {
    return this.callMethod('clear', [], options) as Promise<void>;
  }
  values(options?: CallOptions): Promise<T[]> {
    return this.callMethod('values', [], options) as Promise<T[]>;
  }
  override copy(options?: CallOptions): Promise<Set<T>> {
    return super.copy(options) as Promise<Set<T>>;
  }
}

/**
 * A proxy of a Namespace: named attributes shared between processes.
 *
 * @example
 * ```ts
 * const ns = await manager.Namespace();
 * await ns.set('x', 10);
 * await ns.get('x'); // 10
 * ```
 */
export class NamespaceProxy extends BaseProxy {
  get(name: string, options?: CallOptions): Promise<unknown> {
    return this.callMethod('get', [name], options);
  }
  set(name: string, value: unknown, options?: CallOptions): Promise<void> {
    return this.callMethod('set', [name, value], options) as Promise<void>;
  }
  has(name: string, options?: CallOptions): Promise<boolean> {
    return this.callMethod('has', [name], options) as Promise<boolean>;
  }
  delete(name: string, options?: CallOptions): Promise<void> {
    return this.callMethod('delete', [name], options) as Promise<void>;
  }
  override copy(options?: CallOptions): Promise<Record<string, unknown>> {
    return super.copy(options) as Promise<Record<string, unknown>>;
  }
}

/**
 * Options of a queue proxy's `get`/`put` (the queue's own wait, not the call's).
 *
 * @example
 * ```ts
 * await q.get({ timeout: 100 }); // Empty after 100 ms
 * ```
 */
export interface QueueProxyOptions extends CallOptions {
  block?: boolean | undefined;
}

function queueWait(options: QueueProxyOptions | undefined): unknown[] {
  return options === undefined ? [] : [{ block: options.block, timeout: options.timeout }];
}

/**
 * A proxy of a queue living in the manager. `get`/`put` wait as a `Queue`'s do: `Empty`/`Full`
 * after `{ timeout }`.
 *
 * @example
 * ```ts
 * const q = await manager.Queue();
 * await q.put('hello');
 * await q.get({ timeout: 1000 }); // 'hello'
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  put(item: T, options?: QueueProxyOptions): Promise<void> {
    return this.callMethod('put', [item, ...queueWait(options)]) as Promise<void>;
  }
  get(options?: QueueProxyOptions): Promise<T> {
    return this.callMethod('get', queueWait(options)) as Promise<T>;
  }
  putNowait(item: T, options?: CallOptions): Promise<void> {
    return this.callMethod('putNowait', [item], options) as Promise<void>;
  }
  getNowait(options?: CallOptions): Promise<T> {
    return this.callMethod('getNowait', [], options) as Promise<T>;
  }
  qsize(options?: CallOptions): Promise<number> {
    return this.callMethod('qsize', [], options) as Promise<number>;
  }
  empty(options?: CallOptions): Promise<boolean> {
    return this.callMethod('empty', [], options) as Promise<boolean>;
  }
  full(options?: CallOptions): Promise<boolean> {
    return this.callMethod('full', [], options) as Promise<boolean>;
  }
}

/**
 * A proxy of a joinable queue: a `QueueProxy` with `taskDone()` and `join()`.
 *
 * @example
 * ```ts
 * const q = await manager.JoinableQueue();
 * await q.put(1); await q.get(); await q.taskDone(); await q.join();
 * ```
 */
export class JoinableQueueProxy<T = unknown> extends QueueProxy<T> {
  taskDone(options?: CallOptions): Promise<void> {
    return this.callMethod('taskDone', [], options) as Promise<void>;
  }
  join(options?: CallOptions): Promise<void> {
    return this.callMethod('join', [], options) as Promise<void>;
  }
}

/**
 * Options of `acquire` on a lock proxy.
 *
 * @example
 * ```ts
 * await lock.acquire({ timeout: 50 }); // false after 50 ms
 * ```
 */
export interface AcquireProxyOptions extends CallOptions {
  /** @default true */
  block?: boolean | undefined;
}

function acquireArgs(options: AcquireProxyOptions | undefined): unknown[] {
  return options === undefined ? [] : [{ block: options.block, timeout: options.timeout }];
}

/**
 * A proxy of a lock in the manager (`Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`). A client
 * that disconnects while holding it releases it.
 *
 * @example
 * ```ts
 * const lock = await manager.Lock();
 * await lock.withLock(async () => { … });
 * ```
 */
export class AcquirerProxy extends BaseProxy {
  /** Resolves `true` once acquired, `false` after `{ timeout }` or with `{ block: false }`. */
  acquire(options?: AcquireProxyOptions): Promise<boolean> {
    return this.callMethod('acquire', acquireArgs(options)) as Promise<boolean>;
  }
  /** Releases the lock. */
  release(options?: CallOptions): Promise<void> {
    return this.callMethod('release', [], options) as Promise<void>;
  }
  /** Acquires, runs `fn`, and releases even when `fn` throws. */
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}

/**
 * A proxy of a semaphore: an `AcquirerProxy` with `getValue()`.
 *
 * @example
 * ```ts
 * const s = await manager.Semaphore(2);
 * await s.getValue(); // 2
 * ```
 */
export class SemaphoreProxy extends AcquirerProxy {
  getValue(options?: CallOptions): Promise<number> {
    return this.callMethod('getValue', [], options) as Promise<number>;
  }
}

/**
 * A proxy of a condition variable.
 *
 * @example
 * ```ts
 * const c = await manager.Condition();
 * await c.acquire(); await c.notifyAll(); await c.release();
 * ```
 */
export class ConditionProxy extends AcquirerProxy {
  wait(timeout?: number | null): Promise<boolean> {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout]) as Promise<boolean>;
  }
  notify(n = 1, options?: CallOptions): Promise<void> {
    return this.callMethod('notify', [n], options) as Promise<void>;
  }
  notifyAll(options?: CallOptions): Promise<void> {
    return this.callMethod('notifyAll', [], options) as Promise<void>;
  }
}

/**
 * A proxy of an event.
 *
 * @example
 * ```ts
 * const e = await manager.Event();
 * await e.set(); await e.wait(100); // true
 * ```
 */
export class EventProxy extends BaseProxy {
  isSet(options?: CallOptions): Promise<boolean> {
    return this.callMethod('isSet', [], options) as Promise<boolean>;
  }
  set(options?: CallOptions): Promise<void> {
    return this.callMethod('set', [], options) as Promise<void>;
  }
  clear(options?: CallOptions): Promise<void> {
    return this.callMethod('clear', [], options) as Promise<void>;
  }
  wait(timeout?: number | null): Promise<boolean> {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout]) as Promise<boolean>;
  }
}

/**
 * A proxy of a barrier.
 *
 * @example
 * ```ts
 * const b = await manager.Barrier(2);
 * await Promise.all([b.wait(), b.wait()]);
 * ```
 */
export class BarrierProxy extends BaseProxy {
  wait(timeout?: number | null): Promise<number> {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout]) as Promise<number>;
  }
  reset(options?: CallOptions): Promise<void> {
    return this.callMethod('reset', [], options) as Promise<void>;
  }
  abort(options?: CallOptions): Promise<void> {
    return this.callMethod('abort', [], options) as Promise<void>;
  }
  parties(options?: CallOptions): Promise<number> {
    return this.callMethod('parties', [], options) as Promise<number>;
  }
  nWaiting(options?: CallOptions): Promise<number> {
    return this.callMethod('nWaiting', [], options) as Promise<number>;
  }
  broken(options?: CallOptions): Promise<boolean> {
    return this.callMethod('broken', [], options) as Promise<boolean>;
  }
}

/**
 * A proxy of a typed value in the manager.
 *
 * @example
 * ```ts
 * const v = await manager.Value('i', 1);
 * await v.set(2); await v.get(); // 2
 * ```
 */
export class ValueProxy<T = unknown> extends BaseProxy {
  get(options?: CallOptions): Promise<T> {
    return this.callMethod('get', [], options) as Promise<T>;
  }
  set(value: T, options?: CallOptions): Promise<void> {
    return this.callMethod('set', [value], options) as Promise<void>;
  }
}

/**
 * A proxy of a typed array in the manager.
 *
 * @example
 * ```ts
 * const a = await manager.Array('d', [1, 2]);
 * await a.set(0, 5); await a.copy(); // [5, 2]
 * ```
 */
export class ArrayProxy<T = unknown> extends BaseProxy {
  get(index: number, options?: CallOptions): Promise<T> {
    return this.callMethod('get', [index], options) as Promise<T>;
  }
  set(index: number, value: T, options?: CallOptions): Promise<void> {
    return this.callMethod('set', [index, value], options) as Promise<void>;
  }
  length(options?: CallOptions): Promise<number> {
    return this.callMethod('length', [], options) as Promise<number>;
  }
  slice(start?: number, end?: number, options?: CallOptions): Promise<T[]> {
    return this.callMethod('slice', [start, end], options) as Promise<T[]>;
  }
  override copy(options?: CallOptions): Promise<T[]> {
    return super.copy(options) as Promise<T[]>;
  }
}

for (const Class of [
  DictProxy,
  ListProxy,
  SetProxy,
  NamespaceProxy,
  QueueProxy,
  JoinableQueueProxy,
  AcquirerProxy,
  SemaphoreProxy,
  ConditionProxy,
  EventProxy,
  BarrierProxy,
  ValueProxy,
  ArrayProxy,
]) {
  registerProxyClass(Class);
}
