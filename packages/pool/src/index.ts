/**
 * `@multiproc/pool`: `Pool` and `ThreadPool`, Python's `multiprocessing.pool` for Node.js.
 *
 * @packageDocumentation
 */
export { Pool, ThreadPool, type PoolTask } from './pool.js';
export { AsyncResult } from './async-result.js';
export { IMapIterator } from './imap.js';
export type {
  ApplyAsyncOptions,
  IMapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  TaskOptions,
} from './options.js';
export {
  AbortError,
  ProcessError,
  TimeoutError,
  WorkerLostError,
  taskRef,
  type TaskRef,
} from '@multiproc/serialize';
