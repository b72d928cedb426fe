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
// The names a user of `Pool` knows, from the package that gives them to `Pool`.
export {
  AbortError,
  AsyncResult,
  IMapIterator,
  ProcessError,
  TimeoutError,
  WorkerLostError,
  taskRef,
  type TaskRef,
} from '@multiproc/pool';
