/**
 * `@multiproc/bullmq`: multiproc's `Pool` beyond one machine, on BullMQ and Redis, and the
 * `DistributedWorker` that the `multiproc-worker` command runs.
 *
 * @packageDocumentation
 */
export { DistributedPool } from './distributed-pool.js';
export { DistributedWorker, type DistributedWorkerOptions } from './worker.js';
export { reportProgress } from './progress.js';
export type { RedisConnection } from './connection.js';
export type { DistributedPoolState } from './engine.js';
export type {
  DistributedApplyAsyncOptions,
  DistributedIMapOptions,
  DistributedMapAsyncOptions,
  DistributedMapOptions,
  DistributedPoolOptions,
  DistributedTaskOptions,
  ProgressEvent,
} from './options.js';
export {
  AbortError,
  ProcessError,
  TimeoutError,
  WorkerLostError,
  taskRef,
  type TaskRef,
} from '@multiproc/serialize';
export { AsyncResult, IMapIterator } from '@multiproc/pool';
