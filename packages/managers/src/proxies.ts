/**
 * The typed proxies of a `SyncManager`'s types. Every method is a round trip to the server, so
 * every one is async, and each takes an optional last `{ timeout }` (see `CallOptions`).
 *
 * The methods that only pass their arguments on are declared once per class, as an interface
 * merged with the class, and installed on its prototype by `forward` (Python's `MakeProxyType`).
 */
/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- see above */
import {
  BaseProxy,
  forward,
  registerProxyClass,
  type CallOptions,
  type Forwarded,
} from './proxy.js';

/**
 * Keys a dict proxy accepts: any sendable primitive (`1`, `'1'` and `0.5` are three keys).
 *
 * @example
 * ```ts
 * const keys: DictKey[] = [1, '1', 0.5, 10n, true, null];
 * ```
 */
export type DictKey = string | number | bigint | boolean | null | undefined;

type DictCalls<K, V> = {
  /** Resolves with the value of `key`, or `undefined` when it is missing. */
  get: [[key: K], V | undefined];
  /** Sets `key` to `value`. */
  set: [[key: K, value: V], void];
  /** Resolves `true` when the dict has `key`. */
  has: [[key: K], boolean];
  /** Removes `key`; resolves `true` when it was there. */
  delete: [[key: K], boolean];
  /** Resolves with an array of the keys, in insertion order. */
  keys: [[], K[]];
  /** Resolves with an array of the values, in insertion order. */
  values: [[], V[]];
  /** Resolves with an array of the `[key, value]` pairs, in insertion order. */
  entries: [[], [K, V][]];
  /** Resolves with the number of entries. */
  size: [[], number];
  /** Removes every entry. */
  clear: [[], void];
  /** Resolves with the value of `key`, first setting it to `fallback` when it is missing. */
  setdefault: [[key: K, fallback: V], V];
};

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
  /** Resolves with a copy of the dict as a `Map`. */
  override copy(options?: CallOptions): Promise<Map<K, V>> {
    return super.copy(options) as Promise<Map<K, V>>;
  }
}

export interface DictProxy<K = DictKey, V = unknown> extends Forwarded<DictCalls<K, V>> {}

type ListCalls<T> = {
  /** Resolves with the item at `index`; out of range rejects with a `RangeError`. */
  get: [[index: number], T];
  /** Replaces the item at `index`; out of range rejects with a `RangeError`. */
  set: [[index: number, value: T], void];
  /** Adds `value` at the end. */
  append: [[value: T], void];
  /** Inserts `value` before `index` (clamped to the list, as Python's). */
  insert: [[index: number, value: T], void];
  /** Removes the first item equal to `value`; rejects with a `RangeError` when there is none. */
  remove: [[value: T], void];
  /** Resolves with the number of items equal to `value`. */
  count: [[value: T], number];
  /** Reverses the list in place. */
  reverse: [[], void];
  /** Resolves with the number of items. */
  length: [[], number];
};

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
  /** Adds the items of `values` at the end. */
  extend(values: Iterable<T>, options?: CallOptions): Promise<void> {
    return this.callMethod('extend', [[...values]], options) as Promise<void>;
  }
  /**
   * Removes and resolves with the item at `index` (the last by default); an empty list or an index
   * out of range rejects with a `RangeError`.
   */
  pop(index = -1, options?: CallOptions): Promise<T> {
    return this.callMethod('pop', [index], options) as Promise<T>;
  }
  /**
   * Resolves with the index of the first item equal to `value` in `[start, end)`; rejects with a
   * `RangeError` when there is none.
   */
  index(value: T, start?: number, end?: number, options?: CallOptions): Promise<number> {
    const args: unknown[] = [value];
    if (start !== undefined) args.push(start);
    if (end !== undefined) args.push(end);
    return this.callMethod('index', args, options) as Promise<number>;
  }
  /** Sorts numbers, bigints or strings in place (`{ reverse: true }` for descending order). */
  sort(sortOptions: { reverse?: boolean } = {}, options?: CallOptions): Promise<void> {
    return this.callMethod('sort', [sortOptions], options) as Promise<void>;
  }
  /** Resolves with a copy of the items from `start` to `end` (as `Array.prototype.slice`). */
  slice(start?: number, end?: number, options?: CallOptions): Promise<T[]> {
    return this.callMethod('slice', [start, end], options) as Promise<T[]>;
  }
  override copy(options?: CallOptions): Promise<T[]> {
    return super.copy(options) as Promise<T[]>;
  }
}

export interface ListProxy<T = unknown> extends Forwarded<ListCalls<T>> {}

type SetCalls<T> = {
  /** Adds `value`. */
  add: [[value: T], void];
  /** Removes `value`; resolves `true` when it was there. */
  delete: [[value: T], boolean];
  /** Resolves `true` when the set has `value`. */
  has: [[value: T], boolean];
  /** Resolves with the number of members. */
  size: [[], number];
  /** Removes every member. */
  clear: [[], void];
  /** Resolves with an array of the members, in insertion order. */
  values: [[], T[]];
};

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
  override copy(options?: CallOptions): Promise<Set<T>> {
    return super.copy(options) as Promise<Set<T>>;
  }
}

export interface SetProxy<T = unknown> extends Forwarded<SetCalls<T>> {}

type NamespaceCalls = {
  /** Resolves with the attribute `name`; a missing one rejects with a `RangeError`. */
  get: [[name: string], unknown];
  /** Sets the attribute `name` to `value`. */
  set: [[name: string, value: unknown], void];
  /** Resolves `true` when the namespace has the attribute `name`. */
  has: [[name: string], boolean];
  /** Removes the attribute `name`; a missing one rejects with a `RangeError`. */
  delete: [[name: string], void];
};

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
  override copy(options?: CallOptions): Promise<Record<string, unknown>> {
    return super.copy(options) as Promise<Record<string, unknown>>;
  }
}

export interface NamespaceProxy extends Forwarded<NamespaceCalls> {}

/**
 * Options of a queue proxy's `get`/`put` (the queue's own wait, not the call's).
 *
 * @example
 * ```ts
 * await q.get({ timeout: 100 }); // Empty after 100 ms
 * ```
 */
export interface QueueProxyOptions extends CallOptions {
  /**
   * `false` fails at once instead of waiting.
   *
   * @default true
   */
  block?: boolean | undefined;
}

function queueWait(options: QueueProxyOptions | undefined): unknown[] {
  return options === undefined ? [] : [{ block: options.block, timeout: options.timeout }];
}

type QueueCalls<T> = {
  /** Puts `item` without waiting; rejects with `Full` when the queue is full. */
  putNowait: [[item: T], void];
  /** Removes and resolves with an item without waiting; rejects with `Empty` when there is none. */
  getNowait: [[], T];
  /** Resolves with the number of items in the queue. */
  qsize: [[], number];
  /** Resolves `true` when the queue is empty. */
  empty: [[], boolean];
  /** Resolves `true` when the queue holds `maxsize` items. */
  full: [[], boolean];
};

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
  /**
   * Puts `item`, waiting for a free slot; rejects with `Full` after `{ timeout }` or at once with
   * `{ block: false }`.
   */
  put(item: T, options?: QueueProxyOptions): Promise<void> {
    return this.callMethod('put', [item, ...queueWait(options)]) as Promise<void>;
  }
  /**
   * Removes and resolves with an item, waiting for one; rejects with `Empty` after `{ timeout }` or
   * at once with `{ block: false }`.
   */
  get(options?: QueueProxyOptions): Promise<T> {
    return this.callMethod('get', queueWait(options)) as Promise<T>;
  }
}

export interface QueueProxy<T = unknown> extends Forwarded<QueueCalls<T>> {}

type JoinableQueueCalls = {
  /**
   * Marks one item got earlier as processed; rejects when called more times than items were put.
   */
  taskDone: [[], void];
  /** Resolves once every item put has been marked done with `taskDone()`. */
  join: [[], void];
};

/**
 * A proxy of a joinable queue: a `QueueProxy` with `taskDone()` and `join()`.
 *
 * @example
 * ```ts
 * const q = await manager.JoinableQueue();
 * await q.put(1); await q.get(); await q.taskDone(); await q.join();
 * ```
 */
export class JoinableQueueProxy<T = unknown> extends QueueProxy<T> {}

export interface JoinableQueueProxy<T = unknown>
  extends QueueProxy<T>, Forwarded<JoinableQueueCalls> {}

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

type SemaphoreCalls = {
  /** Resolves with the semaphore's current value. */
  getValue: [[], number];
};

/**
 * A proxy of a semaphore: an `AcquirerProxy` with `getValue()`.
 *
 * @example
 * ```ts
 * const s = await manager.Semaphore(2);
 * await s.getValue(); // 2
 * ```
 */
export class SemaphoreProxy extends AcquirerProxy {}

export interface SemaphoreProxy extends Forwarded<SemaphoreCalls> {}

type ConditionCalls = {
  /** Wakes every waiter. */
  notifyAll: [[], void];
};

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
  /**
   * Releases the held lock, waits for a notify (or `timeout` ms) and reacquires it; resolves
   * `false` on timeout. Rejects when this client does not hold the lock.
   */
  wait(timeout?: number | null): Promise<boolean> {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout]) as Promise<boolean>;
  }
  /** Wakes up to `n` waiters (one by default). */
  notify(n = 1, options?: CallOptions): Promise<void> {
    return this.callMethod('notify', [n], options) as Promise<void>;
  }
}

export interface ConditionProxy extends Forwarded<ConditionCalls> {}

/**
 * The base of the proxies whose `wait(timeout)` is the referent's (`EventProxy`, `BarrierProxy`):
 * `wait` resolves with what the referent's wait returned.
 *
 * @example
 * ```ts
 * const arrived: number = await barrier.wait(1000);
 * ```
 */
export class WaitProxy<R> extends BaseProxy {
  /**
   * Waits on the referent (up to `timeout` ms) and resolves with what its wait returned: an event's
   * flag, a barrier's arrival index.
   */
  wait(timeout?: number | null): Promise<R> {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout]) as Promise<R>;
  }
}

type EventCalls = {
  /** Resolves `true` when the flag is set. */
  isSet: [[], boolean];
  /** Sets the flag, waking every waiter. */
  set: [[], void];
  /** Clears the flag. */
  clear: [[], void];
};

/**
 * A proxy of an event.
 *
 * @example
 * ```ts
 * const e = await manager.Event();
 * await e.set(); await e.wait(100); // true
 * ```
 */
export class EventProxy extends WaitProxy<boolean> {}

export interface EventProxy extends Forwarded<EventCalls> {}

type BarrierCalls = {
  /** Returns the barrier to its initial state; current waiters reject with `BrokenBarrierError`. */
  reset: [[], void];
  /** Breaks the barrier: current and future waiters reject with `BrokenBarrierError`. */
  abort: [[], void];
  /** Resolves with the number of parties needed to pass the barrier. */
  parties: [[], number];
  /** Resolves with the number of parties waiting now. */
  nWaiting: [[], number];
  /** Resolves `true` when the barrier is broken. */
  broken: [[], boolean];
};

/**
 * A proxy of a barrier.
 *
 * @example
 * ```ts
 * const b = await manager.Barrier(2);
 * await Promise.all([b.wait(), b.wait()]);
 * ```
 */
export class BarrierProxy extends WaitProxy<number> {}

export interface BarrierProxy extends Forwarded<BarrierCalls> {}

type ValueCalls<T> = {
  /** Sets the value. */
  set: [[value: T], void];
};

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
  /** Resolves with the value. */
  get(options?: CallOptions): Promise<T> {
    return this.callMethod('get', [], options) as Promise<T>;
  }
}

export interface ValueProxy<T = unknown> extends Forwarded<ValueCalls<T>> {}

type ArrayCalls<T> = {
  /** Resolves with the item at `index`; out of range rejects with a `RangeError`. */
  get: [[index: number], T];
  /** Sets the item at `index`; out of range rejects with a `RangeError`. */
  set: [[index: number, value: T], void];
  /** Resolves with the number of items. */
  length: [[], number];
};

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
  /** Resolves with a copy of the items from `start` to `end` (as `Array.prototype.slice`). */
  slice(start?: number, end?: number, options?: CallOptions): Promise<T[]> {
    return this.callMethod('slice', [start, end], options) as Promise<T[]>;
  }
  override copy(options?: CallOptions): Promise<T[]> {
    return super.copy(options) as Promise<T[]>;
  }
}

export interface ArrayProxy<T = unknown> extends Forwarded<ArrayCalls<T>> {}

forward<DictCalls<unknown, unknown>>(DictProxy, {
  get: 1,
  set: 2,
  has: 1,
  delete: 1,
  keys: 0,
  values: 0,
  entries: 0,
  size: 0,
  clear: 0,
  setdefault: 2,
});
forward<ListCalls<unknown>>(ListProxy, {
  get: 1,
  set: 2,
  append: 1,
  insert: 2,
  remove: 1,
  count: 1,
  reverse: 0,
  length: 0,
});
forward<SetCalls<unknown>>(SetProxy, { add: 1, delete: 1, has: 1, size: 0, clear: 0, values: 0 });
forward<NamespaceCalls>(NamespaceProxy, { get: 1, set: 2, has: 1, delete: 1 });
forward<QueueCalls<unknown>>(QueueProxy, {
  putNowait: 1,
  getNowait: 0,
  qsize: 0,
  empty: 0,
  full: 0,
});
forward<JoinableQueueCalls>(JoinableQueueProxy, { taskDone: 0, join: 0 });
forward<SemaphoreCalls>(SemaphoreProxy, { getValue: 0 });
forward<ConditionCalls>(ConditionProxy, { notifyAll: 0 });
forward<EventCalls>(EventProxy, { isSet: 0, set: 0, clear: 0 });
forward<BarrierCalls>(BarrierProxy, { reset: 0, abort: 0, parties: 0, nWaiting: 0, broken: 0 });
forward<ValueCalls<unknown>>(ValueProxy, { set: 1 });
forward<ArrayCalls<unknown>>(ArrayProxy, { get: 1, set: 2, length: 0 });

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
