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
  get: [[key: K], V | undefined];
  set: [[key: K, value: V], void];
  has: [[key: K], boolean];
  delete: [[key: K], boolean];
  keys: [[], K[]];
  values: [[], V[]];
  entries: [[], [K, V][]];
  size: [[], number];
  clear: [[], void];
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
  override copy(options?: CallOptions): Promise<Map<K, V>> {
    return super.copy(options) as Promise<Map<K, V>>;
  }
}

export interface DictProxy<K = DictKey, V = unknown> extends Forwarded<DictCalls<K, V>> {}

type ListCalls<T> = {
  get: [[index: number], T];
  set: [[index: number, value: T], void];
  append: [[value: T], void];
  insert: [[index: number, value: T], void];
  remove: [[value: T], void];
  count: [[value: T], number];
  reverse: [[], void];
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
  extend(values: Iterable<T>, options?: CallOptions): Promise<void> {
    return this.callMethod('extend', [[...values]], options) as Promise<void>;
  }
  pop(index = -1, options?: CallOptions): Promise<T> {
    return this.callMethod('pop', [index], options) as Promise<T>;
  }
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
  slice(start?: number, end?: number, options?: CallOptions): Promise<T[]> {
    return this.callMethod('slice', [start, end], options) as Promise<T[]>;
  }
  override copy(options?: CallOptions): Promise<T[]> {
    return super.copy(options) as Promise<T[]>;
  }
}

export interface ListProxy<T = unknown> extends Forwarded<ListCalls<T>> {}

type SetCalls<T> = {
  add: [[value: T], void];
  delete: [[value: T], boolean];
  has: [[value: T], boolean];
  size: [[], number];
  clear: [[], void];
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
  get: [[name: string], unknown];
  set: [[name: string, value: unknown], void];
  has: [[name: string], boolean];
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
  block?: boolean | undefined;
}

function queueWait(options: QueueProxyOptions | undefined): unknown[] {
  return options === undefined ? [] : [{ block: options.block, timeout: options.timeout }];
}

type QueueCalls<T> = {
  putNowait: [[item: T], void];
  getNowait: [[], T];
  qsize: [[], number];
  empty: [[], boolean];
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
  put(item: T, options?: QueueProxyOptions): Promise<void> {
    return this.callMethod('put', [item, ...queueWait(options)]) as Promise<void>;
  }
  get(options?: QueueProxyOptions): Promise<T> {
    return this.callMethod('get', queueWait(options)) as Promise<T>;
  }
}

export interface QueueProxy<T = unknown> extends Forwarded<QueueCalls<T>> {}

type JoinableQueueCalls = {
  taskDone: [[], void];
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
  wait(timeout?: number | null): Promise<boolean> {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout]) as Promise<boolean>;
  }
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
  wait(timeout?: number | null): Promise<R> {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout]) as Promise<R>;
  }
}

type EventCalls = {
  isSet: [[], boolean];
  set: [[], void];
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
  reset: [[], void];
  abort: [[], void];
  parties: [[], number];
  nWaiting: [[], number];
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
  get(options?: CallOptions): Promise<T> {
    return this.callMethod('get', [], options) as Promise<T>;
  }
}

export interface ValueProxy<T = unknown> extends Forwarded<ValueCalls<T>> {}

type ArrayCalls<T> = {
  get: [[index: number], T];
  set: [[index: number, value: T], void];
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
