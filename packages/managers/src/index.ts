/**
 * `@multiproc/managers`: Python's `multiprocessing.managers` for Node.js: `Manager()`,
 * `SyncManager`, `BaseManager` with `register()`, async proxies counted across processes,
 * remote managers over TCP with an authkey, and `SharedMemoryManager`.
 *
 * @packageDocumentation
 */
export { Manager, SyncManager } from './sync-manager.js';
export {
  BaseManager,
  type AutoProxy,
  type ManagerOptions,
  type ManagerServer,
  type StartOptions,
} from './manager.js';
export { SharedMemoryManager } from './shared-memory-manager.js';
export { BaseProxy, type CallOptions, type ProxyToken } from './proxy.js';
export {
  AcquirerProxy,
  ArrayProxy,
  BarrierProxy,
  ConditionProxy,
  DictProxy,
  EventProxy,
  JoinableQueueProxy,
  ListProxy,
  NamespaceProxy,
  QueueProxy,
  SemaphoreProxy,
  SetProxy,
  ValueProxy,
  type AcquireProxyOptions,
  type DictKey,
  type QueueProxyOptions,
} from './proxies.js';
export { PoolProxy } from './referent-pool.js';
export { AsyncQueue, type QueueWaitOptions } from './referent-queue.js';
export type { RegisterOptions, ProxyClass } from './registry.js';
export type { ServerStats } from './protocol.js';
export { managerServerMain } from './server-main.js';
