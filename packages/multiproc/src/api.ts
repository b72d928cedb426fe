/**
 * The whole API of `multiproc`, each name once, grouped by the package that owns it. `index.ts`
 * re-exports it and derives the default export from it; `context.ts` derives the context objects.
 * A name added here appears in all three.
 */
export {
  AbortError,
  AuthenticationError,
  BrokenBarrierError,
  BufferTooShort,
  EOFError,
  Empty,
  Full,
  MultiprocError,
  ProcessError,
  RemoteError,
  TimeoutError,
  WorkerLostError,
  taskRef,
} from '@multiproc/serialize';
export {
  Process,
  activeChildren,
  cpuCount,
  currentProcess,
  getAllStartMethods,
  getStartMethod,
  isMainProcess,
  parentProcess,
  setStartMethod,
} from '@multiproc/process';
export { AsyncResult, IMapIterator, Pool, ThreadPool } from '@multiproc/pool';
export {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  FileLock,
  Lock,
  LockGuard,
  RLock,
  Semaphore,
} from '@multiproc/synchronize';
export { RawArray, RawValue, SharedArray, Value } from '@multiproc/sharedctypes';
export {
  Client,
  Connection,
  Listener,
  Pipe,
  answerChallenge,
  deliverChallenge,
  wait,
} from '@multiproc/connection';
export { SharedMemory, ShareableList } from '@multiproc/shared-memory';
export { JoinableQueue, Queue, SimpleQueue } from '@multiproc/queues';
export {
  AsyncQueue,
  BaseManager,
  BaseProxy,
  Manager,
  SharedMemoryManager,
  SyncManager,
} from '@multiproc/managers';
export type { TaskRef } from '@multiproc/serialize';
export type {
  CurrentProcess,
  ParentProcess,
  ProcessOptions,
  StartMethod,
  Target,
} from '@multiproc/process';
export type {
  ApplyAsyncOptions,
  IMapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  PoolTask,
  TaskOptions,
} from '@multiproc/pool';
export type {
  AcquireOptions,
  BarrierOptions,
  ConditionOptions,
  FileLockOptions,
  Predicate,
} from '@multiproc/synchronize';
export type {
  ElementOf,
  LockOption,
  SynchronizedOptions,
  Typecode,
  ViewOf,
} from '@multiproc/sharedctypes';
export type {
  Address,
  AuthKey,
  BytesLike,
  ClientOptions,
  Family,
  ListenerOptions,
  Waitable,
} from '@multiproc/connection';
export type { QueueOptions, WaitOptions } from '@multiproc/queues';
export type {
  AutoProxy,
  CallOptions,
  DictProxy,
  ListProxy,
  ManagerOptions,
  NamespaceProxy,
  QueueProxy,
  RegisterOptions,
} from '@multiproc/managers';
