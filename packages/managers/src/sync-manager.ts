/**
 * `SyncManager` and `Manager()`: a manager serving Python's standard shared types.
 */
import { invalidArgument } from '@multiproc/serialize';
import { syncReferents } from './builtins.js';
import { formatAddress } from './client.js';
import { BaseManager, type ManagerOptions } from './manager.js';
import * as proxies from './proxies.js';
import { BaseProxy } from './proxy.js';
import { PoolProxy } from './referent-pool.js';

const proxyOf: Record<string, typeof BaseProxy> = {
  dict: proxies.DictProxy,
  list: proxies.ListProxy,
  set: proxies.SetProxy,
  Namespace: proxies.NamespaceProxy,
  Queue: proxies.QueueProxy,
  JoinableQueue: proxies.JoinableQueueProxy,
  Lock: proxies.AcquirerProxy,
  RLock: proxies.AcquirerProxy,
  Semaphore: proxies.SemaphoreProxy,
  BoundedSemaphore: proxies.SemaphoreProxy,
  Condition: proxies.ConditionProxy,
  Event: proxies.EventProxy,
  Barrier: proxies.BarrierProxy,
  Value: proxies.ValueProxy,
  Array: proxies.ArrayProxy,
  Pool: PoolProxy,
};

/**
 * A manager serving `dict`, `list`, `set`, `Namespace`, `Queue`, `JoinableQueue`, `Lock`,
 * `RLock`, `Semaphore`, `BoundedSemaphore`, `Condition`, `Event`, `Barrier`, `Value`, `Array`
 * and `Pool`. `Manager()` starts one.
 *
 * @example
 * ```ts
 * await using manager = new SyncManager();
 * await manager.start();
 * const d = await manager.dict();
 * ```
 */
export class SyncManager extends BaseManager {
  static {
    for (const [typeid, callable] of syncReferents) {
      this.register(typeid, { callable, proxytype: proxyOf[typeid], createMethod: false });
    }
  }

  /** A shared dict, optionally filled from a `Map`, an iterable of pairs or a plain object. */
  dict<K = proxies.DictKey, V = unknown>(
    init?: Map<K, V> | Iterable<[K, V]> | Record<string, V>,
  ): Promise<proxies.DictProxy<K, V>> {
    const arg =
      init instanceof Map || init === undefined ? init : Symbol.iterator in init ? [...init] : init;
    return this.create('dict', ...(arg === undefined ? [] : [arg]));
  }
  /** A shared list. */
  list<T = unknown>(init?: Iterable<T>): Promise<proxies.ListProxy<T>> {
    return this.create('list', ...(init === undefined ? [] : [[...init]]));
  }
  /** A shared set. */
  set<T = unknown>(init?: Iterable<T>): Promise<proxies.SetProxy<T>> {
    return this.create('set', ...(init === undefined ? [] : [[...init]]));
  }
  /** A shared namespace of named attributes. */
  Namespace(init?: Record<string, unknown>): Promise<proxies.NamespaceProxy> {
    return this.create('Namespace', ...(init === undefined ? [] : [init]));
  }
  /** A queue living in the server. */
  Queue<T = unknown>(maxsize = 0): Promise<proxies.QueueProxy<T>> {
    return this.create('Queue', maxsize);
  }
  /** A joinable queue living in the server. */
  JoinableQueue<T = unknown>(maxsize = 0): Promise<proxies.JoinableQueueProxy<T>> {
    return this.create('JoinableQueue', maxsize);
  }
  /** Creates a shared lock and resolves with its proxy. */
  Lock(): Promise<proxies.AcquirerProxy> {
    return this.create('Lock');
  }
  /** Creates a shared reentrant lock and resolves with its proxy. */
  RLock(): Promise<proxies.AcquirerProxy> {
    return this.create('RLock');
  }
  /** Creates a shared semaphore with `value` permits and resolves with its proxy. */
  Semaphore(value = 1): Promise<proxies.SemaphoreProxy> {
    return this.create('Semaphore', value);
  }
  /**
   * Creates a shared bounded semaphore (released no more than acquired) and resolves with its proxy.
   */
  BoundedSemaphore(value = 1): Promise<proxies.SemaphoreProxy> {
    return this.create('BoundedSemaphore', value);
  }
  /**
   * Creates a shared condition variable and resolves with its proxy: over a new RLock, or over
   * `lock`, a `Lock()` or `RLock()` proxy of this manager, as Python's `Condition(lock)`.
   */
  Condition(lock?: proxies.AcquirerProxy): Promise<proxies.ConditionProxy> {
    if (lock === undefined) return this.create('Condition');
    const address = this.address === undefined ? undefined : formatAddress(this.address);
    if (
      !(lock instanceof BaseProxy) ||
      (lock.typeid !== 'Lock' && lock.typeid !== 'RLock') ||
      formatAddress(lock.address) !== address
    ) {
      return Promise.reject(
        invalidArgument('Condition lock', 'a Lock or RLock proxy of this manager', lock),
      );
    }
    return this.create('Condition', lock);
  }
  /** Creates a shared event and resolves with its proxy. */
  Event(): Promise<proxies.EventProxy> {
    return this.create('Event');
  }
  /**
   * Creates a shared barrier for `parties` callers (`options.timeout`: the default of its `wait`) and
   * resolves with its proxy.
   */
  Barrier(
    parties: number,
    options: { timeout?: number | null } = {},
  ): Promise<proxies.BarrierProxy> {
    return this.create('Barrier', parties, options);
  }
  /** A typed value (`'i'`, `'d'`, `'q'` (bigint), `'c'` (one-character string) …). */
  Value<T = number>(typecode: string, value?: T): Promise<proxies.ValueProxy<T>> {
    return this.create('Value', typecode, ...(value === undefined ? [] : [value]));
  }
  /** A typed array of a length or from a sequence. */
  Array<T = number>(
    typecode: string,
    sizeOrSequence: number | Iterable<T>,
  ): Promise<proxies.ArrayProxy<T>> {
    return this.create(
      'Array',
      typecode,
      typeof sizeOrSequence === 'number' ? sizeOrSequence : [...sizeOrSequence],
    );
  }
  /**
   * A pool living in the server, whose `processes` workers are worker threads of the server
   * process, not processes (Python's are processes): the server is a daemon process, so that it
   * ends with the program that started it even when nobody calls `shutdown()`, and daemon
   * processes may not start processes of their own (the rule of Python's `daemon`). Worker
   * threads still run tasks in parallel on separate CPUs, each in its own JavaScript realm; what
   * they do not have is a process's isolation: a task that calls `process.exit()` or crashes
   * natively ends the server. Functions travel by reference (exported from a module, or
   * self-contained), as `Process` targets do, and a manager that serves unauthenticated clients
   * refuses them. For process workers, use a `Pool` of your own and hand it proxies.
   *
   * @example
   * ```ts
   * const pool = await manager.Pool(2);
   * await pool.map(square, [1, 2, 3]); // [1, 4, 9], square exported by its module
   * ```
   */
  Pool(processes?: number): Promise<PoolProxy> {
    return this.create('Pool', ...(processes === undefined ? [] : [processes]));
  }
}

/**
 * Starts a `SyncManager` (its server in a new process) and resolves with it.
 *
 * @example
 * ```ts
 * await using manager = await Manager();
 * const l = await manager.list([1, 2]);
 * ```
 */
export async function Manager(options?: ManagerOptions): Promise<SyncManager> {
  const manager = new SyncManager(options);
  await manager.start();
  return manager;
}
